// The published package, as users get it: `npm pack`, then `npm install` of the tarball into a
// scratch project outside the repo (offline: it has no dependencies), then the one import
// `oss-symlink` from plain Node ESM, from an esbuild browser bundle and a bundler-less module
// script in Chromium, from an esbuild workerd bundle in workerd, and from TypeScript under each
// export condition. Proves the files list and the exports map are complete.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { chromium, type Browser } from 'playwright-core';
import { OssClient, signRequest } from '../../ts/node.js';
import { startServer, type OssServer } from '../../server/index.js';
import { startStaticServer, type StaticServer } from '../../www/serve.js';
import { packAndInstall, type PackedApp, type PackResult } from './helpers/packed.js';
import { repoRoot } from './helpers/paths.js';
import { engineFloors, nodeBinary } from './helpers/runtimes.js';

const exec = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const KEYS = { accessKeyId: 'LTAI-pack-test', accessKeySecret: 'pack-test-secret-91b2' };
const BUCKET = 'pack-links';
const REGION = 'cn-hangzhou';
const bin = (name: string) => join(repoRoot, 'node_modules/.bin', name);

type PackageJson = {
  name: string;
  dependencies?: Record<string, string>;
  exports: Record<string, unknown>;
  bin?: Record<string, string> | string;
  files?: string[];
  engines?: { node: string };
};

let pack: PackedApp;
let app: string;
let installed: string;
let packed: PackResult;
let server: OssServer;

before(async () => {
  pack = await packAndInstall('pack');
  ({ app, installed, packed } = pack);
  server = await startServer({ buckets: [BUCKET], credentials: [KEYS], region: REGION, stsEndpoint: true });
});

after(async () => {
  await server?.close();
  pack?.remove();
});

const readInstalled = () => JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as PackageJson;
const nodeClient = () => new OssClient({ region: REGION, bucket: BUCKET, endpoint: server.url, credentials: KEYS });

/** Every file an exports entry can point to (all conditions, `types` included). */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

test('the tarball holds the built entry points, glue and .wasm, and nothing else', () => {
  const paths = packed.files.map((f) => f.path);
  for (const required of [
    'package.json',
    'dist/ts/node.js', 'dist/ts/node.d.ts', 'dist/ts/browser.js', 'dist/ts/browser.d.ts', 'dist/ts/worker.js', 'dist/ts/worker.d.ts',
    'dist/ts/index.js', 'dist/ts/index.d.ts', 'dist/ts/client.js', 'dist/ts/types.d.ts',
    'dist/pkg/oss_symlink.js', 'dist/pkg/oss_symlink.d.ts', 'dist/pkg/oss_symlink_bg.wasm',
  ]) {
    assert.ok(paths.includes(required), `${required} is not in the tarball`);
  }
  // Only what a user runs: the library, the wasm core, the local server and the CLI (both
  // published features); no sources, tests, benchmarks, examples, demo page or source maps.
  const stray = paths.filter((p) => !/^(package\.json|README\.md|LICENSE|dist\/(ts|pkg|server|cli)\/[\w./-]+)$/.test(p) || /\.(test\.js|map|tsbuildinfo)$|\b(bench|tests?|fixtures)\b/.test(p));
  assert.deepEqual(stray, [], 'sources, tests, benchmarks or build leftovers were packed');
  assert.deepEqual(paths.filter((p) => /^dist\/cli\/.*\.d\.ts$/.test(p)), [], 'the CLI is run, not imported: no declarations');

  const pkg = readInstalled();
  assert.equal(pkg.name, 'oss-symlink');
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'no runtime dependencies');
  assert.deepEqual(readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.')), ['oss-symlink'], 'npm installed nothing else');

  // Every path the exports map (any condition, types too) and bin name exists in the install.
  const targets = [...exportTargets(pkg.exports), ...exportTargets(pkg.bin ?? {})];
  assert.ok(targets.length >= 6);
  const installedFiles = new Set(packed.files.map((f) => f.path));
  for (const target of targets) assert.ok(installedFiles.has(target.replace(/^\.\//, '')), `${target} (from exports/bin) is not published`);

  const wasm = readFileSync(join(installed, 'dist/pkg/oss_symlink_bg.wasm'));
  assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'a WebAssembly binary');
  assert.ok(wasm.equals(readFileSync(join(repoRoot, 'dist/pkg/oss_symlink_bg.wasm'))), 'the built .wasm, unchanged');
});

test('plain Node ESM: the node entry signs a request and creates a symlink against the local server', async () => {
  writeFileSync(join(app, 'node-check.mjs'), `
import { OssClient, OssError, initWasm, signRequest } from 'oss-symlink';
const { OSS_ENDPOINT: endpoint, OSS_REGION: region, OSS_BUCKET: bucket, OSS_ACCESS_KEY_ID: accessKeyId, OSS_ACCESS_KEY_SECRET: accessKeySecret } = process.env;
const credentials = { accessKeyId, accessKeySecret };
await initWasm();
const client = new OssClient({ region, bucket, endpoint, credentials });
const put = await client.putSymlink('links/包.txt', '目标/文件 1.txt', { forbidOverwrite: true });
const back = await client.getSymlink('links/包.txt');

// The stand-alone signer, used by hand with fetch: the server checks the V4 signature.
const signed = signRequest({ method: 'GET', region, bucket, key: 'links/包.txt', query: { symlink: '' }, credentials });
const manual = await fetch(endpoint + '/' + bucket + '/' + encodeURIComponent('links/包.txt') + '?symlink', { headers: signed.headers });

let refused;
try { await client.putSymlink('links/包.txt', 'other.txt', { forbidOverwrite: true }); }
catch (e) { refused = { isOssError: e instanceof OssError, code: e.code, status: e.status }; }

// Every subpath export loads in Node.
const pkg = JSON.parse(await (await import('node:fs/promises')).readFile(new URL(import.meta.resolve('oss-symlink/package.json'))));
const subpaths = {};
for (const name of Object.keys(pkg.exports)) {
  if (name === '.' || name.endsWith('.wasm') || name.endsWith('.json')) continue;
  subpaths[name] = Object.keys(await import('oss-symlink' + name.slice(1))).length;
}
console.log(JSON.stringify({
  resolved: import.meta.resolve('oss-symlink'),
  put, target: back.target, etag: back.etag,
  manual: { status: manual.status, target: manual.headers.get('x-oss-symlink-target') },
  authorization: signed.headers.authorization, refused, subpaths,
}));
`);
  const { stdout } = await exec(process.execPath, ['node-check.mjs'], {
    cwd: app,
    env: { PATH: process.env.PATH ?? '', OSS_ENDPOINT: server.url, OSS_REGION: REGION, OSS_BUCKET: BUCKET, OSS_ACCESS_KEY_ID: KEYS.accessKeyId, OSS_ACCESS_KEY_SECRET: KEYS.accessKeySecret },
  });
  const out = JSON.parse(stdout) as {
    resolved: string; put: { status: number; etag: string; requestId: string; attempts: number }; target: string; etag: string;
    manual: { status: number; target: string }; authorization: string; refused: { isOssError: boolean; code: string; status: number };
    subpaths: Record<string, number>;
  };
  assert.ok(out.resolved.endsWith('/node_modules/oss-symlink/dist/ts/node.js'), out.resolved);
  assert.ok(out.resolved.startsWith(`file://${app}/`), 'resolved inside the scratch project, not the repo');
  assert.equal(out.put.status, 200);
  assert.equal(out.put.attempts, 1);
  assert.match(out.put.requestId, /^[0-9A-F]{24}$/);
  assert.equal(out.target, '目标/文件 1.txt');
  assert.equal(out.etag, out.put.etag);
  assert.equal(out.manual.status, 200);
  assert.equal(decodeURIComponent(out.manual.target), '目标/文件 1.txt');
  assert.match(out.authorization, new RegExp(`^OSS4-HMAC-SHA256 Credential=${KEYS.accessKeyId}/\\d{8}/${REGION}/oss/aliyun_v4_request,Signature=[0-9a-f]{64}$`));
  assert.deepEqual(out.refused, { isOssError: true, code: 'FileAlreadyExists', status: 409 });
  for (const [name, count] of Object.entries(out.subpaths)) assert.ok(count > 0, `${name} exports nothing`);
  assert.equal((await nodeClient().getSymlink('links/包.txt')).target, '目标/文件 1.txt');
});

test('require() from CommonJS: the same module on the engines floors, a clear message where Node cannot', async () => {
  writeFileSync(join(app, 'require-check.cjs'), `
const a = require('oss-symlink');
import('oss-symlink').then((b) => console.log(JSON.stringify({
  names: Object.keys(a).sort(),
  sameInstance: a.OssClient === b.OssClient && a.OssError === b.OssError,
  signature: a.signRequest({ method: 'GET', region: 'cn-hangzhou', bucket: 'bucket', key: 'k', credentials: { accessKeyId: 'a', accessKeySecret: 's' }, date: new Date(0) }).signature,
})));
`);
  const expected = signRequest({ method: 'GET', region: 'cn-hangzhou', bucket: 'bucket', key: 'k', credentials: { accessKeyId: 'a', accessKeySecret: 's' }, date: new Date(0) }).signature;
  for (const node of [process.execPath, ...engineFloors().map(nodeBinary)]) {
    const { stdout, stderr } = await exec(node, ['require-check.cjs'], { cwd: app });
    const out = JSON.parse(stdout) as { names: string[]; sameInstance: boolean; signature: string };
    assert.equal(out.sameInstance, true, `${node}: require and import share one module`);
    assert.equal(out.signature, expected);
    assert.doesNotMatch(stderr, /Warning/, `${node}: ${stderr}`);
    // The CommonJS types declare exactly the values the module exports.
    const declared = [...readFileSync(join(installed, 'dist/ts/node.d.cts'), 'utf8').matchAll(/export declare const (\w+)/g)].map((m) => m[1]!).sort();
    assert.deepEqual(declared, out.names.filter((n) => n !== 'default' && n !== '__esModule' && n !== 'module.exports'));
  }
  // A Node.js without require(esm) (simulated on this one by turning it off) gets told what to do.
  const old = await exec(process.execPath, ['--no-experimental-require-module', 'require-check.cjs'], { cwd: app }).then(() => undefined, (e: { stderr: string }) => e.stderr);
  assert.ok(old, 'require failed without require(esm)');
  assert.match(old, /oss-symlink: require\('oss-symlink'\) needs Node\.js \^20\.19\.0 or >=22\.12\.0 \(this is v[\d.]+\); upgrade Node\.js or use import\('oss-symlink'\)/);
  // package.json's engines is exactly the ranges whose oldest versions ran above.
  assert.equal(readInstalled().engines?.node, engineFloors().map((v, i) => (i === 0 ? `^${v}` : `>=${v}`)).join(' || '));
});

test('TypeScript resolves the types of the node, browser and worker entries', async () => {
  const base = { target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] as string[] };
  const cjsSource = `
import { OssClient, OssError, type PutSymlinkResult } from 'oss-symlink';
const client: OssClient = new OssClient({ region: 'cn-hangzhou', bucket: 'b', credentials: { accessKeyId: 'a', accessKeySecret: 's' } });
export const run = (): Promise<PutSymlinkResult> => client.putSymlink('a', 'b');
export const isConflict = (e: unknown): boolean => e instanceof OssError && e.code === 'FileAlreadyExists';
// @ts-expect-error forbidOverwrite is a boolean (the types are real, not any)
void client.putSymlink('a', 'b', { forbidOverwrite: 'yes' });
`;
  const cjsOptions = (module: string) => ({ ...base, module, moduleResolution: module, lib: ['es2022'], typeRoots: [join(repoRoot, 'node_modules/@types')], types: ['node'] });
  const projects: Record<string, { options: Record<string, unknown>; source: string; entry: string; ext?: string; cjsTypes?: boolean }> = {
    // CommonJS TypeScript (a .cts file compiles to require): the "require" condition's types.
    'cjs-node16': { entry: 'dist/ts/node.d.ts', ext: 'cts', cjsTypes: true, options: cjsOptions('node16'), source: cjsSource },
    'cjs-nodenext': { entry: 'dist/ts/node.d.ts', ext: 'cts', cjsTypes: true, options: cjsOptions('nodenext'), source: cjsSource },
    node: {
      entry: 'dist/ts/node.d.ts',
      options: { ...base, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], typeRoots: [join(repoRoot, 'node_modules/@types')], types: ['node'] },
      source: `
import { OssClient, OssError, initWasm, signRequest, type Credentials, type GetSymlinkResult, type PutSymlinkResult } from 'oss-symlink';
const client = new OssClient({ region: 'cn-hangzhou', bucket: 'b', credentials: async (): Promise<Credentials> => ({ accessKeyId: 'a', accessKeySecret: 's' }) });
export async function link(): Promise<string> {
  await initWasm();
  const r: PutSymlinkResult = await client.putSymlink('a', 'b', { forbidOverwrite: true, acl: 'private', meta: { k: 'v' } });
  const g: GetSymlinkResult = await client.getSymlink('a');
  return r.etag + g.target + signRequest({ method: 'GET', region: 'r', credentials: { accessKeyId: 'a', accessKeySecret: 's' } }).signature;
}
export const isConflict = (e: unknown): boolean => e instanceof OssError && e.code === 'FileAlreadyExists' && e.status === 409;
// @ts-expect-error forbidOverwrite is a boolean (the types are real, not any)
void client.putSymlink('a', 'b', { forbidOverwrite: 'yes' });
`,
    },
    browser: {
      entry: 'dist/ts/browser.d.ts',
      options: { ...base, customConditions: ['browser'] },
      source: `
import { OssClient, initWasm } from 'oss-symlink';
await initWasm();
await initWasm(new URL('./oss_symlink_bg.wasm', import.meta.url));
await initWasm(fetch('/oss_symlink_bg.wasm'));
await initWasm(new Uint8Array([0, 97, 115, 109]));
export const client = new OssClient({ region: 'cn-hangzhou', bucket: 'b', credentials: { accessKeyId: 'a', accessKeySecret: 's' } });
// @ts-expect-error acl is one of the documented values
void client.putSymlink('a', 'b', { acl: 'everyone' });
`,
    },
    worker: {
      entry: 'dist/ts/worker.d.ts',
      options: { ...base, customConditions: ['workerd'] },
      source: `
import { OssClient, initWasm, type PutSymlinkResult } from 'oss-symlink';
await initWasm();
export const client = new OssClient({ region: 'cn-hangzhou', bucket: 'b', credentials: { accessKeyId: 'a', accessKeySecret: 's' } });
export const run = (): Promise<PutSymlinkResult> => client.putSymlink('a', 'b');
`,
    },
  };
  for (const [name, project] of Object.entries(projects)) {
    const file = `types-${name}.${project.ext ?? 'ts'}`;
    writeFileSync(join(app, file), project.source);
    writeFileSync(join(app, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: project.options, files: [file] }));
    const run = await exec(process.execPath, [bin('tsc'), '-p', `tsconfig.${name}.json`, '--listFiles'], { cwd: app }).catch((e: { stdout: string }) => e);
    const errors = run.stdout.split('\n').filter((l) => l.includes('error TS'));
    assert.deepEqual(errors, [], `${name}: type errors (the "." export needs per-condition "types")`);
    const entries = run.stdout.split('\n').filter((l) => /node_modules\/oss-symlink\/dist\/ts\/(node|browser|worker)\.d\.ts$/.test(l));
    assert.equal(entries.length, 1, `${name}: ${entries.join(', ')}`);
    assert.ok(entries[0]!.endsWith(`node_modules/oss-symlink/${project.entry}`), `${name} resolved ${entries[0]}`);
    assert.equal(run.stdout.includes('node_modules/oss-symlink/dist/ts/node.d.cts'), project.cjsTypes === true, `${name}: CommonJS types`);
  }
});

/** A page served from its own origin; `window.runCheck(config)` runs in it and resolves with a result. */
interface CheckResult { target: string; etag: string; status: number; wasmRequests: string[]; signature: string }

async function runInChromium(browser: Browser, url: string, link: string): Promise<CheckResult> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const wasmRequests: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasmRequests.push(new URL(r.url()).pathname); });
  try {
    await page.goto(url);
    await page.waitForFunction(() => typeof (window as unknown as { runCheck?: unknown }).runCheck === 'function', undefined, { timeout: 10_000 });
    const config = { endpoint: server.url, region: REGION, bucket: BUCKET, link, stsUrl: `${server.url}/-/sts` };
    const result = await page.evaluate((c) => (window as unknown as { runCheck(c: unknown): Promise<Omit<CheckResult, 'wasmRequests'>> }).runCheck(c), config);
    assert.deepEqual(errors, []);
    return { ...result, wasmRequests };
  } finally {
    await page.close();
  }
}

/** Page code shared by the bundled and the bundler-less page: STS credentials, link, read back, sign. */
const pageCheck = `
window.runCheck = async ({ endpoint, region, bucket, link, stsUrl }) => {
  const credentials = async () => (await fetch(stsUrl, { method: 'POST' })).json();
  const client = new OssClient({ region, bucket, endpoint, credentials });
  const put = await client.putSymlink(link, '浏览器/目标 1.txt', { forbidOverwrite: true });
  const back = await client.getSymlink(link);
  const signature = signRequest({ method: 'GET', region, bucket, key: '固定/签名.txt', credentials: { accessKeyId: 'a', accessKeySecret: 'b' }, date: new Date(0) }).signature;
  return { target: back.target, etag: put.etag, status: put.status, signature };
};
`;

test('an esbuild browser bundle uses the browser entry, emits the .wasm, and runs in Chromium; so does a plain module script', async () => {
  // 1. The bundle: `esbuild --bundle --platform=browser --format=esm --loader:.wasm=file`, the
  //    .wasm imported by URL through the package's `./oss_symlink_bg.wasm` export.
  const web = join(app, 'web');
  mkdirSync(web, { recursive: true });
  writeFileSync(join(app, 'browser-entry.js'), `
import { OssClient, initWasm, signRequest } from 'oss-symlink';
import wasmUrl from 'oss-symlink/oss_symlink_bg.wasm';
await initWasm(new URL(wasmUrl, import.meta.url));
${pageCheck}`);
  writeFileSync(join(web, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="browser-entry.js"></script>');
  await exec(bin('esbuild'), ['browser-entry.js', '--bundle', '--platform=browser', '--format=esm', '--loader:.wasm=file', '--outdir=web', '--metafile=web-meta.json', '--log-level=error'], { cwd: app });
  const meta = JSON.parse(readFileSync(join(app, 'web-meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.includes('node_modules/oss-symlink/dist/ts/browser.js'), inputs.join(', '));
  assert.ok(!inputs.some((p) => /dist\/ts\/(node|worker)\.js$/.test(p)), 'node or worker entry in a browser bundle');
  assert.ok(!readFileSync(join(web, 'browser-entry.js'), 'utf8').includes('node:fs'), 'no Node built-ins in the bundle');
  const emitted = readdirSync(web).filter((f) => f.endsWith('.wasm'));
  assert.equal(emitted.length, 1, 'the .wasm is emitted next to the bundle');

  // 2. No bundler: an import map points the package name at the installed browser entry, which
  //    fetches ../pkg/oss_symlink_bg.wasm relative to itself.
  const plain = join(app, 'plain');
  mkdirSync(plain, { recursive: true });
  writeFileSync(join(plain, 'index.html'), `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "oss-symlink": "/node_modules/oss-symlink/dist/ts/browser.js" } }</script>
<script type="module">
import { OssClient, signRequest, initWasm } from 'oss-symlink';
await initWasm();
${pageCheck}</script>`);

  const site: StaticServer = await startStaticServer({ '/bundle/': web, '/plain/': plain, '/node_modules/': join(app, 'node_modules') });
  server.allowStsOrigin(site.url);
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const bundled = await runInChromium(browser, `${site.url}/bundle/`, 'links/打包.txt');
    assert.equal(bundled.status, 200);
    assert.equal(bundled.target, '浏览器/目标 1.txt');
    assert.deepEqual(bundled.wasmRequests, [`/bundle/${emitted[0]}`]);
    assert.equal((await nodeClient().getSymlink('links/打包.txt')).target, '浏览器/目标 1.txt');

    const unbundled = await runInChromium(browser, `${site.url}/plain/`, 'links/无打包.txt');
    assert.equal(unbundled.target, '浏览器/目标 1.txt');
    assert.deepEqual(unbundled.wasmRequests, ['/node_modules/oss-symlink/dist/pkg/oss_symlink_bg.wasm']);
    assert.equal((await nodeClient().getSymlink('links/无打包.txt')).target, '浏览器/目标 1.txt');

    // The same request signs to the same signature in both pages and in Node.
    const expected = signRequest({ method: 'GET', region: REGION, bucket: BUCKET, key: '固定/签名.txt', credentials: { accessKeyId: 'a', accessKeySecret: 'b' }, date: new Date(0) });
    assert.match(bundled.signature, /^[0-9a-f]{64}$/);
    assert.equal(bundled.signature, expected.signature);
    assert.equal(unbundled.signature, expected.signature);
  } finally {
    await browser.close();
    await site.close();
  }
});

test('an esbuild bundle with the workerd condition imports the compiled .wasm and runs in workerd', async () => {
  writeFileSync(join(app, 'worker-entry.js'), `
import { OssClient, OssError } from 'oss-symlink';
export default {
  async fetch(request, env) {
    const { link, target } = await request.json();
    const client = new OssClient({ region: env.REGION, bucket: env.BUCKET, endpoint: env.ENDPOINT, credentials: { accessKeyId: env.KEY_ID, accessKeySecret: env.KEY_SECRET } });
    try {
      const result = await client.putSymlink(link, target, { forbidOverwrite: true });
      return Response.json({ ok: true, result, target: (await client.getSymlink(link)).target });
    } catch (e) {
      if (e instanceof OssError) return Response.json({ ok: false, code: e.code, status: e.status }, { status: e.status || 400 });
      throw e;
    }
  },
};
`);
  const out = join(app, 'worker');
  await exec(bin('esbuild'), ['worker-entry.js', '--bundle', '--format=esm', '--platform=neutral', '--conditions=workerd,worker', '--loader:.wasm=copy', '--outdir=worker', '--metafile=worker-meta.json', '--log-level=error'], { cwd: app });
  const inputs = Object.keys((JSON.parse(readFileSync(join(app, 'worker-meta.json'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);
  assert.ok(inputs.includes('node_modules/oss-symlink/dist/ts/worker.js'), inputs.join(', '));
  assert.ok(!inputs.some((p) => /dist\/ts\/(node|browser)\.js$/.test(p)));

  const mf = new Miniflare({
    modules: true,
    scriptPath: join(out, 'worker-entry.js'),
    modulesRoot: out,
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: '2026-04-01',
    bindings: { REGION, BUCKET, ENDPOINT: server.url, KEY_ID: KEYS.accessKeyId, KEY_SECRET: KEYS.accessKeySecret },
  });
  try {
    const post = async (body: unknown) => {
      const res = await mf.dispatchFetch('http://worker.test/', { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const created = await post({ link: 'links/边缘.txt', target: 'edge/目标.txt' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.target, 'edge/目标.txt');
    assert.equal((created.body.result as { status: number }).status, 200);
    const refused = await post({ link: 'links/边缘.txt', target: 'edge/other.txt' });
    assert.deepEqual(refused, { status: 409, body: { ok: false, code: 'FileAlreadyExists', status: 409 } });
    assert.equal((await nodeClient().getSymlink('links/边缘.txt')).target, 'edge/目标.txt');
  } finally {
    await mf.dispose();
  }
});
