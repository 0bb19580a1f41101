/**
 * One bulk run in a fresh client process: `node bulk-client.js <scenario> <url> <count>
 * <concurrency> <warmup>` sends `warmup` then `count` PutSymlink requests with `concurrency` in
 * flight and prints `{ scenario, perSec, seconds, count, errors, cpuUsPerRequest, cpuSystemShare,
 * peakRssMb }` (peak RSS of this process over the whole run, warm-up included).
 *
 * Scenarios:
 *   ours-fetch   OssClient with the global fetch (undici)
 *   ours-node    OssClient with createNodeFetch() (node:http, keep-alive)
 *   ali-oss      ali-oss 6.x putSymlink (V4; urllib over node:http with agentkeepalive)
 *   raw-fetch    the global fetch replaying pre-signed requests: no client library, no signing
 *   raw-http     node:http with a keep-alive Agent replaying pre-signed requests
 *   raw-node-transport  createNodeFetch() replaying pre-signed requests (the transport alone)
 * The pre-signed requests are the same PutSymlink requests (same keys, headers, signature
 * scheme), signed before the clock starts, so the server does the same work for every scenario.
 */
import * as http from 'node:http';
import { report } from './common.js';
import { signPutSymlinkPlain } from './plain-signer.js';
import { BUCKET, CREDENTIALS, REGION, linkKey, linkTarget } from './request.js';

const [scenario = '', url = '', countArg = '10000', concurrencyArg = '32', warmupArg = '2000'] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const warmup = Number(warmupArg);
let errors = 0;
let firstError: unknown;

type Task = (i: number) => Promise<void>;

async function pool(from: number, n: number, task: Task): Promise<number> {
  let next = from;
  const end = from + n;
  const worker = async () => {
    for (let i = next++; i < end; i = next++) {
      try {
        await task(i);
      } catch (e) {
        errors++;
        firstError ??= e;
      }
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function expect200(status: number): void {
  if (status !== 200) throw new Error(`status ${status}`);
}

async function makeTask(): Promise<Task> {
  switch (scenario) {
    case 'ours-fetch':
    case 'ours-node': {
      const { OssClient } = await import('../ts/node.js');
      const fetch = scenario === 'ours-node' ? (await import('../ts/node-transport.js')).createNodeFetch() : undefined;
      const client = new OssClient({ region: REGION, bucket: BUCKET, endpoint: url, credentials: CREDENTIALS, ...(fetch ? { fetch } : {}) });
      return async (i) => expect200((await client.putSymlink(linkKey(i), linkTarget(i))).status);
    }
    case 'ali-oss': {
      const { aliClient } = await import('./ali-signer.js');
      const client = aliClient(CREDENTIALS, url);
      return async (i) => expect200((await client.putSymlink(linkKey(i), linkTarget(i))).res.status);
    }
    case 'raw-fetch':
    case 'raw-node-transport': {
      const signed = presign();
      const f = scenario === 'raw-fetch' ? fetch : (await import('../ts/node-transport.js')).createNodeFetch();
      return async (i) => {
        const s = signed[i]!;
        const r = await f(url + s.path, { method: 'PUT', headers: s.headers });
        await r.arrayBuffer();
        expect200(r.status);
      };
    }
    case 'raw-http': {
      const signed = presign();
      const { hostname, port } = new URL(url);
      const agent = new http.Agent({ keepAlive: true });
      return (i) => new Promise<void>((resolve, reject) => {
        const s = signed[i]!;
        const req = http.request({ hostname, port, path: s.path, method: 'PUT', headers: { ...s.headers, 'content-length': '0' }, agent }, (res) => {
          res.on('data', () => {});
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

/** Signs every request of the run before the clock starts (valid for the server's 15-minute skew window). */
function presign() {
  const now = Date.now();
  return Array.from({ length: warmup + count }, (_, i) => signPutSymlinkPlain(BUCKET, linkKey(i), linkTarget(i), REGION, CREDENTIALS, now));
}

const task = await makeTask();
await pool(0, warmup, task);
const cpuBefore = process.cpuUsage();
const seconds = await pool(warmup, count, task);
const cpu = process.cpuUsage(cpuBefore);
if (errors > 0) {
  console.error(`${scenario}: ${errors} failed requests; first: ${String((firstError as Error)?.stack ?? firstError)}`);
  process.exit(1);
}
report({
  scenario, perSec: count / seconds, seconds, count, errors,
  /** Client CPU (user + system) per request: what the client costs, whoever the bottleneck is. */
  cpuUsPerRequest: (cpu.user + cpu.system) / count,
  cpuSystemShare: cpu.system / (cpu.user + cpu.system),
  peakRssMb: process.resourceUsage().maxRSS / 1024,
});
// Keep-alive sockets and agents would keep the process alive.
process.exit(0);
