// OssClient against the project's local OSS server (independent V4 verification, real fault
// injection): retries seen on both sides, clock skew, presigned URLs, STS expiry, lost answers,
// and every PutSymlink header and error of the reference.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OssClient, OssError, type Credentials } from '../../ts/node.js';
import { DEV_CREDENTIALS, startServer, type OssServer } from '../../server/index.js';

let server: OssServer;
before(async () => {
  server = await startServer({ buckets: ['plain'], versioned: ['history'], immutable: [{ bucket: 'plain', prefix: 'locked/' }] });
});
after(() => server.close());

function client(extra: Partial<ConstructorParameters<typeof OssClient>[0]> = {}) {
  return new OssClient({ region: server.region, bucket: 'plain', endpoint: server.url, credentials: DEV_CREDENTIALS, retry: { baseDelayMs: 5 }, ...extra });
}

test('every PutSymlink header arrives and is stored; GetSymlink reads it back', async () => {
  const c = client();
  const r = await c.putSymlink('links/今天 😀.jpg', 'photos/2026/原图 1.jpg', {
    acl: 'public-read', storageClass: 'Standard', meta: { location: 'hz', Camera: 'X100' }, tagging: { team: 'web', 'a b': 'c&d' },
    headers: { 'content-disposition': 'attachment' }, additionalHeaders: ['content-disposition'],
  });
  assert.match(r.etag, /^"[0-9A-F]+"$/);
  assert.match(r.requestId, /^[0-9A-F]{24}$/);
  const link = await c.getSymlink('links/今天 😀.jpg');
  assert.equal(link.target, 'photos/2026/原图 1.jpg');
  assert.deepEqual(link.meta, { location: 'hz', camera: 'X100' });
  const logged = [...server.requests].reverse().find((q) => q.method === 'PUT')!;
  assert.equal(logged.headers['x-oss-tagging'], 'team=web&a%20b=c%26d');
  assert.equal(logged.headers['x-oss-object-acl'], 'public-read');
  // Anonymous reads through a link check the ACLs of both the link and its target.
  await c.putObject('photos/2026/原图 1.jpg', 'pixels');
  const anonymousUrl = `${server.url}/plain/${encodeURI('links/今天 😀.jpg')}`;
  assert.equal((await fetch(anonymousUrl)).status, 403, 'the private target is not readable');
  await c.putObject('photos/2026/原图 1.jpg', 'pixels', { headers: { 'x-oss-object-acl': 'public-read' } });
  const anonymous = await fetch(anonymousUrl);
  assert.equal(anonymous.status, 200);
  assert.equal(await anonymous.text(), 'pixels');
});

test('the error codes of PutSymlink come back as OssErrors', async () => {
  const c = client();
  await c.putSymlink('exists', 'a');
  const conflict = await c.putSymlink('exists', 'b', { forbidOverwrite: true }).catch((e: unknown) => e);
  assert.ok(conflict instanceof OssError);
  assert.deepEqual([conflict.status, conflict.code], [409, 'FileAlreadyExists']);
  assert.ok(conflict.requestId && conflict.ec);
  await c.putSymlink('locked/file', 'a');
  await assert.rejects(c.putSymlink('locked/file', 'b'), { status: 409, code: 'FileImmutable' });
  await assert.rejects(client({ bucket: 'missing' }).putSymlink('k', 't'), { status: 404, code: 'NoSuchBucket' });
  await assert.rejects(client({ credentials: { ...DEV_CREDENTIALS, accessKeySecret: 'wrong' } }).putSymlink('k', 't'), { status: 403, code: 'SignatureDoesNotMatch' });
  await assert.rejects(client({ credentials: { accessKeyId: 'LTAI-unknown', accessKeySecret: 'x' } }).putSymlink('k', 't'), { status: 403, code: 'InvalidAccessKeyId' });
  await assert.rejects(c.getSymlink('never-created'), { status: 404, code: 'NoSuchKey' });
  // Versioned buckets ignore forbidOverwrite, as OSS does, and answer version ids.
  const h = client({ bucket: 'history' });
  const v1 = await h.putSymlink('doc', 'v1.txt');
  const v2 = await h.putSymlink('doc', 'v2.txt', { forbidOverwrite: true });
  assert.ok(v1.versionId && v2.versionId && v1.versionId !== v2.versionId);
  assert.equal((await h.getSymlink('doc', { versionId: v1.versionId! })).target, 'v1.txt');
});

test('injected 5xx and dropped connections: the client retries and the server counts them', async () => {
  server.setFaults({ errorRate: 0.3, dropRate: 0.2, seed: 7 });
  try {
    let retries = 0;
    const c = client({ retry: { maxAttempts: 10, baseDelayMs: 2 }, onRetry: () => retries++ });
    const before = server.stats.faults;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => c.putSymlink(`retry/${i}`, `t/${i}`)));
    const after = server.stats.faults;
    const injected = after.error - before.error + after.drop - before.drop;
    assert.ok(injected > 20, `faults injected: ${injected}`);
    assert.equal(retries, injected, 'each injected fault cost exactly one retry');
    assert.equal(results.reduce((n, r) => n + r.attempts - 1, 0), injected);
  } finally {
    server.setFaults({});
  }
  for (let i = 0; i < 100; i += 17) assert.equal((await client().getSymlink(`retry/${i}`)).target, `t/${i}`);
});

test('a server clock two hours ahead: RequestTimeTooSkewed, corrected, and kept', async () => {
  server.setFaults({ clockOffsetMs: 2 * 3600_000 });
  try {
    const c = client();
    const first = await c.putSymlink('skew/1', 't');
    assert.equal(first.attempts, 2);
    assert.ok(Math.abs(c.clockOffsetMs - 2 * 3600_000) < 5000, `offset ${c.clockOffsetMs}`);
    assert.equal((await c.putSymlink('skew/2', 't')).attempts, 1);
  } finally {
    server.setFaults({});
  }
});

test('presigned PutSymlink and GetSymlink URLs work, and are refused once expired', async () => {
  const c = client();
  const put = await c.presignPutSymlink('presigned/链接', 'photos/原图.jpg', { expires: 60, forbidOverwrite: true, meta: { by: 'url' } });
  const res = await fetch(put.url, { method: put.method, headers: put.headers });
  assert.equal(res.status, 200, await res.text());
  const get = await c.presignGetSymlink('presigned/链接', { expires: 60 });
  const read = await fetch(get.url);
  assert.equal(read.status, 200);
  assert.equal(read.headers.get('x-oss-symlink-target'), 'photos/%E5%8E%9F%E5%9B%BE.jpg');
  // Changing a signed header breaks the URL.
  const tampered = await fetch(put.url, { method: 'PUT', headers: { ...put.headers, 'x-oss-symlink-target': 'elsewhere' } });
  assert.equal(tampered.status, 403);
  // Two minutes later (on the server's clock) the 60-second URL has expired.
  server.setFaults({ clockOffsetMs: 120_000 });
  try {
    const expired = await fetch(get.url);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /<Code>AccessDenied<\/Code>/);
  } finally {
    server.setFaults({});
  }
});

test('STS credentials from the server: used, refreshed before expiry, and refreshed on SecurityTokenExpired', async () => {
  let calls = 0;
  let ttlSeconds = 3600;
  const provider = async (): Promise<Credentials> => { calls++; return server.mintSts({ ttlSeconds }); };
  const c = client({ credentials: provider, refreshMarginMs: 1000 });
  await Promise.all(Array.from({ length: 50 }, (_, i) => c.putSymlink(`sts/${i}`, 't')));
  assert.equal(calls, 1);
  // Credentials whose expiration the client does not know about expire on the server: the
  // SecurityTokenExpired answer makes the client refresh once and retry.
  ttlSeconds = 1;
  const silent = async (): Promise<Credentials> => { calls++; const { expiration: _ignored, ...rest } = server.mintSts({ ttlSeconds }); ttlSeconds = 3600; return rest; };
  const c2 = client({ credentials: silent });
  await c2.putSymlink('sts/a', 't');
  await new Promise((r) => setTimeout(r, 1100));
  const before = calls;
  const r = await c2.putSymlink('sts/b', 't');
  assert.equal(r.status, 200);
  assert.equal(calls, before + 1);
});

test('an answer lost after the write, with forbidOverwrite: proven by the write id, reported as createdByEarlierAttempt', async () => {
  server.setFaults({ lostAnswerRate: 1 });
  const c = client({ onRetry: () => server.setFaults({}) });
  try {
    const r = await c.putSymlink('lost/one', 'the/target', { forbidOverwrite: true });
    assert.equal(r.createdByEarlierAttempt, true);
    assert.equal(r.attempts, 2);
    assert.match(r.writeId ?? '', /^[0-9a-f]{32}$/);
    const link = await client().getSymlink('lost/one');
    assert.equal(link.target, 'the/target');
    assert.equal(link.meta['oss-symlink-write-id'], r.writeId, 'the write id is stored with the link');
  } finally {
    server.setFaults({});
  }
});

test('signPutSymlink: a signed request to send with any HTTP stack', async () => {
  const c = client();
  const req = c.signPutSymlink('signed/链接', 'photos/原图.jpg', { forbidOverwrite: true, meta: { via: 'own-stack' } });
  assert.equal(req.method, 'PUT');
  assert.equal(req.headers['x-oss-symlink-target'], 'photos/%E5%8E%9F%E5%9B%BE.jpg');
  const res = await fetch(req.url, { method: req.method, headers: req.headers });
  assert.equal(res.status, 200, await res.text());
  assert.equal((await c.getSymlink('signed/链接')).meta.via, 'own-stack');
  // With a provider, it works once credentials have been fetched, and says so before.
  const withProvider = client({ credentials: async () => DEV_CREDENTIALS });
  assert.throws(() => withProvider.signPutSymlink('a', 'b'), { code: 'CredentialsNotReady' });
  await withProvider.getSymlink('signed/链接');
  assert.equal(withProvider.signPutSymlink('a', 'b').method, 'PUT');
  assert.throws(() => c.signPutSymlink('bad\n', 'b'), { code: 'InvalidObjectName' });
});
