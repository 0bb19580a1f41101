/**
 * The local OSS server for the bulk scale scenario (forked by bulk-scale.ts): like
 * server-child.ts, plus the time of the first answered request after each `mark` message, so the
 * orchestrator can measure how long a CLI run takes to send its first row, and (after `track`)
 * the distinct links written.
 */
import { startServer } from '../server/index.js';
import { BUCKET, CREDENTIALS, REGION } from './request.js';

let firstAt: number | undefined;
let putSymlinks = 0;
/** Distinct links written, while `track` is on (the resume scenario: 100k links). */
let links: Set<string> | undefined;
const server = await startServer({
  port: 0, buckets: [BUCKET], credentials: [{ ...CREDENTIALS }], region: REGION, requestLogSize: 1,
  log: (line) => {
    firstAt ??= Date.now();
    if (line.startsWith('PUT ') && line.includes('?symlink') && line.includes(' 200 ')) {
      putSymlinks++;
      links?.add(line.slice(4, line.indexOf('?')));
    }
  },
});
const send = (m: unknown) => process.send?.(m);
send({ url: server.url });
process.on('message', (m) => {
  if (m === 'mark') {
    firstAt = undefined;
    putSymlinks = 0;
    send({ marked: true });
  } else if (m === 'track') {
    links = new Set();
    send({ tracking: true });
  } else if (m === 'stats') {
    send({ firstAt: firstAt ?? null, putSymlinks, links: links?.size ?? null, peakRssMb: process.resourceUsage().maxRSS / 1024 });
  }
});
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
