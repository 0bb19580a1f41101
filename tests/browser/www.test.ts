// The uploader page (www/) in Debian's headless Chromium, driven by playwright-core. The page is
// served from one loopback origin and talks to the local OSS server on another, so every request
// goes through a real CORS preflight. The page loads the library with a plain module script and
// an import map (no bundler), fetching the .wasm by URL.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { OssClient } from '../../ts/node.js';
import { startServer, type OssServer } from '../../server/index.js';
import { startWebServer, type StaticServer } from '../../www/serve.js';
import { repoRoot } from '../node/helpers/paths.js';
import { examplesOf } from '../node/helpers/readme.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const KEYS = { accessKeyId: 'LTAI-www-test', accessKeySecret: 'www-test-secret-5d1e' };
const REGION = 'cn-hangzhou';
const VERSIONED = 'gallery';
/** forbid-overwrite applies to unversioned buckets only (as on OSS). */
const PLAIN = 'uploads';
const outDir = join(repoRoot, 'test-output');

let oss: OssServer;
let web: StaticServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  mkdirSync(outDir, { recursive: true });
  oss = await startServer({ buckets: [PLAIN], versioned: [VERSIONED], credentials: [KEYS], region: REGION, stsEndpoint: true });
  web = await startWebServer();
  oss.allowStsOrigin(web.url);
  browser = await chromium.launch({ executablePath: CHROMIUM });
  page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(`${web.url}/www/?endpoint=${encodeURIComponent(oss.url)}&region=${REGION}&bucket=${VERSIONED}`);
  await page.locator('#core-status[data-state=ready]').waitFor({ timeout: 15_000 });
});

after(async () => {
  await browser?.close();
  await web?.close();
  await oss?.close();
});

const node = (bucket: string) => new OssClient({ region: REGION, bucket, endpoint: oss.url, credentials: KEYS });

/** Submits the form and waits for the outcome; returns the status line's state. */
async function submit(): Promise<string> {
  await page.click('#submit');
  await page.locator('#status[data-state=success], #status[data-state=error]').waitFor({ timeout: 15_000 });
  return (await page.getAttribute('#status', 'data-state'))!;
}

async function field(card: 'result' | 'error', key: string): Promise<string> {
  return (await page.locator(`#${card}-fields dd[data-key="${key}"]`).textContent()) ?? '';
}

test('the page is served on its own origin and the signer loads from the .wasm URL', async () => {
  assert.notEqual(new URL(web.url).origin, new URL(oss.url).origin);
  assert.equal(await page.inputValue('#sts-url'), `${oss.url}/-/sts`);
  assert.equal(await page.isDisabled('#submit'), false);
  // The static server hands out the module with the right type for streaming compilation.
  const wasm = await fetch(`${web.url}/pkg/oss_symlink_bg.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal((await fetch(`${web.url}/www/app.ts`)).status, 404, 'sources are not served');
  assert.equal((await fetch(`${web.url}/www/..%2f..%2fpackage.json`)).status, 400);
});

test('upload + symlink with a Chinese target through STS credentials, read back decoded', async () => {
  oss.clearRequests();
  const content = `照片内容 ${Date.now()}`;
  await page.setInputFiles('#file', { name: '原图 1.txt', mimeType: 'text/plain', buffer: Buffer.from(content) });
  assert.equal(await page.inputValue('#target'), 'uploads/原图 1.txt', 'target suggested from the file name');
  await page.fill('#alias', 'links/最新照片.txt');
  await page.check('#forbid');
  await page.selectOption('#acl', 'private');
  await page.selectOption('#storage-class', 'Standard');
  await page.fill('#meta', 'camera: x100\nauthor: alice');
  await page.fill('#tags', 'project=demo\n相册=旅行');
  assert.equal(await submit(), 'success', await page.textContent('#status') ?? '');

  assert.equal(await page.isVisible('#result'), true);
  assert.equal(await page.isVisible('#error'), false);
  assert.equal(await field('result', 'readback.target'), 'uploads/原图 1.txt');
  assert.equal(await field('result', 'link.target'), 'uploads/原图 1.txt');
  assert.equal(await field('result', 'readback.meta.camera'), 'x100');
  const etag = await field('result', 'link.etag');
  const requestId = await field('result', 'link.requestId');
  const versionId = await field('result', 'link.versionId');
  assert.match(etag, /^"[0-9A-F]+"$/i);
  assert.match(requestId, /^[0-9A-F]{24}$/);
  assert.ok(versionId.length > 0, 'versioned bucket: a version id is shown');
  assert.match(await field('result', 'object.etag'), /^"[0-9A-F]+"$/i);
  assert.match(await page.textContent('#status') ?? '', /^Linked links\/最新照片\.txt → uploads\/原图 1\.txt in \d+ ms$/);
  await page.screenshot({ path: join(outDir, 'www-success.png'), fullPage: true });

  // What the server holds: the link (same ETag and version the page showed), and the file behind it.
  const link = await node(VERSIONED).getSymlink('links/最新照片.txt');
  assert.equal(link.target, 'uploads/原图 1.txt');
  assert.equal(link.etag, etag);
  assert.equal(link.versionId, versionId);
  assert.equal(link.meta.author, 'alice');
  assert.equal((await node(VERSIONED).getObject('links/最新照片.txt')).text(), content, 'GetObject follows the link to the upload');

  // What went over the wire: cross-origin requests with preflights, STS credentials, every option.
  const requests = oss.requests;
  const origin = new URL(web.url).origin;
  assert.ok(requests.some((r) => r.method === 'POST' && r.url === '/-/sts' && r.headers.origin === origin), 'credentials came from /-/sts');
  const preflights = requests.filter((r) => r.method === 'OPTIONS');
  assert.ok(preflights.length >= 2, 'PutObject and PutSymlink were preflighted');
  assert.ok(preflights.every((r) => r.headers.origin === origin));
  assert.ok(preflights.some((r) => String(r.headers['access-control-request-headers']).includes('x-oss-symlink-target')));
  const put = requests.find((r) => r.method === 'PUT' && r.url.includes('?symlink'))!;
  assert.equal(put.headers.origin, origin);
  assert.match(String(put.headers['x-oss-security-token']), /^CAIS/);
  assert.equal(put.headers['x-oss-symlink-target'], 'uploads/%E5%8E%9F%E5%9B%BE%201.txt');
  assert.equal(put.headers['x-oss-forbid-overwrite'], 'true');
  assert.equal(put.headers['x-oss-object-acl'], 'private');
  assert.equal(put.headers['x-oss-storage-class'], 'Standard');
  assert.equal(put.headers['x-oss-meta-camera'], 'x100');
  assert.equal(put.headers['x-oss-tagging'], 'project=demo&%E7%9B%B8%E5%86%8C=%E6%97%85%E8%A1%8C');
  assert.deepEqual(pageErrors, []);
});

test('a forbidden overwrite shows FileAlreadyExists with the OssError fields', async () => {
  await page.fill('#bucket', PLAIN);
  await page.setInputFiles('#file', []);
  await page.fill('#target', 'docs/第一版.txt');
  await page.fill('#alias', 'links/说明.txt');
  await page.check('#forbid');
  await page.fill('#meta', '');
  await page.fill('#tags', '');
  assert.equal(await submit(), 'success');
  assert.equal(await field('result', 'readback.target'), 'docs/第一版.txt');
  assert.equal(await page.locator('#result-fields dd[data-key="object.etag"]').count(), 0, 'no file: the link only');

  await page.fill('#target', 'docs/第二版.txt');
  assert.equal(await submit(), 'error');
  assert.equal(await page.isVisible('#error'), true);
  assert.equal(await page.isVisible('#result'), false);
  assert.equal(await field('error', 'code'), 'FileAlreadyExists');
  assert.equal(await field('error', 'status'), '409');
  assert.match(await field('error', 'requestId'), /^[0-9A-F]{24}$/);
  assert.notEqual(await field('error', 'ec'), '');
  assert.notEqual(await field('error', 'message'), '');
  assert.equal(await page.textContent('#error-stage'), 'PutSymlink');
  assert.equal(await page.textContent('#status'), 'FileAlreadyExists (HTTP 409)');
  await page.screenshot({ path: join(outDir, 'www-error.png'), fullPage: true });
  assert.equal((await node(PLAIN).getSymlink('links/说明.txt')).target, 'docs/第一版.txt', 'the link was not replaced');
  assert.deepEqual(pageErrors, []);
});

test('credentials typed into the page: a wrong secret shows SignatureDoesNotMatch, the right one works', async () => {
  await page.check('input[name=cred-mode][value=keys]');
  assert.equal(await page.isVisible('#ak-id'), true);
  assert.equal(await page.isVisible('#sts-url'), false);
  await page.fill('#ak-id', KEYS.accessKeyId);
  await page.fill('#ak-secret', 'not-the-secret');
  await page.uncheck('#forbid');
  await page.fill('#target', 'docs/keys.txt');
  await page.fill('#alias', 'links/keys.txt');
  assert.equal(await submit(), 'error');
  assert.equal(await field('error', 'code'), 'SignatureDoesNotMatch');
  assert.equal(await field('error', 'status'), '403');
  assert.ok(!(await page.locator('#error').innerText()).includes('not-the-secret'), 'the secret is not echoed');

  await page.fill('#ak-secret', KEYS.accessKeySecret);
  assert.equal(await submit(), 'success');
  assert.equal(await field('result', 'readback.target'), 'docs/keys.txt');
  assert.equal((await node(PLAIN).getSymlink('links/keys.txt')).target, 'docs/keys.txt');
  assert.deepEqual(pageErrors, []);
});

/** The policy README.md documents (its `csp` example), with OSS's public endpoint swapped for the local server. */
function readmePolicy(): string {
  const [block] = examplesOf('csp');
  assert.ok(block, 'README.md has a csp example');
  const policy = block.code.trim();
  assert.match(policy, /https:\/\/\S*aliyuncs\.com/, 'the policy names the OSS endpoint in connect-src');
  return policy.replace(/https:\/\/\S*aliyuncs\.com/g, new URL(oss.url).origin);
}

/** The uploader served under `policy`, in a fresh page; returns it and the CSP violations it reported. */
async function pageUnder(policy: string): Promise<{ page: Page; violations: string[]; errors: string[]; close(): Promise<void> }> {
  const site = await startWebServer({ headers: { 'content-security-policy': policy } });
  oss.allowStsOrigin(site.url);
  const p = await browser.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  const violations: string[] = [];
  await p.exposeFunction('__reportViolation', (v: string) => void violations.push(v));
  await p.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __reportViolation(v: string): void }).__reportViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await p.goto(`${site.url}/www/?endpoint=${encodeURIComponent(oss.url)}&region=${REGION}&bucket=${PLAIN}`);
  return { page: p, violations, errors, close: async () => { await p.close(); await site.close(); } };
}

test("under the README's Content-Security-Policy the uploader loads the signer and creates a link", async () => {
  const policy = readmePolicy();
  assert.match(policy, /script-src [^;]*'wasm-unsafe-eval'/);
  assert.doesNotMatch(policy, /'unsafe-eval'|'unsafe-inline'/, 'strict: no unsafe-eval, no inline scripts');
  const under = await pageUnder(policy);
  try {
    await under.page.locator('#core-status[data-state=ready]').waitFor({ timeout: 15_000 });
    await under.page.setInputFiles('#file', { name: 'csp.txt', mimeType: 'text/plain', buffer: Buffer.from('under a strict policy') });
    await under.page.fill('#alias', 'links/csp.txt');
    await under.page.uncheck('#forbid');
    await under.page.click('#submit');
    await under.page.locator('#status[data-state=success], #status[data-state=error]').waitFor({ timeout: 15_000 });
    assert.equal(await under.page.getAttribute('#status', 'data-state'), 'success', await under.page.textContent('#status') ?? '');
    assert.deepEqual(under.violations, [], 'nothing the page does is blocked by the policy');
    assert.deepEqual(under.errors, []);
    assert.equal((await node(PLAIN).getSymlink('links/csp.txt')).target, 'uploads/csp.txt');
  } finally {
    await under.close();
  }
});

test("without 'wasm-unsafe-eval' the signer fails with an OssError that says what to add to the policy", async () => {
  const policy = readmePolicy().replace(/\s*'wasm-unsafe-eval'/, '');
  assert.doesNotMatch(policy, /wasm-unsafe-eval/);
  const under = await pageUnder(policy);
  try {
    await under.page.locator('#core-status[data-state=failed]').waitFor({ timeout: 15_000 });
    assert.equal(await under.page.locator('#error-fields dd[data-key="code"]').textContent(), 'WasmBlockedByCsp');
    const message = (await under.page.locator('#error-fields dd[data-key="message"]').textContent()) ?? '';
    assert.match(message, /Content-Security-Policy/);
    assert.match(message, /add 'wasm-unsafe-eval' to its script-src/);
    assert.ok(under.violations.some((v) => v.startsWith('script-src')), under.violations.join(', '));
    // What the library throws, seen from the page's own code: a typed OssError, not a CompileError.
    const thrown = await under.page.evaluate(async () => {
      const { initWasm, OssError } = await import('/ts/browser.js' as string) as typeof import('../../ts/browser.js');
      try { await initWasm(); return 'resolved'; } catch (e) { return { isOssError: e instanceof OssError, code: (e as { code?: string }).code, name: (e as Error).name }; }
    });
    assert.deepEqual(thrown, { isOssError: true, code: 'WasmBlockedByCsp', name: 'OssError' });
  } finally {
    await under.close();
  }
});

test('requireTarget and checkTarget in Chromium: the CORS-exposed headers tell missing, symlink and plain targets apart', async () => {
  const n = node(PLAIN);
  await n.putObject('rt/obj', 'x');
  await n.putSymlink('rt/link', 'rt/obj');
  await n.putSymlink('rt/dangling', 'rt/gone');
  const out = await page.evaluate(async ({ endpoint, region, bucket, keys }) => {
    const specifier = '/ts/browser.js'; // the browser entry by path, as the page's app.js imports it
    const { OssClient } = await import(specifier) as typeof import('../../ts/browser.js');
    const c = new OssClient({ region, bucket, endpoint, credentials: keys });
    const codeOf = (p: Promise<unknown>) => p.then(() => 'written', (e: { code: string }) => e.code);
    return {
      missing: await codeOf(c.putSymlink('rt/a', 'rt/nothing', { requireTarget: true })),
      symlink: await codeOf(c.putSymlink('rt/b', 'rt/link', { requireTarget: true })),
      dangling: await codeOf(c.putSymlink('rt/c', 'rt/dangling', { requireTarget: true })),
      good: await codeOf(c.putSymlink('rt/d', 'rt/obj', { requireTarget: true })),
      states: [
        (await c.getSymlink('rt/d', { checkTarget: true })).targetState,
        (await c.getSymlink('rt/link', { checkTarget: true })).targetState,
        (await c.getSymlink('rt/dangling', { checkTarget: true })).targetState,
      ],
    };
  }, { endpoint: oss.url, region: REGION, bucket: PLAIN, keys: KEYS });
  assert.deepEqual(out, {
    missing: 'SymlinkTargetNotFound', symlink: 'SymlinkTargetIsSymlink', dangling: 'SymlinkTargetIsSymlink', good: 'written',
    states: ['exists', 'exists', 'missing'],
  });
  await assert.rejects(n.getSymlink('rt/a'), { code: 'NoSuchKey' });
  assert.deepEqual(pageErrors, []);
});

test('successful requests finish normally in Chromium: none is reported failed (net::ERR_ABORTED, "(canceled)")', async () => {
  const failed: string[] = [];
  const finished: string[] = [];
  const ossOrigin = new URL(oss.url).origin;
  const onFailed = (r: import('playwright-core').Request) => {
    if (r.url().startsWith(ossOrigin)) failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
  };
  const onFinished = (r: import('playwright-core').Request) => {
    if (r.url().startsWith(ossOrigin) && r.method() !== 'OPTIONS') finished.push(`${r.method()} ${r.url()}`);
  };
  page.on('requestfailed', onFailed);
  page.on('requestfinished', onFinished);
  try {
    await page.fill('#bucket', VERSIONED);
    await page.check('input[name=cred-mode][value=sts]');
    await page.setInputFiles('#file', { name: 'ok.txt', mimeType: 'text/plain', buffer: Buffer.from('fine') });
    await page.fill('#alias', 'links/ok.txt');
    await page.uncheck('#forbid');
    assert.equal(await submit(), 'success', await page.textContent('#status') ?? '');
    // requestfailed/requestfinished arrive after the response: give the last one a moment.
    await page.waitForTimeout(300);
  } finally {
    page.off('requestfailed', onFailed);
    page.off('requestfinished', onFinished);
  }
  assert.deepEqual(failed, []);
  assert.ok(finished.some((r) => r.startsWith('PUT') && r.includes('?symlink')), finished.join('\n'));
  assert.ok(finished.some((r) => r.startsWith('GET') && r.includes('?symlink')), finished.join('\n'));
});

/**
 * A server on a third loopback origin that passes CORS: it answers preflights itself and hands
 * every other request to `handle`, with the CORS headers its answer needs.
 */
async function corsServer(handle: (req: IncomingMessage, res: ServerResponse, cors: Record<string, string>) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const cors = {
      'access-control-allow-origin': req.headers.origin ?? '*', 'access-control-allow-methods': 'GET, PUT, HEAD, DELETE',
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*', 'access-control-expose-headers': 'location',
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    handle(req, res, cors);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('in Chromium a redirect is an opaqueredirect answer: UnexpectedRedirect, and the token never reaches the other origin', async () => {
  // A "proxy" on a third origin that passes CORS and answers every request with a 307 to the OSS
  // server (same path): following it would replay the PUT there, token included.
  let redirected = 0;
  const { server: proxy, url: proxyUrl } = await corsServer((req, res, cors) => {
    redirected++;
    res.writeHead(307, { ...cors, location: `${oss.url}${req.url}` }).end();
  });
  oss.clearRequests();
  try {
    const { expiration: _, ...sts } = oss.mintSts();
    const outcome = await page.evaluate(async ({ endpoint, bucket, credentials }) => {
      // The browser entry by path, as the page's app.js imports it (the page has no import map).
      const { OssClient, OssError } = await import('/ts/browser.js' as string) as typeof import('../../ts/browser.js');
      const client = new OssClient({ region: 'cn-hangzhou', bucket, endpoint, credentials });
      try {
        await client.putSymlink('links/redirected.txt', 'docs/x.txt');
        return { ok: true };
      } catch (e) {
        return e instanceof OssError ? { code: e.code, status: e.status, attempts: e.attempts } : { other: String(e) };
      }
    }, { endpoint: proxyUrl, bucket: PLAIN, credentials: sts });
    assert.deepEqual(outcome, { code: 'UnexpectedRedirect', status: 0, attempts: 1 });
    assert.equal(redirected, 1, 'one request, not retried');
    assert.deepEqual(oss.requests.filter((r) => r.method !== 'OPTIONS' && r.url.includes('redirected')), [], 'nothing reached the other origin');
  } finally {
    proxy.closeAllConnections();
    proxy.close();
  }
});

test('in Chromium a hung request times out after timeoutMs, with or without a signal of the caller', async () => {
  // An endpoint that passes CORS and never answers the request itself.
  let hung = 0;
  const { server: endpoint, url } = await corsServer(() => { hung++; });
  try {
    const outcome = await page.evaluate(async ({ endpoint, bucket, keys }) => {
      const { OssClient } = await import('/ts/browser.js' as string) as typeof import('../../ts/browser.js');
      const client = new OssClient({ region: 'cn-hangzhou', bucket, endpoint, credentials: keys, timeoutMs: 300, retry: { maxAttempts: 1 } });
      const timed = async (options: { signal?: AbortSignal }) => {
        const t0 = performance.now();
        const code = await client.putSymlink('links/hung.txt', 'docs/x.txt', options).then(() => 'written', (e: { code: string }) => e.code);
        return { code, ms: Math.round(performance.now() - t0) };
      };
      return [await timed({}), await timed({ signal: new AbortController().signal })];
    }, { endpoint: url, bucket: PLAIN, keys: KEYS });
    for (const { code, ms } of outcome) {
      assert.equal(code, 'RequestTimeout');
      assert.ok(ms >= 290 && ms < 10_000, `gave up after ${ms} ms`);
    }
    assert.equal(hung, 2);
  } finally {
    endpoint.closeAllConnections();
    endpoint.close();
  }
});

test('the core also loads from a server that does not label the .wasm application/wasm (no streaming compile)', async () => {
  const other = await browser.newPage();
  try {
    const served: string[] = [];
    await other.route('**/oss_symlink_bg.wasm', async (route) => {
      const answer = await route.fetch();
      served.push(answer.headers()['content-type'] ?? '');
      await route.fulfill({ response: answer, headers: { ...answer.headers(), 'content-type': 'application/octet-stream' } });
    });
    const errors: string[] = [];
    other.on('pageerror', (e) => errors.push(String(e)));
    await other.goto(`${web.url}/www/?endpoint=${encodeURIComponent(oss.url)}&region=${REGION}&bucket=${VERSIONED}`);
    await other.locator('#core-status[data-state=ready]').waitFor({ timeout: 15_000 });
    assert.deepEqual(served, ['application/wasm'], 'the module was fetched once, and relabelled here');
    assert.deepEqual(errors, []);
  } finally {
    await other.close();
  }
});
