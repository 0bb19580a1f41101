/**
 * The local OSS server for the bulk scale scenario (forked by bulk-scale.ts): like
 * server-child.ts, plus the time of the first answered request after each `mark` message, so the
 * orchestrator can measure how long a CLI run takes to send its first row.
 */
import { startServer } from '../server/index.js';
import { BUCKET, CREDENTIALS, REGION } from './request.js';

let firstAt: number | undefined;
let putSymlinks = 0;
const server = await startServer({
  port: 0, buckets: [BUCKET], credentials: [{ ...CREDENTIALS }], region: REGION, requestLogSize: 1,
  log: (line) => {
    firstAt ??= Date.now();
    if (line.startsWith('PUT ') && line.includes('?symlink') && line.includes(' 200 ')) putSymlinks++;
  },
});
const send = (m: unknown) => process.send?.(m);
send({ url: server.url });
process.on('message', (m) => {
  if (m === 'mark') {
    firstAt = undefined;
    putSymlinks = 0;
    send({ marked: true });
  } else if (m === 'stats') {
    send({ firstAt: firstAt ?? null, putSymlinks, peakRssMb: process.resourceUsage().maxRSS / 1024 });
  }
});
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
