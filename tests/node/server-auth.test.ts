// The local server's V4 verifier against the official vectors, replayed over HTTP, and its
// authentication errors. Signatures come from the vectors or from ali-oss, never from server code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { canonicalRequest, v4Signature, v4StringToSign } from '../../server/auth.js';
import { startServer, type Credential, type OssServer, type ServerOptions } from '../../server/index.js';

interface VectorCase {
  name: string;
  method: string;
  region: string;
  product?: string;
  bucket: string;
  key: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  time: number;
  query: Array<[string, string]>;
  headers: Array<[string, string]>;
  presignExpires?: number;
  expected: { authorization?: string; signature: string; stringToSign: string; 'x-oss-date'?: string; url?: string };
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const vectorsPath = path.resolve(repoRoot, '../shared/vectors/oss-v4-signature.json');
const cases = (JSON.parse(readFileSync(vectorsPath, 'utf8')) as { cases: VectorCase[] }).cases;
const caseNamed = (name: string) => cases.find((c) => c.name === name)!;
const headerCases = cases.filter((c) => c.presignExpires === undefined);
const presignCases = cases.filter((c) => c.presignExpires !== undefined);

// The test's own strict percent-encoding (RFC 3986 unreserved set), independent of server/auth.ts.
function strictEncode(text: string, keepSlash = false): string {
  const encoded = encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

function decodeQuery(search: string): Array<[string, string]> {
  return search
    .replace(/^\?/, '')
    .split('&')
    .filter((item) => item !== '')
    .map((item) => {
      const eq = item.indexOf('=');
      return eq < 0 ? [decodeURIComponent(item), ''] : [decodeURIComponent(item.slice(0, eq)), decodeURIComponent(item.slice(eq + 1))];
    });
}

/** The HTTP request a vector describes: path, query and headers as the official signer sent them. */
function vectorRequest(c: VectorCase): { path: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-length': '0' };
  for (const [name, value] of c.headers) headers[name] = value;
  if (c.expected.url) {
    const url = new URL(c.expected.url);
    headers.host = url.host;
    return { path: url.pathname + url.search, headers };
  }
  headers['x-oss-date'] = c.expected['x-oss-date']!;
  headers['x-oss-content-sha256'] = 'UNSIGNED-PAYLOAD';
  if (c.securityToken) headers['x-oss-security-token'] = c.securityToken;
  headers.authorization = c.expected.authorization!;
  const query = c.query.map(([n, v]) => (v === '' ? strictEncode(n) : `${strictEncode(n)}=${strictEncode(v)}`)).join('&');
  return { path: `/${c.bucket}/${strictEncode(c.key, true)}${query ? '?' + query : ''}`, headers };
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(server: OssServer, method: string, requestPath: string, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: requestPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

function xmlField(body: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body);
  return m?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** A server configured for one vector: its key, region, bucket and a clock set to the vector's time. */
async function serverFor(c: VectorCase, overrides: Partial<ServerOptions> = {}, clockShiftMs = 0): Promise<OssServer> {
  const credential: Credential = { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret };
  if (c.securityToken) credential.securityToken = c.securityToken;
  return startServer({
    region: c.region,
    buckets: [c.bucket],
    credentials: [credential],
    faults: { clockOffsetMs: c.time * 1000 + clockShiftMs - Date.now() },
    ...overrides,
  });
}

async function replay(c: VectorCase, overrides: Partial<ServerOptions> = {}, clockShiftMs = 0, tweak?: (r: ReturnType<typeof vectorRequest>) => void): Promise<RawAnswer> {
  const server = await serverFor(c, overrides, clockShiftMs);
  try {
    const request = vectorRequest(c);
    tweak?.(request);
    return await send(server, c.method, request.path, request.headers);
  } finally {
    await server.close();
  }
}

describe('V4 verifier and the official vectors', () => {
  test('the vector file is present and has both forms', () => {
    assert.ok(headerCases.length >= 50, `header cases: ${headerCases.length}`);
    assert.ok(presignCases.length >= 5, `presign cases: ${presignCases.length}`);
  });

  test('computes every header-form string to sign and signature', () => {
    for (const c of headerCases) {
      const headers: Record<string, string> = {};
      for (const [name, value] of c.headers) headers[name.toLowerCase()] = value;
      headers['x-oss-date'] = c.expected['x-oss-date']!;
      headers['x-oss-content-sha256'] = 'UNSIGNED-PAYLOAD';
      if (c.securityToken) headers['x-oss-security-token'] = c.securityToken;
      // The server learns the additional headers from the Authorization header, as here.
      const additional = /AdditionalHeaders=([^,]*)/.exec(c.expected.authorization!)?.[1]?.split(';') ?? [];
      const canonical = canonicalRequest({
        method: c.method, bucket: c.bucket, key: c.key, query: c.query, headers, additionalHeaders: additional, hashedPayload: 'UNSIGNED-PAYLOAD',
      });
      const day = c.expected['x-oss-date']!.slice(0, 8);
      const product = c.product ?? 'oss';
      const toSign = v4StringToSign(c.expected['x-oss-date']!, `${day}/${c.region}/${product}/aliyun_v4_request`, canonical);
      assert.equal(toSign, c.expected.stringToSign, c.name);
      assert.equal(v4Signature(c.accessKeySecret, day, c.region, product, toSign), c.expected.signature, c.name);
    }
  });

  test('computes every presigned-URL signature from the URL itself', () => {
    for (const c of presignCases) {
      const url = new URL(c.expected.url!);
      const query = decodeQuery(url.search);
      const signature = query.find(([n]) => n === 'x-oss-signature')![1];
      assert.equal(signature, c.expected.signature, c.name);
      const headers: Record<string, string> = {};
      for (const [name, value] of c.headers) headers[name.toLowerCase()] = value;
      const additional = query.find(([n]) => n === 'x-oss-additional-headers')?.[1].split(';') ?? [];
      const canonical = canonicalRequest({
        method: c.method, bucket: c.bucket, key: c.key, query: query.filter(([n]) => n !== 'x-oss-signature'), headers,
        additionalHeaders: additional, hashedPayload: 'UNSIGNED-PAYLOAD',
      });
      const date = query.find(([n]) => n === 'x-oss-date')![1];
      const toSign = v4StringToSign(date, `${date.slice(0, 8)}/${c.region}/oss/aliyun_v4_request`, canonical);
      assert.equal(toSign, c.expected.stringToSign, c.name);
      assert.equal(v4Signature(c.accessKeySecret, date.slice(0, 8), c.region, 'oss', toSign), signature, c.name);
    }
  });

  test('accepts every vector request replayed over HTTP (path style and virtual-hosted presigned URLs)', async () => {
    // CloudBox signs for product oss-cloudbox, which this server does not serve.
    for (const c of cases.filter((v) => v.product === undefined)) {
      const answer = await replay(c);
      assert.equal(answer.status, 200, `${c.name}: ${answer.body}`);
    }
  });
});

describe('authentication errors', () => {
  const headerCase = caseNamed('symlink-001');
  const presignCase = caseNamed('symlink-005');
  const tokenCase = caseNamed('official-header-token');

  test('a wrong secret answers SignatureDoesNotMatch with the string to sign', async () => {
    const answer = await replay(headerCase, { credentials: [{ accessKeyId: headerCase.accessKeyId, accessKeySecret: 'not-the-secret' }] });
    assert.equal(answer.status, 403);
    assert.equal(xmlField(answer.body, 'Code'), 'SignatureDoesNotMatch');
    assert.equal(xmlField(answer.body, 'StringToSign'), headerCase.expected.stringToSign);
    assert.ok(answer.headers['x-oss-ec'], 'x-oss-ec header');
    assert.match(String(answer.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
    assert.equal(xmlField(answer.body, 'RequestId'), answer.headers['x-oss-request-id']);
  });

  test('changing a signed header or the query breaks the signature', async () => {
    const target = await replay(headerCase, {}, 0, (r) => (r.headers['x-oss-symlink-target'] = 'other'));
    assert.equal(xmlField(target.body, 'Code'), 'SignatureDoesNotMatch');
    const query = await replay(headerCase, {}, 0, (r) => (r.path += '&versionId=x'));
    assert.equal(xmlField(query.body, 'Code'), 'SignatureDoesNotMatch');
    const key = await replay(headerCase, {}, 0, (r) => (r.path = r.path.replace('/examplebucket/', '/examplebucket/a')));
    assert.equal(xmlField(key.body, 'Code'), 'SignatureDoesNotMatch');
  });

  test('an unknown AccessKeyId answers InvalidAccessKeyId', async () => {
    const answer = await replay(headerCase, { credentials: [{ accessKeyId: 'someone-else', accessKeySecret: 'x' }] });
    assert.equal(answer.status, 403);
    assert.equal(xmlField(answer.body, 'Code'), 'InvalidAccessKeyId');
  });

  test('a region other than the server one is refused', async () => {
    const answer = await replay(headerCase, { region: 'cn-beijing' });
    assert.equal(answer.status, 400);
    assert.equal(xmlField(answer.body, 'Code'), 'InvalidArgument');
    assert.equal(xmlField(answer.body, 'EC'), '0002-00000226');
    assert.match(xmlField(answer.body, 'Message') ?? '', /cn-beijing/);
  });

  test('more than 15 minutes of skew answers RequestTimeTooSkewed with ServerTime and RequestTime', async () => {
    for (const shift of [16 * 60_000, -16 * 60_000]) {
      const answer = await replay(headerCase, {}, shift);
      assert.equal(answer.status, 403);
      assert.equal(xmlField(answer.body, 'Code'), 'RequestTimeTooSkewed');
      const serverTime = Date.parse(xmlField(answer.body, 'ServerTime') ?? '');
      assert.ok(Math.abs(serverTime - (headerCase.time * 1000 + shift)) < 5000, `ServerTime ${xmlField(answer.body, 'ServerTime')}`);
      assert.equal(Date.parse(xmlField(answer.body, 'RequestTime') ?? ''), headerCase.time * 1000);
    }
    const within = await replay(headerCase, {}, 14 * 60_000);
    assert.equal(within.status, 200, within.body);
  });

  test('an expired presigned URL answers AccessDenied', async () => {
    const lifetime = presignCase.presignExpires! * 1000;
    const expired = await replay(presignCase, {}, lifetime + 2000);
    assert.equal(expired.status, 403);
    assert.equal(xmlField(expired.body, 'Code'), 'AccessDenied');
    assert.match(xmlField(expired.body, 'Message') ?? '', /expired/i);
    const stillValid = await replay(presignCase, {}, lifetime - 2000);
    assert.equal(stillValid.status, 200, stillValid.body);
  });

  test('security tokens must match the key and not be expired', async () => {
    const credential = { accessKeyId: tokenCase.accessKeyId, accessKeySecret: tokenCase.accessKeySecret };
    const wrongToken = await replay(tokenCase, { credentials: [{ ...credential, securityToken: 'another-token' }] });
    assert.equal(xmlField(wrongToken.body, 'Code'), 'InvalidSecurityToken');
    const noToken = await replay(caseNamed('official-header-basic'), { credentials: [{ ...credential, securityToken: 'token' }] });
    assert.equal(xmlField(noToken.body, 'Code'), 'InvalidSecurityToken');
    const expired = await replay(tokenCase, { credentials: [{ ...credential, securityToken: 'token', expiration: tokenCase.time * 1000 - 1000 }] });
    assert.equal(expired.status, 403);
    assert.equal(xmlField(expired.body, 'Code'), 'SecurityTokenExpired');
  });

  test('malformed Authorization headers get a 400/403 with a clear code, and the server keeps serving', async () => {
    const server = await serverFor(headerCase);
    after(() => server.close());
    const bad = [
      'OSS4-HMAC-SHA256',
      'OSS4-HMAC-SHA256 Credential=LTAIexample1',
      'OSS4-HMAC-SHA256 Credential=a/b/c,Signature=zz',
      'OSS4-HMAC-SHA256 Credential=LTAIexample1/20260719/cn-hangzhou/oss/aliyun_v4_request,Signature=' + 'g'.repeat(64),
      'OSS4-HMAC-SHA256 ,,,=,=',
      'OSS LTAIexample1:c2lnbmF0dXJl',
      'Bearer abc',
      '\u00ff\u00fe',
      'OSS4-HMAC-SHA256 Credential=' + 'x/'.repeat(5000) + ',Signature=' + 'a'.repeat(64),
    ];
    const request = vectorRequest(headerCase);
    for (const authorization of bad) {
      const answer = await send(server, 'PUT', request.path, { ...request.headers, authorization: Buffer.from(authorization, 'latin1').toString('latin1') });
      assert.ok(answer.status === 400 || answer.status === 403, `${authorization.slice(0, 60)} -> ${answer.status}`);
      assert.ok(xmlField(answer.body, 'Code'), `no Code for ${authorization.slice(0, 60)}`);
    }
    const missingDate = { ...request.headers };
    delete missingDate['x-oss-date'];
    const noDate = await send(server, 'PUT', request.path, missingDate);
    assert.equal(xmlField(noDate.body, 'Code'), 'AccessDenied');
    const good = await send(server, 'PUT', request.path, request.headers);
    assert.equal(good.status, 200, good.body);
  });
});

// --- Temporary credentials through a real client (ali-oss), not the vectors. ---

interface AliOssError extends Error {
  status?: number;
  code?: string;
}
interface AliOssClient {
  put(name: string, body: Buffer): Promise<{ res: { status: number } }>;
  putSymlink(name: string, target: string): Promise<{ res: { status: number } }>;
  getSymlink(name: string): Promise<{ targetName: string }>;
  signatureUrlV4(method: string, expires: number, request: object | undefined, objectName: string): Promise<string>;
}
type AliOssConstructor = new (options: Record<string, unknown>) => AliOssClient;
const AliOss = createRequire(import.meta.url)('ali-oss') as AliOssConstructor;

describe('STS credentials minted by the server', () => {
  const bucket = 'sts-bucket';
  let server: OssServer;
  const client = (sts: { accessKeyId: string; accessKeySecret: string; securityToken: string }, extra: Record<string, unknown> = {}) =>
    new AliOss({
      endpoint: server.url, region: 'cn-hangzhou', authorizationV4: true, bucket,
      accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, stsToken: sts.securityToken, ...extra,
    });

  before(async () => {
    server = await startServer({ buckets: [bucket], credentials: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }], stsEndpoint: true });
  });
  after(() => server.close());

  test('are accepted in headers and in presigned URLs, and expire', async () => {
    const sts = server.mintSts({ ttlSeconds: 60 });
    assert.match(sts.accessKeyId, /^STS\./);
    assert.ok(Math.abs(Date.parse(sts.expiration) - (Date.now() + 60_000)) < 5000);

    const oss = client(sts);
    assert.equal((await oss.put('data.txt', Buffer.from('hi'))).res.status, 200);
    assert.equal((await oss.putSymlink('link', 'data.txt')).res.status, 200);
    assert.equal((await oss.getSymlink('link')).targetName, 'data.txt');

    // Presigned URL: the token travels in the query and is signed.
    const url = await client(sts, { sldEnable: true }).signatureUrlV4('GET', 300, undefined, 'link');
    assert.match(url, /x-oss-security-token=/);
    const presigned = await fetch(url);
    assert.equal(presigned.status, 200);
    assert.equal(await presigned.text(), 'hi');

    const other = server.mintSts({ ttlSeconds: 60 });
    const mixed = await client({ ...sts, securityToken: other.securityToken }).put('x', Buffer.from('x')).catch((e: AliOssError) => e);
    assert.equal((mixed as AliOssError).code, 'InvalidSecurityToken');

    server.setFaults({ clockOffsetMs: 61_000 });
    const expired = await oss.put('late.txt', Buffer.from('x')).catch((e: AliOssError) => e);
    assert.equal((expired as AliOssError).status, 403);
    assert.equal((expired as AliOssError).code, 'SecurityTokenExpired');
    server.setFaults({});
  });

  test('POST /-/sts hands out working credentials with CORS to an allowed origin', async () => {
    server.allowStsOrigin('http://example.test');
    const res = await fetch(`${server.url}/-/sts`, { method: 'POST', headers: { Origin: 'http://example.test' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://example.test');
    const sts = (await res.json()) as { accessKeyId: string; accessKeySecret: string; securityToken: string; region: string };
    assert.equal(sts.region, 'cn-hangzhou');
    assert.equal((await client(sts).put('from-endpoint.txt', Buffer.from('ok'))).res.status, 200);
  });
});
