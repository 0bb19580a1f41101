// examples/node-example.ts (the README's Node example) run as a subprocess against the local OSS
// server, configured only through the environment variables the README names.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OssClient } from '../../ts/node.js';
import { startServer, type OssServer } from '../../server/index.js';
import { repoRoot } from './helpers/paths.js';

const script = join(repoRoot, 'dist/examples/node-example.js');
const KEYS = { accessKeyId: 'LTAI-node-example', accessKeySecret: 'node-example-secret-77' };
const BUCKET = 'example-links';
let server: OssServer;

before(async () => { server = await startServer({ buckets: [BUCKET], credentials: [KEYS] }); });
after(() => server.close());

interface Run { code: number; stdout: string; stderr: string }

function runExample(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  // Only what the example needs: no inherited OSS_* variables from the developer's shell.
  const clean: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env: clean, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const envFor = (secret = KEYS.accessKeySecret) => ({
  OSS_ENDPOINT: server.url,
  OSS_REGION: 'cn-hangzhou',
  OSS_BUCKET: BUCKET,
  OSS_ACCESS_KEY_ID: KEYS.accessKeyId,
  OSS_ACCESS_KEY_SECRET: secret,
});

test('the example creates the link, prints the result and reads the target back', async () => {
  const run = await runExample(['links/今天.jpg', 'photos/2026/原图 1.jpg'], envFor());
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines[0], 'linked links/今天.jpg -> photos/2026/原图 1.jpg');
  assert.match(lines[1]!, /^ {2}etag: {7}"[0-9A-F]+"$/);
  assert.match(lines[2]!, /^ {2}request id: [0-9A-F]{24}$/);
  assert.equal(lines.at(-1), 'read back links/今天.jpg -> photos/2026/原图 1.jpg');

  const client = new OssClient({ region: 'cn-hangzhou', bucket: BUCKET, endpoint: server.url, credentials: KEYS });
  const link = await client.getSymlink('links/今天.jpg');
  assert.equal(link.target, 'photos/2026/原图 1.jpg');
  assert.equal(link.meta['created-by'], 'node-example');
  assert.equal(`  etag:       ${link.etag}`, lines[1]);
});

test('running it again reports FileAlreadyExists and exits 1', async () => {
  const args = ['links/once.txt', 'a.txt'];
  assert.equal((await runExample(args, envFor())).code, 0);
  const again = await runExample(args, envFor());
  assert.equal(again.code, 1);
  assert.equal(again.stdout, '');
  assert.match(again.stderr, /^FileAlreadyExists \(HTTP 409\): .+\n {2}request id: [0-9A-F]{24}\n$/);
});

test('a wrong secret reports SignatureDoesNotMatch without printing the secret', async () => {
  const run = await runExample(['links/denied.txt', 'a.txt'], envFor('wrong-secret-value'));
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^SignatureDoesNotMatch \(HTTP 403\)/);
  assert.ok(!run.stderr.includes('wrong-secret-value'));
});

test('missing configuration is named and exits 2', async () => {
  const run = await runExample([], { OSS_REGION: 'cn-hangzhou' });
  assert.equal(run.code, 2);
  assert.equal(run.stderr.trim(), 'missing environment variables: OSS_BUCKET, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET');
});
