// Cold start, ours, on the path a user's script takes: a fresh process imports the package
// (Node entry: reads and compiles the .wasm), makes an OssClient and signs one PutSymlink with
// metadata. Nothing else is loaded: in particular not Node's fetch (undici), which the library
// must not pull in on this path. Times are from process start (performance.now()).
import { OssClient } from '../../ts/node.js';

const imported = performance.now();
const client = new OssClient({
  region: 'cn-hangzhou',
  bucket: 'examplebucket',
  credentials: { accessKeyId: 'LTAI5tExampleKeyId', accessKeySecret: 'example-secret-not-real' },
});
const req = client.signPutSymlink('links/today.jpg', 'photos/2026/a.jpg', { meta: { owner: 'bench' }, forbidOverwrite: true });
const signed = performance.now();
if (!req.headers.authorization?.startsWith('OSS4-HMAC-SHA256 ')) throw new Error('not signed');
const { user, system } = process.cpuUsage();
process.stdout.write(JSON.stringify({ importedAtMs: imported, firstSignMs: signed - imported, totalMs: signed, cpuMs: (user + system) / 1000 }) + '\n');
