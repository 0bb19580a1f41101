// Every complete example in README.md, extracted from the README itself and run against the
// local OSS server from the packed package (tests/node/helpers/readme.ts says how blocks are
// marked, and what each kind of example is run with): Node.js (the current one and the oldest of
// each range in `engines`), CommonJS, Deno with --allow-net only, Bun, the browser snippet built
// by Vite, webpack and esbuild and run in Chromium on another origin, the import map page, the
// edge worker in workerd, and the command lines. Each example gets a fresh server; after it ran,
// every link it created is read back with GetSymlink, and no request may have been refused.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { transform } from 'esbuild';
import { Miniflare } from 'miniflare';
import { chromium, type Browser, type Page } from 'playwright-core';
import { OssClient } from '../../ts/node.js';
import { startServer, type OssServer } from '../../server/index.js';
import { startStaticServer, type StaticServer } from '../../www/serve.js';
import { EXAMPLE_KINDS, examplePrelude, examplesOf, matchesTranscript, normalizeOutput, parseTranscript, readmeBlocks, type ExampleContext, type ReadmeBlock } from './helpers/readme.js';
import { packAndInstall, type PackedApp } from './helpers/packed.js';
import { repoRoot } from './helpers/paths.js';
import { bunBinary, denoBinary, engineFloors, nodeBinary } from './helpers/runtimes.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const KEYS = { accessKeyId: 'LTAI-readme-examples', accessKeySecret: 'readme-examples-secret-4c1' };
const REGION = 'cn-hangzhou';
const BUCKET = 'examplebucket';

let pkg: PackedApp;
let site: StaticServer;
let browser: Browser | undefined;

before(async () => {
  pkg = await packAndInstall('readme');
  // The page origin: the app (built pages) and its node_modules (the import map page).
  site = await startStaticServer({ '/app/': pkg.app, '/node_modules/': join(pkg.app, 'node_modules') });
});

after(async () => {
  await browser?.close();
  await site?.close();
  pkg?.remove();
});

const ossServer = () => startServer({ buckets: [BUCKET], credentials: [KEYS], region: REGION, stsEndpoint: true });
const contextFor = (server: OssServer): ExampleContext => ({ region: REGION, bucket: BUCKET, ...KEYS, localEndpoint: server.url });
const where = (b: ReadmeBlock) => `README.md:${b.line} (${b.kind})`;

interface Run { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], options: { cwd: string; env: Record<string, string>; timeout?: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: options.cwd, env: options.env, timeout: options.timeout ?? 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** The environment a reader's shell has: the OSS_* variables the README names, for the local server. */
function ossEnv(server: OssServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${join(pkg.app, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/tmp',
    OSS_REGION: REGION, OSS_BUCKET: BUCKET, OSS_ACCESS_KEY_ID: KEYS.accessKeyId, OSS_ACCESS_KEY_SECRET: KEYS.accessKeySecret,
    ...extra,
  };
}

/**
 * What the example did on the server: no request refused as malformed or unauthorized (400, 401,
 * 403: a bad signature, a wrong header) and no server error, unless the example shows that
 * status, and every link it created reads back with the target it was last given. (404 and 409
 * are answers about the data, e.g. to a probe; the example's own exit code and output judge
 * them.) An example that calls OSS must have reached the server. Returns the links.
 */
async function assertLinksReadBack(server: OssServer, b: ReadmeBlock, callsOss: boolean, shownRefusals: number[] = []): Promise<string[]> {
  const broken = (status: number) => status === 400 || status === 401 || status === 403 || status >= 500;
  const refused = server.requests.filter((r) => r.status !== undefined && broken(r.status) && !shownRefusals.includes(r.status));
  assert.deepEqual(refused.map((r) => `${r.method} ${r.url} → ${r.status}`), [], `${where(b)}: requests refused`);
  if (callsOss) assert.ok(server.requests.some((r) => r.method !== 'OPTIONS' && !r.url.startsWith('/-/')), `${where(b)}: no request reached the server`);
  // The last successful PutSymlink of each key says what the link must be now.
  const lastTarget = new Map<string, string>();
  for (const put of server.requests.filter((r) => r.method === 'PUT' && /[?&]symlink(=|&|$)/.test(r.url) && r.status === 200)) {
    // Path-style (`/bucket/key`), or virtual-hosted (`Host: bucket.oss-...`, path `/key`).
    const virtualHosted = String(put.headers.host).startsWith(`${BUCKET}.`);
    const key = decodeURIComponent(new URL(put.url, 'http://x').pathname.slice(virtualHosted ? 1 : `/${BUCKET}/`.length));
    lastTarget.set(key, decodeURIComponent(String(put.headers['x-oss-symlink-target'])));
  }
  const client = new OssClient({ region: REGION, bucket: BUCKET, endpoint: server.url, credentials: KEYS });
  for (const [key, target] of lastTarget) assert.equal((await client.getSymlink(key)).target, target, `${where(b)}: ${key}`);
  return [...lastTarget.keys()];
}

/** Examples that call OSS (to create or read links) say so in their code. */
const callsOss = (code: string) => /\b(putSymlink|getSymlink|presignPutSymlink|signPutSymlink)\(|oss-symlink (ln|readlink|bulk|verify)\b/.test(code);

/** The example as a module file: the prelude, then the README's code. TypeScript is kept for runtimes that run it. */
async function writeModule(dir: string, b: ReadmeBlock, server: OssServer, as: 'ts' | 'mjs' | 'cjs' | 'js'): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const inPage = b.kind === 'vite' || b.kind === 'webpack' || b.kind === 'esbuild';
  const source = examplePrelude(b.code, contextFor(server), as === 'cjs' ? 'require' : 'import', inPage ? 'browser' : 'server') + b.code;
  const ext = as === 'mjs' && b.lang !== 'ts' ? 'mjs' : as;
  const text = as === 'mjs' && b.lang === 'ts' ? (await transform(source, { loader: 'ts', format: 'esm' })).code : source;
  const file = join(dir, `example-${b.line}.${ext}`);
  writeFileSync(file, text);
  return file;
}

test('every code block in README.md is marked as a complete example or a fragment, and every kind has an example', () => {
  const blocks = readmeBlocks();
  assert.ok(blocks.length >= 10, `found ${blocks.length} code blocks`);
  const unmarked = blocks.filter((b) => !b.marker).map((b) => `README.md:${b.line} \`\`\`${b.lang}`);
  assert.deepEqual(unmarked, [], 'put <!-- example: KIND --> or <!-- fragment --> on the line before each block');
  const unknown = blocks.filter((b) => b.marker && !b.fragment && (b.kinds.length === 0 || b.unknownKinds.length > 0)).map((b) => `README.md:${b.line} ${b.marker}`);
  assert.deepEqual(unknown, [], `kinds: ${Object.keys(EXAMPLE_KINDS).join(', ')}`);
  for (const kind of Object.keys(EXAMPLE_KINDS) as (keyof typeof EXAMPLE_KINDS)[]) assert.ok(blocks.some((b) => b.kinds.includes(kind)), `no README example of kind ${kind}`);
});

/** A command that runs an example, made once the example's fresh server is up. */
interface Command { cmd: string; args: string[]; env: Record<string, string>; cwd?: string }

/**
 * Runs one example as a process against a fresh server: it must exit 0, pass `check`, and leave
 * only links that read back (see assertLinksReadBack).
 */
async function runScriptExample(b: ReadmeBlock, label: string, command: (server: OssServer) => Promise<Command>, check?: (r: Run) => void, shownRefusals: number[] = []): Promise<void> {
  const server = await ossServer();
  try {
    const c = await command(server);
    const r = await run(c.cmd, c.args, { cwd: c.cwd ?? pkg.app, env: c.env });
    assert.equal(r.code, 0, `${where(b)} with ${label}:\n${r.stdout}\n${r.stderr}`);
    check?.(r);
    await assertLinksReadBack(server, b, callsOss(b.code), shownRefusals);
  } finally {
    await server.close();
  }
}

const nodeVersions = () => [process.execPath, ...engineFloors().map(nodeBinary)];

test('Node.js examples run on this Node.js and on the oldest version of each engines range', async () => {
  for (const b of examplesOf('node')) {
    for (const node of nodeVersions()) {
      await runScriptExample(b, node, async (server) => ({ cmd: node, args: [await writeModule(join(pkg.app, 'node'), b, server, 'mjs')], env: ossEnv(server) }));
    }
  }
});

test('CommonJS examples run with require() on this Node.js and the engines floors', async () => {
  for (const b of examplesOf('cjs')) {
    for (const node of nodeVersions()) {
      await runScriptExample(
        b, node,
        async (server) => ({ cmd: node, args: [await writeModule(join(pkg.app, 'cjs'), b, server, 'cjs')], env: ossEnv(server) }),
        (r) => assert.doesNotMatch(r.stderr, /ExperimentalWarning/, 'require of the package is quiet'),
      );
    }
  }
});

test('Deno examples run with --allow-net and no other permission; Bun examples run with bun', async () => {
  const runners: [kind: 'deno' | 'bun', (file: string) => [string, string[]]][] = [
    ['deno', (file) => [denoBinary(), ['run', '--allow-net', '--no-prompt', file]]],
    ['bun', (file) => [bunBinary(), [file]]],
  ];
  // No OSS_* variables: a Deno script without --allow-env could not read them anyway.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DENO_DIR: join(pkg.scratch, 'deno-cache'), DENO_NO_UPDATE_CHECK: '1', BUN_INSTALL_CACHE_DIR: join(pkg.scratch, 'bun-cache') };
  for (const [kind, command] of runners) {
    const examples = examplesOf(kind);
    assert.ok(examples.length > 0, kind);
    for (const b of examples) {
      await runScriptExample(b, kind, async (server) => {
        const [cmd, args] = command(await writeModule(join(pkg.app, kind), b, server, b.lang === 'ts' ? 'ts' : 'js'));
        return { cmd, args, env };
      });
    }
  }
});

/** `// esbuild app.js --flag ...` on an example's first line: the command the README tells readers to run. */
function esbuildCommand(b: ReadmeBlock): { entry: string; args: string[] } {
  const m = /^\/\/\s*esbuild\s+(\S+)((?:\s+--\S+)+)\s*$/.exec(b.code.split('\n')[0]!);
  assert.ok(m, `${where(b)}: the first line must be the esbuild command, e.g. // esbuild app.js --bundle ...`);
  return { entry: m[1]!, args: m[2]!.trim().split(/\s+/) };
}

/** A browser example served by Vite's dev server (in middleware mode, on a loopback port of its own). */
async function viteDevPage(b: ReadmeBlock, server: OssServer): Promise<{ url: string; close(): Promise<void> }> {
  const dir = join(pkg.app, `web-vite-dev-${b.line}`);
  mkdirSync(dir, { recursive: true });
  const example = await writeModule(dir, b, server, b.lang === 'ts' ? 'ts' : 'js');
  writeFileSync(join(dir, 'entry.js'), `import './${example.slice(dir.length + 1)}';\nwindow.__exampleDone = true;\n`);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./entry.js"></script>');
  const { createServer: createViteServer } = await import('vite');
  const vite = await createViteServer({ root: dir, configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, cacheDir: join(dir, '.vite') });
  const http = createHttpServer(vite.middlewares);
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    close: async () => {
      http.closeAllConnections();
      await new Promise((done) => http.close(done));
      await vite.close();
    },
  };
}

/** Builds a browser example with its bundler; returns the built page's path under the app. */
async function buildPage(b: ReadmeBlock, server: OssServer): Promise<string> {
  const name = `web-${b.kind}-${b.line}`;
  const dir = join(pkg.app, name);
  mkdirSync(dir, { recursive: true });
  const html = (script: string) => `<!doctype html><meta charset="utf-8"><title>${name}</title><script type="module" src="${script}"></script>`;
  if (b.kind === 'importmap') {
    // The page as written, the prelude at the start of its module script, a done mark at the end.
    const withPrelude = b.code.replace(/<script type="module">([^]*?)<\/script>/, (_, body: string) =>
      `<script type="module">\n${examplePrelude(body, contextFor(server), 'import', 'browser')}${body}\nwindow.__exampleDone = true;\n</script>`);
    assert.notEqual(withPrelude, b.code, `${where(b)}: no <script type="module">`);
    writeFileSync(join(dir, 'index.html'), withPrelude);
    return `/app/${name}/index.html`;
  }
  const example = await writeModule(dir, b, server, b.lang === 'ts' ? 'ts' : 'js');
  const moduleName = example.slice(dir.length + 1);
  writeFileSync(join(dir, 'entry.js'), `import './${moduleName}';\nwindow.__exampleDone = true;\n`);
  writeFileSync(join(dir, 'index.html'), html('./entry.js'));
  const out = join(dir, 'dist');
  if (b.kind === 'vite') {
    const { build } = await import('vite');
    // base './': the page is served under a sub-path here (a deployment setting, not ours).
    await build({ root: dir, base: './', configFile: false, logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
    return `/app/${name}/dist/index.html`;
  }
  if (b.kind === 'webpack') {
    const { default: webpack } = await import('webpack');
    const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
      const compiler = webpack({ mode: 'production', context: dir, entry: './entry.js', output: { path: out } });
      compiler.run((err, s) => compiler.close(() => (err || !s ? reject(err ?? new Error('no stats')) : resolve(s))));
    });
    assert.ok(!stats.hasErrors(), `${where(b)}: ${stats.toString({ all: false, errors: true })}`);
    assert.ok(!stats.hasWarnings(), `${where(b)}: ${stats.toString({ all: false, warnings: true })}`);
    writeFileSync(join(out, 'index.html'), html('./main.js'));
    return `/app/${name}/dist/index.html`;
  }
  // esbuild: the README's command, with the harness's entry (which imports the example) in place of its file.
  const { args } = esbuildCommand(b);
  const r = await run(join(repoRoot, 'node_modules/.bin/esbuild'), ['entry.js', ...args.filter((a) => !a.startsWith('--outdir')), '--outdir=dist', '--log-level=error'], { cwd: dir, env: { PATH: process.env.PATH ?? '' } });
  assert.equal(r.code, 0, `${where(b)}: ${r.stderr}`);
  writeFileSync(join(out, 'index.html'), html('./entry.js'));
  return `/app/${name}/dist/index.html`;
}

test('browser examples, built by Vite (and on its dev server), webpack and esbuild, and the import map page, run in Chromium against OSS on another origin', async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM });
  const variants = [['vite', 'build'], ['vite', 'dev'], ['webpack', 'build'], ['esbuild', 'build'], ['importmap', 'build']] as const;
  for (const [kind, variant] of variants) {
    for (const b of examplesOf(kind)) {
      const server = await ossServer();
      let served: { url: string; close(): Promise<void> } | undefined;
      let page: Page | undefined;
      try {
        served = variant === 'dev' ? await viteDevPage(b, server) : { url: `${site.url}${await buildPage(b, server)}`, close: async () => {} };
        const pageOrigin = new URL(served.url).origin;
        server.allowStsOrigin(pageOrigin); // the page's fetch of /api/sts goes to the server's STS route
        page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        // Failed loads by URL (the browser's own favicon request aside); console errors otherwise.
        page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`); });
        page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text()); });
        await page.goto(served.url);
        const done = page.waitForFunction(() => (window as unknown as { __exampleDone?: boolean }).__exampleDone === true, undefined, { timeout: 20_000 })
          .catch((e: unknown) => { throw new Error(`${where(b)}: ${String(e)}; page errors: ${errors.join('; ')}`); });
        const failed = new Promise<never>((_, reject) => page!.on('pageerror', (e) => reject(new Error(`${where(b)}: ${String(e)}`))));
        await Promise.race([done, failed]);
        assert.deepEqual(errors, [], where(b));
        assert.notEqual(pageOrigin, new URL(server.url).origin);
        const links = await assertLinksReadBack(server, b, callsOss(b.code));
        // Cross-origin for real: the link request came with the page's Origin after a preflight.
        if (links.length > 0) {
          assert.ok(server.requests.some((r) => r.method === 'OPTIONS' && r.headers.origin === pageOrigin), `${where(b)}: no preflight`);
          assert.ok(server.requests.some((r) => r.method === 'PUT' && r.url.includes('symlink') && r.headers.origin === pageOrigin));
        }
      } finally {
        await page?.close();
        await served?.close();
        await server.close();
      }
    }
  }
});

test('edge worker examples, bundled with the README command, run in workerd', async () => {
  for (const b of examplesOf('worker')) {
    const dir = join(pkg.app, `worker-${b.line}`);
    mkdirSync(dir, { recursive: true });
    const { entry, args } = esbuildCommand(b);
    writeFileSync(join(dir, entry), b.code);
    const r = await run(join(repoRoot, 'node_modules/.bin/esbuild'), [entry, ...args, '--outdir=dist', '--log-level=error'], { cwd: dir, env: { PATH: process.env.PATH ?? '' } });
    assert.equal(r.code, 0, `${where(b)}: ${r.stderr}`);
    const server = await ossServer();
    const mf = new Miniflare({
      modules: true,
      scriptPath: join(dir, 'dist', entry.replace(/\.ts$/, '.js')),
      modulesRoot: join(dir, 'dist'),
      modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }, { type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2026-04-01',
      bindings: { OSS_REGION: REGION, OSS_BUCKET: BUCKET, OSS_ENDPOINT: server.url, OSS_ACCESS_KEY_ID: KEYS.accessKeyId, OSS_ACCESS_KEY_SECRET: KEYS.accessKeySecret },
    });
    try {
      const res = await mf.dispatchFetch('http://worker.test/', { method: 'POST', body: JSON.stringify({ link: 'links/边缘.jpg', target: 'photos/2026/原图 1.jpg' }) });
      const body = await res.text();
      assert.equal(res.status, 200, `${where(b)}: ${body}`);
      assert.deepEqual(await assertLinksReadBack(server, b, true), ['links/边缘.jpg']);
    } finally {
      await mf.dispose();
      await server.close();
    }
  }
});

test('command-line examples run in a shell against the local server', async () => {
  for (const b of examplesOf('sh')) {
    const cwd = join(pkg.app, `sh-${b.line}`);
    mkdirSync(cwd, { recursive: true });
    await runScriptExample(b, 'bash', async (server) => ({
      cmd: 'bash', args: ['-euo', 'pipefail', '-c', b.code], cwd,
      env: ossEnv(server, { OSS_ENDPOINT: server.url, npm_config_offline: 'true', npm_config_update_notifier: 'false' }),
    }));
  }
});

test('console transcripts: each command prints what the README shows', async () => {
  for (const b of examplesOf('console')) {
    const cwd = join(pkg.app, `console-${b.line}`);
    mkdirSync(cwd, { recursive: true });
    const steps = parseTranscript(b.code);
    assert.ok(steps.length > 0, `${where(b)}: no "$ " command`);
    // Files the transcript shows with `cat` before anything made them: made from what it shows.
    for (const step of steps) {
      const cat = /^cat ([\w./-]+)$/.exec(step.command.trim());
      if (cat && !existsSync(join(cwd, cat[1]!)) && steps.indexOf(step) === steps.findIndex((s) => s.command.includes(cat[1]!))) {
        writeFileSync(join(cwd, cat[1]!), step.expected.join('\n') + '\n');
      }
    }
    // One bash session; a marker line before each command's output, and $? carried over.
    const script = ['__rc=0', ...steps.flatMap((s, i) => [`printf '\\n@@step-${i}@@\\n'`, '(exit $__rc)', `{ ${s.command}`, '} 2>&1; __rc=$?'])].join('\n');
    let output = '';
    await runScriptExample(b, 'bash', async (server) => {
      const client = new OssClient({ region: REGION, bucket: BUCKET, endpoint: server.url, credentials: KEYS });
      for (const key of (b.attributes.objects ?? '').split(/\s+/).filter(Boolean)) await client.putObject(key, `content of ${key}`);
      return {
        cmd: 'bash', args: ['-c', script + '\nexit 0'], cwd,
        env: ossEnv(server, { OSS_ENDPOINT: server.url, npm_config_offline: 'true', npm_config_update_notifier: 'false' }),
      };
    }, (r) => { output = r.stdout; }, [...b.code.matchAll(/\((\d{3})\)/g)].map((m) => Number(m[1]))); // refusals the transcript shows, e.g. "(409)"
    const shown = output.split(/\n@@step-\d+@@\n/).slice(1).map((o) => o.replace(/\n+$/, '').split('\n').filter((l, i, all) => all.length > 1 || l !== ''));
    steps.forEach((step, i) => {
      const actual = shown[i] ?? [];
      // On a mismatch, the normalized lines side by side say where.
      if (!matchesTranscript(actual, step.expected)) assert.deepEqual(actual.map(normalizeOutput), step.expected.map(normalizeOutput), `${where(b)}: $ ${step.command}`);
    });
  }
});

test('the README states the unpacked size of the package as npm pack reports it', () => {
  const kb = Math.round(pkg.packed.unpackedSize / 1000);
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const stated = /installs (\d+) kB unpacked/.exec(readme);
  assert.ok(stated, 'README: "installs N kB unpacked"');
  assert.ok(Math.abs(Number(stated[1]) - kb) <= Math.max(10, kb * 0.05), `README says ${stated[1]} kB, npm pack says ${kb} kB`);
});
