/**
 * The local OSS server in its own process (forked by bulk.ts), so that the client being measured
 * has its own event loop and core: `{ url }` is sent over IPC once listening; the message
 * `stats` answers with the server's counters; disconnecting closes it.
 */
import { startServer } from '../server/index.js';
import { BUCKET, CREDENTIALS, REGION } from './request.js';

const server = await startServer({ port: 0, buckets: [BUCKET], credentials: [{ ...CREDENTIALS }], region: REGION });
const send = (m: unknown) => process.send?.(m);
send({ url: server.url });
process.on('message', (m) => {
  if (m === 'stats') send({ stats: server.stats, peakRssMb: process.resourceUsage().maxRSS / 1024 });
});
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
