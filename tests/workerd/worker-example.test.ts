// examples/worker/worker.ts bundled by esbuild with the `workerd` export condition (so the entry
// that imports the .wasm as a compiled module is used) and run in workerd through miniflare,
// against the local OSS server on loopback.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { OssClient } from '../../ts/node.js';
import { startServer, type OssServer } from '../../server/index.js';
import { repoRoot } from '../node/helpers/paths.js';

const BUCKET = 'edge-links';
/** forbid-overwrite only applies to unversioned buckets (as on OSS); version ids come from versioned ones. */
const VERSIONED = 'edge-versions';
const REGION = 'cn-hangzhou';
const KEYS = { accessKeyId: 'LTAI-edge-test', accessKeySecret: 'edge-secret-3f9a1c' };
const API_TOKEN = 'test-api-token-42';
const outDir = join(repoRoot, 'test-output', 'workerd', 'worker-example');

let server: OssServer;
let mf: Miniflare;
let bundledWasm: string[] = [];
let bundledInputs: string[] = [];

before(async () => {
  server = await startServer({ buckets: [BUCKET], versioned: [VERSIONED], credentials: [KEYS], region: REGION });
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const built = await esbuild.build({
    entryPoints: [join(repoRoot, 'examples/worker/worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker'],
    loader: { '.wasm': 'copy' },
    outdir: outDir,
    metafile: true,
    logLevel: 'error',
  });
  bundledInputs = Object.keys(built.metafile.inputs);
  bundledWasm = readdirSync(outDir).filter((f) => f.endsWith('.wasm'));

  const sts = server.mintSts({ ttlSeconds: 3600 });
  const common = {
    modules: true,
    scriptPath: join(outDir, 'worker.js'),
    modulesRoot: outDir,
    modulesRules: [
      { type: 'ESModule' as const, include: ['**/*.js', '**/*.mjs'] },
      { type: 'CompiledWasm' as const, include: ['**/*.wasm'] },
    ],
    compatibilityDate: '2026-04-01',
  };
  const env = { OSS_REGION: REGION, OSS_BUCKET: BUCKET, OSS_ENDPOINT: server.url, LINK_API_TOKEN: API_TOKEN };
  mf = new Miniflare({
    workers: [
      { ...common, name: 'good', bindings: { ...env, OSS_ACCESS_KEY_ID: KEYS.accessKeyId, OSS_ACCESS_KEY_SECRET: KEYS.accessKeySecret } },
      { ...common, name: 'wrong-secret', bindings: { ...env, OSS_ACCESS_KEY_ID: KEYS.accessKeyId, OSS_ACCESS_KEY_SECRET: 'not-the-secret' } },
      {
        ...common,
        name: 'sts',
        bindings: { ...env, OSS_BUCKET: VERSIONED, OSS_ACCESS_KEY_ID: sts.accessKeyId, OSS_ACCESS_KEY_SECRET: sts.accessKeySecret, OSS_SECURITY_TOKEN: sts.securityToken },
      },
    ],
  });
  await mf.ready;
});

after(async () => {
  await mf?.dispose();
  await server?.close();
});

interface WorkerAnswer {
  status: number;
  body: { ok: boolean; result?: Record<string, unknown>; link?: Record<string, unknown>; error?: Record<string, unknown> };
}

async function call(worker: string, method: 'GET' | 'POST', path: string, body?: unknown, token: string | null = API_TOKEN): Promise<WorkerAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init = { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
  const res = await (await workerFetcher(worker)).fetch(`http://worker.test${path}`, init);
  return { status: res.status, body: (await res.json()) as WorkerAnswer['body'] };
}

/** miniflare types its Fetcher against @cloudflare/workers-types, which this project does not install. */
async function workerFetcher(name: string): Promise<{ fetch(url: string, init?: RequestInit): Promise<Response> }> {
  return (await mf.getWorker(name)) as unknown as { fetch(url: string, init?: RequestInit): Promise<Response> };
}

const nodeClient = (bucket = BUCKET) => new OssClient({ region: REGION, bucket, endpoint: server.url, credentials: KEYS });

test('the bundle uses the worker entry and the compiled .wasm module', () => {
  assert.ok(bundledInputs.some((p) => p.endsWith('dist/ts/worker.js')), `worker entry not bundled: ${bundledInputs.join(', ')}`);
  assert.ok(!bundledInputs.some((p) => /dist\/ts\/(node|browser)\.js$/.test(p)), 'the node or browser entry was bundled');
  assert.equal(bundledWasm.length, 1);
});

test('POST /link creates a symlink in workerd and returns the typed result', async () => {
  const target = 'photos/2026/原图 1.jpg';
  const answer = await call('good', 'POST', '/link', { link: 'links/today.jpg', target, forbidOverwrite: true, meta: { source: 'edge' }, tagging: { team: 'web' } });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.ok, true);
  const result = answer.body.result!;
  assert.equal(result.status, 200);
  assert.equal(result.attempts, 1);
  assert.match(String(result.requestId), /^[0-9A-F]{24}$/);
  assert.match(String(result.etag), /^"[0-9A-F]+"$/i);
  assert.equal(result.versionId, undefined, 'unversioned bucket');

  // The server saw one signed PUT ?symlink carrying the options, and holds the link.
  const put = server.requests.filter((r) => r.method === 'PUT' && r.url.includes('links/today.jpg'));
  assert.equal(put.length, 1);
  assert.equal(put[0]!.status, 200);
  assert.equal(put[0]!.headers['x-oss-forbid-overwrite'], 'true');
  assert.equal(put[0]!.headers['x-oss-meta-source'], 'edge');
  const link = await nodeClient().getSymlink('links/today.jpg');
  assert.equal(link.target, target);
  assert.equal(link.etag, result.etag);

  // And the worker reads it back, decoded.
  const read = await call('good', 'GET', `/link?key=${encodeURIComponent('links/today.jpg')}`);
  assert.equal(read.status, 200);
  assert.equal(read.body.link!.target, target);
  assert.equal(read.body.link!.etag, result.etag);
});

test('a forbidden overwrite returns FileAlreadyExists with the OssError fields', async () => {
  const first = await call('good', 'POST', '/link', { link: 'links/keep.txt', target: 'docs/第一.txt', forbidOverwrite: true });
  assert.equal(first.status, 200);
  const second = await call('good', 'POST', '/link', { link: 'links/keep.txt', target: 'docs/第二.txt', forbidOverwrite: true });
  assert.equal(second.status, 409);
  assert.equal(second.body.ok, false);
  const error = second.body.error!;
  assert.equal(error.code, 'FileAlreadyExists');
  assert.equal(error.status, 409);
  assert.equal(error.name, 'OssError');
  assert.match(String(error.requestId), /^[0-9A-F]{24}$/);
  assert.notEqual(error.ec, '');
  assert.equal((await nodeClient().getSymlink('links/keep.txt')).target, 'docs/第一.txt');
});

test('a wrong secret returns SignatureDoesNotMatch without leaking the secret', async () => {
  const answer = await call('wrong-secret', 'POST', '/link', { link: 'links/nope.txt', target: 'x.txt' });
  assert.equal(answer.status, 403);
  assert.equal(answer.body.error!.code, 'SignatureDoesNotMatch');
  assert.equal(answer.body.error!.status, 403);
  assert.equal(answer.body.error!.attempts, 1, 'a 403 is not retried');
  assert.ok(!JSON.stringify(answer.body).includes('not-the-secret'));
  await assert.rejects(nodeClient().getSymlink('links/nope.txt'), { code: 'NoSuchKey' });
});

test('STS credentials from bindings are sent with their token; a versioned bucket returns the version id', async () => {
  const answer = await call('sts', 'POST', '/link', { link: 'links/sts.txt', target: 'sts/目标.txt' });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const put = server.requests.filter((r) => r.method === 'PUT' && r.url.includes('links/sts.txt'));
  assert.equal(put.length, 1);
  assert.match(String(put[0]!.headers['x-oss-security-token']), /^CAIS/);
  const versionId = answer.body.result!.versionId;
  assert.equal(typeof versionId, 'string');
  assert.ok(String(versionId).length > 0);
  const link = await nodeClient(VERSIONED).getSymlink('links/sts.txt');
  assert.equal(link.target, 'sts/目标.txt');
  assert.equal(link.versionId, versionId);
});

test('input errors are answered before anything is sent', async () => {
  const before = server.stats.requests;
  const answer = await call('good', 'POST', '/link', { link: '/starts-with-slash', target: 't' });
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error!.status, 0);
  assert.equal(answer.body.error!.field, 'key');
  assert.match(String(answer.body.error!.code), /^Invalid/);
  const notJson = await (await workerFetcher('good')).fetch('http://worker.test/link', { method: 'POST', body: 'link=a', headers: { authorization: `Bearer ${API_TOKEN}` } });
  assert.equal(notJson.status, 400);
  assert.equal(server.stats.requests, before);
});

test('without the bearer token the worker refuses', async () => {
  const answer = await call('good', 'POST', '/link', { link: 'links/anon.txt', target: 't' }, null);
  assert.equal(answer.status, 401);
  assert.equal(answer.body.error!.code, 'Unauthorized');
  const wrong = await call('good', 'POST', '/link', { link: 'links/anon.txt', target: 't' }, 'guess');
  assert.equal(wrong.status, 401);
  await assert.rejects(nodeClient().getSymlink('links/anon.txt'), { code: 'NoSuchKey' });
});
