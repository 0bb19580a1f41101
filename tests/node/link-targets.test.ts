// Links that work (issue 16): requireTarget refuses dangling links and links to links before any
// write, getSymlink's checkTarget reports what is at the target, and the local server answers
// reads through such links as OSS documents them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OssClient, OssError } from '../../ts/node.js';
import { DEV_CREDENTIALS, startServer, type OssServer } from '../../server/index.js';

let server: OssServer;
before(async () => {
  server = await startServer({ buckets: ['plain'], versioned: ['history'] });
});
after(() => server.close());

function client(extra: Partial<ConstructorParameters<typeof OssClient>[0]> = {}) {
  return new OssClient({ region: server.region, bucket: 'plain', endpoint: server.url, credentials: DEV_CREDENTIALS, retry: { baseDelayMs: 2 }, ...extra });
}

/** Requests the server saw since `from` (an index into server.requests), as "METHOD key?query". */
function seenSince(from: number): string[] {
  return server.requests.slice(from).map((r) => `${r.method} ${decodeURIComponent(r.url.split('?')[0]!.replace(/^\/plain\//, ''))}${r.url.includes('?symlink') ? '?symlink' : ''}`);
}

/** Raw HEAD/GET through a link with the client's signing, to see the server's own answer. */
async function readThrough(c: OssClient, key: string, method: 'HEAD' | 'GET'): Promise<OssError> {
  const e = await (method === 'HEAD' ? c.headObject(key) : c.getObject(key)).then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof OssError, `${method} ${key} should fail`);
  return e;
}

test('server: HEAD and GET through a link to a missing target answer 404 NoSuchKey with EC 0026-00000012', async () => {
  const c = client();
  await c.putSymlink('srv/dangling', 'srv/no/such/object');
  for (const method of ['HEAD', 'GET'] as const) {
    const e = await readThrough(c, 'srv/dangling', method);
    assert.deepEqual([e.status, e.code, e.ec], [404, 'NoSuchKey', '0026-00000012'], method);
  }
  // A plain missing key is NoSuchKey too, but with another EC: the EC is what tells them apart.
  const missing = await readThrough(c, 'srv/never-written', 'HEAD');
  assert.deepEqual([missing.status, missing.code], [404, 'NoSuchKey']);
  assert.notEqual(missing.ec, '0026-00000012');
  // The link itself is fine: GetSymlink reads it.
  assert.equal((await c.getSymlink('srv/dangling')).target, 'srv/no/such/object');
});

test('server: a link to a link is refused at read time, on HEAD and GET; one level is followed', async () => {
  const c = client();
  await c.putObject('srv/data', 'd');
  await c.putSymlink('srv/hop1', 'srv/data');
  await c.putSymlink('srv/hop2', 'srv/hop1');
  assert.equal((await c.getObject('srv/hop1')).text(), 'd');
  const head = await c.headObject('srv/hop1');
  assert.equal(head.headers.get('x-oss-object-type'), 'Symlink');
  for (const method of ['HEAD', 'GET'] as const) {
    const e = await readThrough(c, 'srv/hop2', method);
    assert.deepEqual([e.status, e.code], [400, 'InvalidTargetType'], method);
  }
});

test('requireTarget: a missing target is refused with SymlinkTargetNotFound and nothing is written', async () => {
  const c = client();
  const from = server.requests.length;
  const e = await c.putSymlink('req/missing', 'req/nothing-here', { requireTarget: true }).catch((err: unknown) => err);
  assert.ok(e instanceof OssError);
  assert.equal(e.code, 'SymlinkTargetNotFound');
  assert.equal(e.field, 'target');
  assert.equal(e.isInputError, false);
  assert.match(e.requestId, /^[0-9A-F]{24}$/, 'the HEAD answer\'s request id');
  assert.deepEqual(seenSince(from), ['HEAD req/nothing-here'], 'one HEAD of the target, no PUT');
  await assert.rejects(c.getSymlink('req/missing'), { code: 'NoSuchKey' });
});

test('requireTarget: a target that is a symlink (working, dangling, or a link to a link) is refused with SymlinkTargetIsSymlink', async () => {
  const c = client();
  await c.putObject('req/obj', 'x');
  await c.putSymlink('req/to-obj', 'req/obj');
  await c.putSymlink('req/to-nothing', 'req/gone');
  await c.putSymlink('req/to-link', 'req/to-obj');
  for (const target of ['req/to-obj', 'req/to-nothing', 'req/to-link']) {
    const from = server.requests.length;
    await assert.rejects(c.putSymlink('req/new', target, { requireTarget: true }), (e: unknown) => {
      assert.ok(e instanceof OssError);
      assert.deepEqual([e.code, e.field], ['SymlinkTargetIsSymlink', 'target'], target);
      return true;
    });
    assert.deepEqual(seenSince(from), [`HEAD ${target}`], target);
  }
  // A link to itself would be a link to a link once written: refused without a request.
  const from = server.requests.length;
  await assert.rejects(c.putSymlink('req/obj', 'req/obj', { requireTarget: true }), { code: 'SymlinkTargetIsSymlink' });
  assert.equal(server.requests.length, from);
  assert.equal((await c.getObject('req/obj')).text(), 'x', 'the object was not replaced');
});

test('requireTarget: an existing object passes the check, and the link is written after it', async () => {
  const c = client();
  await c.putObject('req/photo 原图.jpg', 'pixels');
  const from = server.requests.length;
  const r = await c.putSymlink('req/link 😀', 'req/photo 原图.jpg', { requireTarget: true, forbidOverwrite: true });
  assert.equal(r.status, 200);
  assert.deepEqual(seenSince(from), ['HEAD req/photo 原图.jpg', 'PUT req/link 😀?symlink']);
  assert.equal((await c.getObject('req/link 😀')).text(), 'pixels');
  // Without the option, no HEAD: the old behaviour and cost.
  const plain = server.requests.length;
  await c.putSymlink('req/unchecked', 'req/nothing');
  assert.deepEqual(seenSince(plain), ['PUT req/unchecked?symlink']);
});

test('requireTarget: the HEAD is retried like any request, and runs under the caller\'s signal', async () => {
  await client().putObject('req/flaky-target', 'x');
  server.setFaults({ errorRate: 1, seed: 1 });
  let retries = 0;
  const c = client({ retry: { maxAttempts: 2, baseDelayMs: 1 }, onRetry: () => retries++ });
  try {
    // Every request fails with 5xx: the HEAD is retried, then its error is thrown; no PUT is tried.
    const from = server.requests.length;
    const e = await c.putSymlink('req/flaky', 'req/flaky-target', { requireTarget: true }).catch((err: unknown) => err);
    assert.ok(e instanceof OssError);
    assert.ok(e.status >= 500, `status ${e.status}`);
    assert.match(e.message, /^requireTarget: the HEAD of the target failed, no link was written: /);
    assert.equal(e.attempts, 2);
    assert.equal(retries, 1);
    assert.deepEqual(seenSince(from).map((s) => s.split(' ')[0]), ['HEAD', 'HEAD']);
  } finally {
    server.setFaults({});
  }
  const aborted = new AbortController();
  aborted.abort(new Error('stop'));
  await assert.rejects(client().putSymlink('req/aborted', 'req/flaky-target', { requireTarget: true, signal: aborted.signal }), { message: 'stop' });
  await assert.rejects(client().getSymlink('req/aborted'), { code: 'NoSuchKey' });
});

test('requireTarget: a bad option or key is refused before any request', async () => {
  const c = client();
  const from = server.requests.length;
  await assert.rejects(c.putSymlink('k', 't', { requireTarget: 'yes' as unknown as boolean }), { code: 'InvalidInput', field: 'requireTarget' });
  await assert.rejects(c.putSymlink('', 't', { requireTarget: true }), { code: 'InvalidObjectName' });
  await assert.rejects(c.putSymlink('k', 'a\nb', { requireTarget: true }), (e: unknown) => e instanceof OssError && e.isInputError);
  assert.equal(server.requests.length, from);
});

test('getSymlink checkTarget reports exists, missing and symlink; without it, one request only', async () => {
  const c = client();
  await c.putObject('chk/obj', 'x');
  await c.putSymlink('chk/good', 'chk/obj');
  await c.putSymlink('chk/dangling', 'chk/gone');
  await c.putSymlink('chk/to-link', 'chk/good');
  const expected = { 'chk/good': 'exists', 'chk/dangling': 'missing', 'chk/to-link': 'symlink' } as const;
  for (const [link, state] of Object.entries(expected)) {
    const r = await c.getSymlink(link, { checkTarget: true });
    assert.equal(r.targetState, state, link);
    assert.equal(r.targetExists, state === 'exists', link);
  }
  const from = server.requests.length;
  const r = await c.getSymlink('chk/dangling');
  assert.equal(r.targetState, undefined);
  assert.equal(r.targetExists, undefined);
  assert.equal(server.requests.length, from + 1);
});

test('checkTarget on a versioned bucket: a target whose current version is a delete marker is missing', async () => {
  const h = client({ bucket: 'history' });
  await h.putObject('ver/obj', 'x');
  await h.putSymlink('ver/link', 'ver/obj');
  assert.equal((await h.getSymlink('ver/link', { checkTarget: true })).targetState, 'exists');
  await h.deleteObject('ver/obj');
  assert.equal((await h.getSymlink('ver/link', { checkTarget: true })).targetState, 'missing');
  await assert.rejects(h.putSymlink('ver/link2', 'ver/obj', { requireTarget: true }), { code: 'SymlinkTargetNotFound' });
});
