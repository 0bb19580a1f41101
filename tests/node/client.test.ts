// OssClient against a loopback server started here: what arrives on the wire, and how answers
// become results and OssErrors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OssClient, OssError } from '../../ts/node.js';
import { ok, startCaptureServer, xmlError, type CaptureServer } from './helpers/capture-server.js';

const credentials = { accessKeyId: 'LTAI-test', accessKeySecret: 'test-secret-value' };
let server: CaptureServer;
before(async () => { server = await startCaptureServer(); });
after(() => server.close());

function client(extra: Partial<ConstructorParameters<typeof OssClient>[0]> = {}) {
  return new OssClient({ region: 'cn-hangzhou', bucket: 'examplebucket', endpoint: server.url, credentials, retry: { baseDelayMs: 1 }, ...extra });
}

test('putSymlink sends PUT /bucket/key?symlink with every option as a header', async () => {
  server.handler = (_req, res) => { res.writeHead(200, { etag: '"0A47"', 'x-oss-request-id': 'RID', 'x-oss-version-id': 'V1' }); res.end(); };
  const before = Date.now();
  const r = await client().putSymlink('links/today.jpg', 'photos/2026/原图 1.jpg', {
    forbidOverwrite: true, acl: 'private', storageClass: 'Standard',
    meta: { location: 'hz' }, tagging: { team: 'web', 'a b': 'c&d' },
    headers: { 'Content-Disposition': 'attachment' }, additionalHeaders: ['content-disposition'],
  });
  const req = server.requests.at(-1)!;
  assert.match(r.writeId ?? '', /^[0-9a-f]{32}$/, 'forbidOverwrite writes a random write id');
  assert.deepEqual(r, { status: 200, requestId: 'RID', etag: '"0A47"', versionId: 'V1', attempts: 1, writeId: r.writeId });
  assert.equal(req.headers['x-oss-meta-oss-symlink-write-id'], r.writeId);
  assert.equal(req.method, 'PUT');
  assert.equal(req.url, '/examplebucket/links/today.jpg?symlink');
  assert.equal(req.headers['x-oss-symlink-target'], 'photos/2026/%E5%8E%9F%E5%9B%BE%201.jpg');
  assert.equal(req.headers['x-oss-forbid-overwrite'], 'true');
  assert.equal(req.headers['x-oss-object-acl'], 'private');
  assert.equal(req.headers['x-oss-storage-class'], 'Standard');
  assert.equal(req.headers['x-oss-meta-location'], 'hz');
  assert.equal(req.headers['x-oss-tagging'], 'team=web&a%20b=c%26d');
  assert.equal(req.headers['content-disposition'], 'attachment');
  assert.equal(req.headers['x-oss-content-sha256'], 'UNSIGNED-PAYLOAD');
  assert.match(req.headers['x-oss-date']!, /^\d{8}T\d{6}Z$/);
  const day = req.headers['x-oss-date']!.slice(0, 8);
  assert.equal(day, new Date(before).toISOString().slice(0, 10).replaceAll('-', ''));
  assert.match(req.headers.authorization!, new RegExp(`^OSS4-HMAC-SHA256 Credential=LTAI-test/${day}/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=content-disposition,Signature=[0-9a-f]{64}$`));
  assert.equal(req.headers['x-oss-security-token'], undefined);
  assert.equal(req.body, '');
});

test('virtual-hosted and cname addressing build the documented URLs', async () => {
  const seen: string[] = [];
  const fetch = async (url: string) => { seen.push(url); return new Response(null, { status: 200 }); };
  await new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials, fetch }).putSymlink('a', 'b');
  await new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials, fetch, endpoint: 'https://cdn.example.com', addressing: 'cname' }).putSymlink('a', 'b');
  await new OssClient({ region: 'cn-shanghai', bucket: 'bkt', credentials, fetch, endpoint: 'oss-cn-shanghai-internal.aliyuncs.com' }).putSymlink('a/../b', 'c');
  assert.deepEqual(seen, [
    'https://bkt.oss-cn-hangzhou.aliyuncs.com/a?symlink',
    'https://cdn.example.com/a?symlink',
    'https://bkt.oss-cn-shanghai-internal.aliyuncs.com/a%2F..%2Fb?symlink',
  ]);
});

test('STS token is sent and signed', async () => {
  server.handler = ok;
  await client({ credentials: { ...credentials, securityToken: 'sts-token-123' } }).putSymlink('k', 't');
  assert.equal(server.requests.at(-1)!.headers['x-oss-security-token'], 'sts-token-123');
});

test('an OSS error answer rejects with every OssError field', async () => {
  server.handler = (_req, res) => xmlError(res, 409, 'FileAlreadyExists');
  const e = await client().putSymlink('k', 't', { forbidOverwrite: true }).catch((x: unknown) => x);
  assert.ok(e instanceof OssError);
  assert.equal(e.status, 409);
  assert.equal(e.code, 'FileAlreadyExists');
  assert.equal(e.message, 'FileAlreadyExists happened');
  assert.equal(e.requestId, 'REQ-FileAlreadyExists');
  assert.equal(e.hostId, 'host.example');
  assert.equal(e.ec, '0000-00000000');
  assert.equal(e.recommendDoc, 'https://doc.example/FileAlreadyExists');
  assert.equal(e.attempts, 1);
});

test('every PutSymlink error code of the reference comes through', async () => {
  for (const [status, code] of [[400, 'InvalidArgument'], [409, 'FileAlreadyExists'], [409, 'FileImmutable'], [403, 'AccessDenied'], [404, 'NoSuchBucket']] as const) {
    server.handler = (_req, res) => xmlError(res, status, code);
    const e = await client().putSymlink('k', 't').catch((x: unknown) => x);
    assert.ok(e instanceof OssError && e.code === code && e.status === status, `${code}`);
  }
});

test('invalid input rejects with a typed error before fetch is called', async () => {
  let calls = 0;
  const fetch = async () => { calls++; return new Response(null, { status: 200 }); };
  const c = new OssClient({ region: 'cn-hangzhou', bucket: 'examplebucket', credentials, fetch });
  const cases: [() => Promise<unknown>, string, string][] = [
    [() => c.putSymlink('a\r\nx-oss-evil: 1', 't'), 'InvalidObjectName', 'key'],
    [() => c.putSymlink('k', 'line\nbreak'), 'InvalidSymlinkTarget', 'target'],
    [() => c.putSymlink('/abs', 't'), 'InvalidObjectName', 'key'],
    [() => c.putSymlink('k'.repeat(1024), 't'), 'InvalidObjectName', 'key'],
    [() => c.putSymlink('k', 't', { acl: 'public' as never }), 'InvalidAcl', 'acl'],
    [() => c.putSymlink('k', 't', { storageClass: 'Cold' as never }), 'InvalidStorageClass', 'storageClass'],
    [() => c.putSymlink('k', 't', { meta: { 'bad name': 'v' } }), 'InvalidMetadata', 'meta.bad name'],
    [() => c.putSymlink('k', 't', { meta: { a: 'x\r\ny' } }), 'InvalidHeaderValue', 'meta.a'],
    [() => c.putSymlink('k', 't', { meta: { a: 'v'.repeat(8200) } }), 'MetadataTooLarge', 'meta'],
    [() => c.putSymlink('k', 't', { tagging: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }), 'InvalidTagging', 'tagging'],
    [() => c.putSymlink('k', 't', { headers: { 'x-a': 'v\n' } }), 'InvalidHeaderValue', 'headers.x-a'],
    [() => c.putSymlink('k', 't', { headers: { authorization: 'x' } }), 'ConflictingHeader', 'headers.authorization'],
    [() => c.putSymlink('k\uD800', 't'), 'InvalidEncoding', 'key'],
    [() => c.putSymlink(42 as never, 't'), 'InvalidInput', 'key'],
    [() => c.putSymlink('k', 't', { meta: { a: 1 as never } }), 'InvalidInput', 'meta.a'],
    [() => c.putSymlink('k', 't', { meta: JSON.parse('{"__proto__": "x"}') as Record<string, string> }), 'InvalidMetadata', 'meta.__proto__'],
    [async () => new OssClient({ region: 'cn-hangzhou', bucket: 'Bad_Bucket', credentials, fetch }).putSymlink('k', 't'), 'InvalidBucketName', 'bucket'],
    [async () => new OssClient({ region: 'cn-hangzhou', bucket: 'b0b', credentials: { accessKeyId: '', accessKeySecret: 's' }, fetch }).putSymlink('k', 't'), 'InvalidCredentials', 'credentials.accessKeyId'],
  ];
  for (const [call, code, field] of cases) {
    const e = await call().catch((x: unknown) => x);
    assert.ok(e instanceof OssError, `${code}: ${String(e)}`);
    assert.equal(e.code, code, `${field}: ${e.message}`);
    assert.equal(e.field, field);
    assert.equal(e.status, 0);
  }
  assert.equal(calls, 0, 'fetch must never be called for invalid input');
});

test('getSymlink decodes the target and reads meta, version and date', async () => {
  server.handler = (_req, res) => {
    res.writeHead(200, { 'x-oss-symlink-target': 'photos/2026/%E5%8E%9F%E5%9B%BE%201.jpg', etag: '"E"', 'last-modified': 'Fri, 27 Nov 2026 10:00:00 GMT', 'x-oss-meta-location': 'hz', 'x-oss-version-id': 'V2', 'x-oss-request-id': 'R2' });
    res.end();
  };
  const r = await client().getSymlink('links/today.jpg', { versionId: 'V2' });
  assert.equal(server.requests.at(-1)!.url, '/examplebucket/links/today.jpg?symlink&versionId=V2');
  assert.equal(r.target, 'photos/2026/原图 1.jpg');
  assert.equal(r.etag, '"E"');
  assert.equal(r.versionId, 'V2');
  assert.deepEqual(r.meta, { location: 'hz' });
  assert.equal(r.lastModified?.toISOString(), '2026-11-27T10:00:00.000Z');
  assert.equal(r.requestId, 'R2');
});

test('HEAD errors are read from the x-oss-err header', async () => {
  const xml = '<Error><Code>NoSuchKey</Code><Message>gone</Message><RequestId>R9</RequestId><EC>0026-00000001</EC></Error>';
  server.handler = (_req, res) => { res.writeHead(404, { 'x-oss-err': Buffer.from(xml).toString('base64') }); res.end(); };
  const e = await client().headObject('missing').catch((x: unknown) => x);
  assert.ok(e instanceof OssError);
  assert.equal(e.code, 'NoSuchKey');
  assert.equal(e.ec, '0026-00000001');
});

test('presignPutSymlink returns a URL in the V4 query form and the headers to send', async () => {
  const p = await client({ credentials: { ...credentials, securityToken: 'tok' } }).presignPutSymlink('a b', 'c d', { expires: 60, forbidOverwrite: true });
  const url = new URL(p.url);
  assert.equal(url.pathname, '/examplebucket/a%20b');
  assert.equal(url.searchParams.get('x-oss-signature-version'), 'OSS4-HMAC-SHA256');
  assert.equal(url.searchParams.get('x-oss-expires'), '60');
  assert.equal(url.searchParams.get('x-oss-security-token'), 'tok');
  assert.match(url.searchParams.get('x-oss-signature')!, /^[0-9a-f]{64}$/);
  assert.ok(url.search.startsWith('?symlink&'));
  assert.deepEqual(p.headers, { 'x-oss-symlink-target': 'c%20d', 'x-oss-forbid-overwrite': 'true' });
  assert.equal(p.method, 'PUT');
  assert.ok(Math.abs(p.expiresAt.getTime() - (Date.now() + 60_000)) < 2000);
  await assert.rejects(client().presignPutSymlink('a', 'b', { expires: 604801 }), { code: 'InvalidExpires' });
});

test('errors never contain the secret or the token', async () => {
  const secret = 'very-secret-KEY-0001';
  const token = 'very-secret-TOKEN-0002';
  server.handler = (_req, res) => xmlError(res, 403, 'SignatureDoesNotMatch', `<StringToSign>${token}</StringToSign>`);
  const errors: unknown[] = [];
  const c = client({ credentials: { accessKeyId: 'ak', accessKeySecret: secret, securityToken: token }, retry: { maxAttempts: 1 } });
  errors.push(await c.putSymlink('k', 't').catch((x: unknown) => x));
  server.handler = (_req, res) => { res.writeHead(400, { 'content-type': 'application/xml' }); res.end(`<Error><Code>X</Code><Message>echo ${secret} ${token}</Message></Error>`); };
  errors.push(await c.putSymlink('k', 't').catch((x: unknown) => x));
  errors.push(await c.putSymlink('k\n', 't').catch((x: unknown) => x));
  errors.push(await new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'ak', accessKeySecret: secret, securityToken: token }, retry: { maxAttempts: 1 } }).putSymlink('k', 't').catch((x: unknown) => x));
  for (const e of errors) {
    assert.ok(e instanceof OssError);
    for (const text of [e.message, String(e), JSON.stringify(e), e.stack ?? '', JSON.stringify(e.toJSON())]) {
      assert.ok(!text.includes(secret) && !text.includes(token), `leaked in ${e.code}: ${text}`);
    }
  }
});

test('headers and meta may be given as a Map or Headers too', async () => {
  server.handler = ok;
  await client().putSymlink('k', 't', { headers: new Headers({ 'Content-Disposition': 'inline' }), meta: new Map([['from', 'map']]) });
  const req = server.requests.at(-1)!;
  assert.equal(req.headers['content-disposition'], 'inline');
  assert.equal(req.headers['x-oss-meta-from'], 'map');
});
