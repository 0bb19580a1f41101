// Operations, errors, CORS, faults, persistence and robustness of the local OSS server.
// Requests are signed by ali-oss's own V4 code, so server bugs cannot cancel out.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer, type OssServer, type ServerOptions } from '../../server/index.js';

const AK = 'test-ak';
const SK = 'test-sk';
const REGION = 'cn-hangzhou';

type AliSign = (
  accessKeyId: string, secret: string, region: string, method: string,
  request: { headers: Record<string, string>; queries: Record<string, string | null> },
  bucket: string | undefined, object: string, additionalHeaders: string[],
) => string;
const signUtils = createRequire(import.meta.url)('ali-oss/lib/common/signUtils.js') as { authorizationV4: AliSign };

function strictEncode(text: string, keepSlash = false): string {
  const encoded = encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

interface RequestSpec {
  query?: Record<string, string | null>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** false sends the request unsigned (anonymous). */
  sign?: boolean;
  host?: string;
}

function rawRequest(port: number, method: string, requestPath: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: requestPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text: all.toString() });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function ossDate(now = Date.now()): string {
  return new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Sends an OSS request (path style), V4-signed by ali-oss unless `sign` is false. */
function oss(server: OssServer, method: string, bucket: string, key: string, spec: RequestSpec = {}): Promise<Answer> {
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = value;
  const query = spec.query ?? {};
  if (spec.sign !== false) {
    headers['x-oss-date'] = ossDate();
    headers['x-oss-content-sha256'] = 'UNSIGNED-PAYLOAD';
    headers.authorization = signUtils.authorizationV4(AK, SK, REGION, method, { headers, queries: query }, bucket, key, []);
  }
  if (body) headers['content-length'] = String(body.length);
  if (spec.host) headers.host = spec.host;
  const search = Object.entries(query).map(([n, v]) => (v === null ? strictEncode(n) : `${strictEncode(n)}=${strictEncode(v)}`)).join('&');
  const requestPath = (spec.host ? '/' : `/${bucket}/`) + strictEncode(key, true) + (search ? `?${search}` : '');
  return rawRequest(server.port, method, requestPath, headers, body);
}

function xmlField(text: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text)?.[1];
}

function assertError(answer: Answer, status: number, code: string, ec?: string): void {
  const xml = answer.text || Buffer.from(String(answer.headers['x-oss-err'] ?? ''), 'base64').toString();
  assert.equal(answer.status, status, xml);
  assert.equal(xmlField(xml, 'Code'), code, xml);
  assert.ok(answer.headers['x-oss-ec'], 'x-oss-ec header');
  assert.equal(xmlField(xml, 'EC'), answer.headers['x-oss-ec']);
  if (ec) assert.equal(answer.headers['x-oss-ec'], ec);
}

const symlinkHeaders = (target: string, extra: Record<string, string> = {}) => ({ 'x-oss-symlink-target': strictEncode(target, true), ...extra });

const baseOptions: ServerOptions = {
  buckets: ['plain', 'public-bucket'],
  versioned: ['vers'],
  immutable: [{ bucket: 'plain', prefix: 'locked/' }],
  credentials: [{ accessKeyId: AK, accessKeySecret: SK }],
};


/** Starts a server for the enclosing describe block and closes it afterwards. */
function useServer(options: ServerOptions): () => OssServer {
  let server: OssServer | undefined;
  before(async () => {
    server = await startServer(options);
  });
  after(() => server?.close());
  return () => server!;
}

describe('object and symlink operations', () => {
  const current = useServer(baseOptions);
  let server: OssServer;
  before(() => {
    server = current();
  });

  test('PutObject / GetObject / HeadObject keep body, type, meta and OSS headers', async () => {
    const put = await oss(server, 'PUT', 'plain', 'docs/a.txt', {
      body: '123456789', headers: { 'content-type': 'text/plain', 'x-oss-meta-owner': 'me', 'cache-control': 'no-cache' },
    });
    assert.equal(put.status, 200, put.text);
    const md5 = createHash('md5').update('123456789').digest('hex').toUpperCase();
    assert.equal(put.headers.etag, `"${md5}"`);
    assert.equal(put.headers['x-oss-hash-crc64ecma'], '11051210869376104954'); // CRC-64/XZ check value
    assert.match(String(put.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
    assert.equal(put.headers['x-oss-version-id'], undefined);

    const get = await oss(server, 'GET', 'plain', 'docs/a.txt');
    assert.equal(get.status, 200);
    assert.equal(get.text, '123456789');
    assert.equal(get.headers['content-type'], 'text/plain');
    assert.equal(get.headers['x-oss-meta-owner'], 'me');
    assert.equal(get.headers['cache-control'], 'no-cache');
    assert.equal(get.headers['x-oss-object-type'], 'Normal');
    assert.ok(!Number.isNaN(Date.parse(String(get.headers['last-modified']))));
    assert.ok(get.headers.date);

    const head = await oss(server, 'HEAD', 'plain', 'docs/a.txt');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '9');
    assert.equal(head.body.length, 0);

    const range = await oss(server, 'GET', 'plain', 'docs/a.txt', { headers: { range: 'bytes=2-4' } });
    assert.equal(range.status, 206);
    assert.equal(range.text, '345');

    const badMd5 = await oss(server, 'PUT', 'plain', 'docs/b.txt', { body: 'x', headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' } });
    assertError(badMd5, 400, 'InvalidDigest');
  });

  test('PutSymlink / GetSymlink round-trip a Chinese and emoji target, encoded like a key', async () => {
    const target = '目录/文件 😀+%&=.txt';
    await oss(server, 'PUT', 'plain', target, { body: 'target body', headers: { 'content-type': 'text/x-target' } });
    const put = await oss(server, 'PUT', 'plain', 'links/中文😀', {
      query: { symlink: null }, headers: symlinkHeaders(target, { 'x-oss-meta-purpose': 'alias' }),
    });
    assert.equal(put.status, 200, put.text);
    assert.match(String(put.headers.etag), /^"[0-9A-F]{32}"$/);

    const get = await oss(server, 'GET', 'plain', 'links/中文😀', { query: { symlink: null } });
    assert.equal(get.status, 200, get.text);
    assert.equal(get.headers['x-oss-symlink-target'], strictEncode(target, true));
    assert.equal(decodeURIComponent(String(get.headers['x-oss-symlink-target'])), target);
    assert.equal(get.headers.etag, put.headers.etag);
    assert.equal(get.headers['x-oss-meta-purpose'], 'alias');
    assert.ok(get.headers['last-modified']);

    const through = await oss(server, 'GET', 'plain', 'links/中文😀');
    assert.equal(through.status, 200);
    assert.equal(through.text, 'target body');
    assert.equal(through.headers['content-type'], 'text/x-target');
    assert.equal(through.headers['x-oss-object-type'], 'Symlink');
    const head = await oss(server, 'HEAD', 'plain', 'links/中文😀');
    assert.equal(head.headers['content-length'], String('target body'.length));
  });

  test('links follow one level only; missing targets and non-links answer like OSS', async () => {
    await oss(server, 'PUT', 'plain', 'dangling', { query: { symlink: null }, headers: symlinkHeaders('no/such/object') });
    assertError(await oss(server, 'GET', 'plain', 'dangling'), 404, 'NoSuchKey', '0026-00000012');
    const head = await oss(server, 'HEAD', 'plain', 'dangling');
    assert.equal(head.body.length, 0);
    assertError(head, 404, 'NoSuchKey', '0026-00000012');

    await oss(server, 'PUT', 'plain', 'data', { body: 'd' });
    await oss(server, 'PUT', 'plain', 'hop1', { query: { symlink: null }, headers: symlinkHeaders('data') });
    await oss(server, 'PUT', 'plain', 'hop2', { query: { symlink: null }, headers: symlinkHeaders('hop1') });
    assert.equal((await oss(server, 'GET', 'plain', 'hop1')).text, 'd');
    assertError(await oss(server, 'GET', 'plain', 'hop2'), 400, 'InvalidTargetType');

    assertError(await oss(server, 'GET', 'plain', 'data', { query: { symlink: null } }), 400, 'NotSymlink', '0043-00000101');
    assertError(await oss(server, 'GET', 'plain', 'nothing-here', { query: { symlink: null } }), 404, 'NoSuchKey');
    assertError(await oss(server, 'GET', 'plain', 'nothing-here'), 404, 'NoSuchKey');
    assertError(await oss(server, 'GET', 'no-such-bucket', 'x'), 404, 'NoSuchBucket');
  });

  test('PutSymlink validates every header of the PutSymlink page', async () => {
    const link = (key: string, headers: Record<string, string>) => oss(server, 'PUT', 'plain', key, { query: { symlink: null }, headers });
    assertError(await link('v/no-target', {}), 400, 'MissingArgument');
    assertError(await link('v/bad-encoding', { 'x-oss-symlink-target': '%E4%B8' }), 400, 'InvalidArgument');

    for (const acl of ['default', 'private', 'public-read', 'public-read-write']) {
      assert.equal((await link(`v/acl-${acl}`, symlinkHeaders('data', { 'x-oss-object-acl': acl }))).status, 200, acl);
    }
    assertError(await link('v/acl-bad', symlinkHeaders('data', { 'x-oss-object-acl': 'public' })), 400, 'InvalidArgument');

    for (const storageClass of ['Standard', 'IA', 'Archive']) {
      assert.equal((await link(`v/sc-${storageClass}`, symlinkHeaders('data', { 'x-oss-storage-class': storageClass }))).status, 200);
    }
    assertError(await link('v/sc-bad', symlinkHeaders('data', { 'x-oss-storage-class': 'Gold' })), 400, 'InvalidArgument');
    assertError(await link('v/fo-bad', symlinkHeaders('data', { 'x-oss-forbid-overwrite': 'maybe' })), 400, 'InvalidArgument');

    // User metadata: names and values together at most 8 KB.
    const name = 'x-oss-meta-big';
    const fits = 'a'.repeat(8192 - name.length);
    assert.equal((await link('v/meta-fits', symlinkHeaders('data', { [name]: fits }))).status, 200);
    assertError(await link('v/meta-big', symlinkHeaders('data', { [name]: fits + 'a' })), 400, 'InvalidArgument', '0011-00000002');
    assertError(await link('v/meta-name', symlinkHeaders('data', { 'x-oss-meta-bad_name': 'x' })), 400, 'InvalidArgument');

    // Tags: query-string form, at most 10, key <= 128, value <= 256.
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v${i}`).join('&');
    assert.equal((await link('v/tags-10', symlinkHeaders('data', { 'x-oss-tagging': tags(10) }))).status, 200);
    assertError(await link('v/tags-11', symlinkHeaders('data', { 'x-oss-tagging': tags(11) })), 400, 'InvalidTag');
    assert.equal((await link('v/tag-len', symlinkHeaders('data', { 'x-oss-tagging': `${'k'.repeat(128)}=${'v'.repeat(256)}` }))).status, 200);
    assertError(await link('v/tag-key', symlinkHeaders('data', { 'x-oss-tagging': `${'k'.repeat(129)}=v` })), 400, 'InvalidTag');
    assertError(await link('v/tag-value', symlinkHeaders('data', { 'x-oss-tagging': `k=${'v'.repeat(257)}` })), 400, 'InvalidTag');
    assertError(await link('v/tag-form', symlinkHeaders('data', { 'x-oss-tagging': 'a=b=c' })), 400, 'InvalidTag');
    assertError(await link('v/tag-dup', symlinkHeaders('data', { 'x-oss-tagging': 'a=1&a=2' })), 400, 'InvalidTag');
    await oss(server, 'PUT', 'plain', 'tagged', { body: 't', headers: { 'x-oss-tagging': 'k1=v1&k2=v%202' } });
    assert.equal((await oss(server, 'HEAD', 'plain', 'tagged')).headers['x-oss-tagging-count'], '2');
  });

  test('x-oss-forbid-overwrite refuses existing keys unless the bucket is versioned', async () => {
    await oss(server, 'PUT', 'plain', 'fo/existing', { body: 'original' });
    const refused = await oss(server, 'PUT', 'plain', 'fo/existing', {
      query: { symlink: null }, headers: symlinkHeaders('x', { 'x-oss-forbid-overwrite': 'true' }),
    });
    assertError(refused, 409, 'FileAlreadyExists');
    assert.equal((await oss(server, 'GET', 'plain', 'fo/existing')).text, 'original');
    const newKey = await oss(server, 'PUT', 'plain', 'fo/new', { query: { symlink: null }, headers: symlinkHeaders('x', { 'x-oss-forbid-overwrite': 'true' }) });
    assert.equal(newKey.status, 200);
    const overwrite = await oss(server, 'PUT', 'plain', 'fo/existing', { query: { symlink: null }, headers: symlinkHeaders('fo/new', { 'x-oss-forbid-overwrite': 'false' }) });
    assert.equal(overwrite.status, 200);

    await oss(server, 'PUT', 'vers', 'fo/existing', { body: 'v1' });
    const versioned = await oss(server, 'PUT', 'vers', 'fo/existing', {
      query: { symlink: null }, headers: symlinkHeaders('x', { 'x-oss-forbid-overwrite': 'true' }),
    });
    assert.equal(versioned.status, 200, versioned.text);
    assert.ok(versioned.headers['x-oss-version-id']);
  });

  test('retention: keys under an immutable prefix cannot be overwritten or deleted', async () => {
    assert.equal((await oss(server, 'PUT', 'plain', 'locked/a', { body: 'keep' })).status, 200);
    assertError(await oss(server, 'PUT', 'plain', 'locked/a', { body: 'change' }), 409, 'FileImmutable');
    assertError(await oss(server, 'PUT', 'plain', 'locked/a', { query: { symlink: null }, headers: symlinkHeaders('x') }), 409, 'FileImmutable');
    assertError(await oss(server, 'DELETE', 'plain', 'locked/a'), 409, 'FileImmutable');
    assert.equal((await oss(server, 'GET', 'plain', 'locked/a')).text, 'keep');
    assert.equal((await oss(server, 'PUT', 'plain', 'locked/b', { query: { symlink: null }, headers: symlinkHeaders('locked/a') })).status, 200);
  });

  test('versioning: version ids, delete markers, GetSymlink by versionId', async () => {
    const v1 = await oss(server, 'PUT', 'vers', 'ver/link', { query: { symlink: null }, headers: symlinkHeaders('first') });
    const v2 = await oss(server, 'PUT', 'vers', 'ver/link', { query: { symlink: null }, headers: symlinkHeaders('second') });
    const id1 = String(v1.headers['x-oss-version-id']);
    const id2 = String(v2.headers['x-oss-version-id']);
    assert.ok(id1 && id2 && id1 !== id2);
    const old = await oss(server, 'GET', 'vers', 'ver/link', { query: { symlink: null, versionId: id1 } });
    assert.equal(old.headers['x-oss-symlink-target'], 'first');
    assert.equal(old.headers['x-oss-version-id'], id1);
    assert.equal((await oss(server, 'GET', 'vers', 'ver/link', { query: { symlink: null } })).headers['x-oss-symlink-target'], 'second');
    assertError(await oss(server, 'GET', 'vers', 'ver/link', { query: { symlink: null, versionId: 'CAEQnope' } }), 404, 'NoSuchVersion');

    const del = await oss(server, 'DELETE', 'vers', 'ver/link');
    assert.equal(del.status, 204);
    assert.equal(del.headers['x-oss-delete-marker'], 'true');
    const markerId = String(del.headers['x-oss-version-id']);
    assert.ok(markerId && markerId !== id2);
    const gone = await oss(server, 'GET', 'vers', 'ver/link', { query: { symlink: null } });
    assertError(gone, 404, 'NoSuchKey');
    assert.equal(gone.headers['x-oss-delete-marker'], 'true');
    const headGone = await oss(server, 'HEAD', 'vers', 'ver/link');
    assert.equal(headGone.headers['x-oss-delete-marker'], 'true');

    const undelete = await oss(server, 'DELETE', 'vers', 'ver/link', { query: { versionId: markerId } });
    assert.equal(undelete.status, 204);
    assert.equal(undelete.headers['x-oss-delete-marker'], 'true');
    assert.equal((await oss(server, 'GET', 'vers', 'ver/link', { query: { symlink: null } })).headers['x-oss-symlink-target'], 'second');

    await oss(server, 'PUT', 'plain', 'del/me', { body: 'x' });
    const plainDelete = await oss(server, 'DELETE', 'plain', 'del/me');
    assert.equal(plainDelete.status, 204);
    assert.equal(plainDelete.headers['x-oss-delete-marker'], undefined);
    assertError(await oss(server, 'GET', 'plain', 'del/me'), 404, 'NoSuchKey');
  });

  test('object ACLs decide anonymous reads, through links too', async () => {
    await oss(server, 'PUT', 'plain', 'acl/public', { body: 'pub', headers: { 'x-oss-object-acl': 'public-read' } });
    await oss(server, 'PUT', 'plain', 'acl/private', { body: 'priv' });
    await oss(server, 'PUT', 'plain', 'acl/link-public', { query: { symlink: null }, headers: symlinkHeaders('acl/public', { 'x-oss-object-acl': 'public-read' }) });
    await oss(server, 'PUT', 'plain', 'acl/link-private', { query: { symlink: null }, headers: symlinkHeaders('acl/private', { 'x-oss-object-acl': 'public-read-write' }) });
    const anonymous = (key: string, method = 'GET') => oss(server, method, 'plain', key, { sign: false });
    assert.equal((await anonymous('acl/public')).text, 'pub');
    assert.equal((await anonymous('acl/link-public')).text, 'pub');
    assertError(await anonymous('acl/private'), 403, 'AccessDenied');
    assertError(await anonymous('acl/link-private'), 403, 'AccessDenied');
    assertError(await anonymous('acl/missing'), 403, 'AccessDenied');
    assertError(await anonymous('acl/public', 'PUT'), 403, 'AccessDenied');
    assertError(await anonymous('acl/public', 'DELETE'), 403, 'AccessDenied');
  });

  test('virtual-hosted addressing signs /bucket/key like path style', async () => {
    const answer = await oss(server, 'PUT', 'plain', 'vh/key 1', { body: 'vh', host: `plain.localhost:${server.port}` });
    assert.equal(answer.status, 200, answer.text);
    assert.equal((await oss(server, 'GET', 'plain', 'vh/key 1')).text, 'vh');
    const aliyunHost = await oss(server, 'GET', 'plain', 'vh/key 1', { host: 'plain.oss-cn-hangzhou.aliyuncs.com' });
    assert.equal(aliyunHost.text, 'vh');
  });

  test('unsupported operations answer 501 NotImplemented XML; buckets can be created', async () => {
    assertError(await oss(server, 'GET', 'plain', 'data', { query: { acl: null } }), 501, 'NotImplemented');
    assertError(await oss(server, 'POST', 'plain', 'data'), 501, 'NotImplemented');
    assertError(await oss(server, 'GET', 'plain', ''), 501, 'NotImplemented');
    assert.equal((await oss(server, 'PUT', 'made-at-runtime', '')).status, 200);
    assert.equal((await oss(server, 'PUT', 'made-at-runtime', 'k', { body: 'x' })).status, 200);
    assertError(await oss(server, 'PUT', 'Bad_Name', ''), 400, 'InvalidBucketName');
  });

  test('CORS: preflights are answered and every answer, errors included, carries CORS headers', async () => {
    const origin = 'http://app.example';
    const preflight = await rawRequest(server.port, 'OPTIONS', '/plain/links/x?symlink', {
      origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,x-oss-date,x-oss-symlink-target',
    });
    assert.equal(preflight.status, 200);
    assert.equal(preflight.headers['access-control-allow-origin'], origin);
    assert.match(String(preflight.headers['access-control-allow-methods']), /PUT/);
    assert.equal(preflight.headers['access-control-allow-headers'], 'authorization,x-oss-date,x-oss-symlink-target');
    assert.ok(Number(preflight.headers['access-control-max-age']) > 0);

    const error = await oss(server, 'GET', 'plain', 'cors-missing', { headers: { origin } });
    assert.equal(error.status, 404);
    assert.equal(error.headers['access-control-allow-origin'], origin);
    const exposed = String(error.headers['access-control-expose-headers']).split(/,\s*/);
    for (const name of ['ETag', 'x-oss-request-id', 'x-oss-version-id', 'x-oss-ec', 'x-oss-symlink-target', 'Last-Modified', 'x-oss-delete-marker', 'Date']) {
      assert.ok(exposed.includes(name), `${name} exposed`);
    }
    const withMeta = await oss(server, 'GET', 'plain', 'docs/a.txt', { headers: { origin } });
    assert.ok(String(withMeta.headers['access-control-expose-headers']).split(/,\s*/).includes('x-oss-meta-owner'));

    const noCors = await startServer({ ...baseOptions, cors: false });
    try {
      const refused = await rawRequest(noCors.port, 'OPTIONS', '/plain/x', { origin, 'access-control-request-method': 'PUT' });
      assert.equal(refused.status, 403);
      assert.equal(refused.headers['access-control-allow-origin'], undefined);
    } finally {
      await noCors.close();
    }
  });

  test('records recent requests and counts them', async () => {
    server.clearRequests();
    const before = server.stats.requests;
    await oss(server, 'GET', 'plain', 'docs/a.txt', { headers: { 'x-test-marker': 'yes' } });
    assert.equal(server.stats.requests, before + 1);
    const [entry] = server.requests;
    assert.equal(entry?.method, 'GET');
    assert.equal(entry?.url, '/plain/docs/a.txt');
    assert.equal(entry?.headers['x-test-marker'], 'yes');
    assert.equal(entry?.status, 200);
  });
});

describe('fault injection', () => {
  const current = useServer(baseOptions);
  let server: OssServer;
  before(() => {
    server = current();
  });

  test('error answers come before the write and are counted', async () => {
    server.setFaults({ errorRate: 1 });
    const answer = await oss(server, 'PUT', 'plain', 'f/error', { body: 'x' });
    assert.ok(answer.status === 500 || answer.status === 503, String(answer.status));
    assert.ok(['InternalError', 'ServiceUnavailable'].includes(xmlField(answer.text, 'Code') ?? ''));
    // OPTIONS is never faulted.
    assert.equal((await rawRequest(server.port, 'OPTIONS', '/plain/x', { origin: 'http://a' })).status, 200);
    server.setFaults({});
    assertError(await oss(server, 'GET', 'plain', 'f/error'), 404, 'NoSuchKey');
    assert.equal(server.stats.faults.error, 1);
  });

  test('dropped connections get no answer and apply nothing', async () => {
    server.setFaults({ dropRate: 1 });
    await assert.rejects(oss(server, 'PUT', 'plain', 'f/drop', { body: 'x' }), /socket hang up|ECONNRESET/);
    server.setFaults({});
    assertError(await oss(server, 'GET', 'plain', 'f/drop'), 404, 'NoSuchKey');
    assert.equal(server.stats.faults.drop, 1);
  });

  test('lost answers apply the write, then cut the connection', async () => {
    server.setFaults({ lostAnswerRate: 1 });
    await assert.rejects(oss(server, 'PUT', 'plain', 'f/lost', { query: { symlink: null }, headers: symlinkHeaders('target') }), /socket hang up|ECONNRESET/);
    server.setFaults({});
    assert.equal((await oss(server, 'GET', 'plain', 'f/lost', { query: { symlink: null } })).headers['x-oss-symlink-target'], 'target');
    assert.equal(server.stats.faults.lostAnswer, 1);
  });

  test('latency and clock offset', async () => {
    server.setFaults({ latencyMs: 60, clockOffsetMs: 3_600_000 });
    const started = Date.now();
    const answer = await rawRequest(server.port, 'GET', '/plain/none', {});
    assert.ok(Date.now() - started >= 55, `took ${Date.now() - started}ms`);
    assert.ok(Math.abs(Date.parse(String(answer.headers.date)) - (Date.now() + 3_600_000)) < 5000);
    // An hour of offset makes correctly signed requests too skewed.
    assertError(await oss(server, 'GET', 'plain', 'x'), 403, 'RequestTimeTooSkewed');
    server.setFaults({});
    assert.ok(server.stats.faults.latency >= 1);
  });

  test('a seed makes the fault sequence repeatable', async () => {
    const run = async () => {
      server.setFaults({ errorRate: 0.5, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await rawRequest(server.port, 'GET', '/plain/none', {})).status);
      server.setFaults({});
      return statuses;
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    assert.ok(first.some((s) => s >= 500) && first.some((s) => s < 500), first.join(','));
  });
});

describe('robustness', () => {
  const current = useServer({ ...baseOptions, maxBodyBytes: 1024 });
  let server: OssServer;
  before(() => {
    server = current();
  });

  const rawSocket = (payload: string | Buffer, destroyAfterWrite = false): Promise<string> =>
    new Promise((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(payload);
        if (destroyAfterWrite) socket.destroy();
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
      socket.setTimeout(2000, () => socket.destroy());
    });

  test('bad input never crashes the server', async () => {
    assertError(await rawRequest(server.port, 'GET', '/plain/%E4%B8', {}), 400, 'InvalidArgument');
    assertError(await oss(server, 'PUT', 'plain', 'big', { body: Buffer.alloc(2048) }), 400, 'EntityTooLarge');
    const huge = await rawRequest(server.port, 'GET', '/plain/x', { 'x-oss-meta-huge': 'a'.repeat(80 * 1024) }).catch((e: Error) => e);
    if (!(huge instanceof Error)) assert.equal(huge.status, 431);
    assert.match(await rawSocket('HELLO WORLD\r\n\r\n'), /^HTTP\/1\.1 400/);
    // A body cut short: the client promises 100 bytes, sends 10 and goes away.
    await rawSocket(`PUT /plain/truncated HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789`, true);
    await rawSocket(`PUT /plain/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`);
    const after = await oss(server, 'PUT', 'plain', 'still-alive', { body: 'yes' });
    assert.equal(after.status, 200);
    assertError(await oss(server, 'GET', 'plain', 'truncated'), 404, 'NoSuchKey');
  });
});

describe('persistence with dataDir', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'oss-server-data-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('buckets, versions, symlinks, objects and delete markers survive a restart', async () => {
    const first = await startServer({ ...baseOptions, dataDir });
    let v1: string | string[] | undefined;
    let marker: string | string[] | undefined;
    try {
      await oss(first, 'PUT', 'plain', 'p/obj', { body: 'persisted', headers: { 'content-type': 'text/plain', 'x-oss-meta-a': 'b' } });
      await oss(first, 'PUT', 'plain', 'p/obj', { body: 'persisted v2', headers: { 'content-type': 'text/plain' } });
      await oss(first, 'PUT', 'plain', 'p/link', { query: { symlink: null }, headers: symlinkHeaders('p/obj') });
      v1 = (await oss(first, 'PUT', 'vers', 'p/v', { body: 'one' })).headers['x-oss-version-id'];
      await oss(first, 'PUT', 'vers', 'p/v', { body: 'two' });
      marker = (await oss(first, 'DELETE', 'vers', 'p/v')).headers['x-oss-version-id'];
      await oss(first, 'PUT', 'plain', 'p/deleted', { body: 'x' });
      await oss(first, 'DELETE', 'plain', 'p/deleted');
      assert.equal((await oss(first, 'PUT', 'created-later', '')).status, 200);
    } finally {
      await first.close();
    }
    // A torn last record, as a crash mid-append would leave: it claims 200 bytes and has 30.
    const torn = Buffer.alloc(30, 7);
    torn.writeUInt32LE(200, 0);
    appendFileSync(path.join(dataDir, 'store.log'), torn);

    const second = await startServer({ credentials: baseOptions.credentials, immutable: baseOptions.immutable, dataDir });
    try {
      const obj = await oss(second, 'GET', 'plain', 'p/obj');
      assert.equal(obj.text, 'persisted v2');
      assert.equal(obj.headers['content-type'], 'text/plain');
      assert.equal((await oss(second, 'GET', 'plain', 'p/link')).text, 'persisted v2');
      assert.equal((await oss(second, 'GET', 'plain', 'p/link', { query: { symlink: null } })).headers['x-oss-symlink-target'], 'p/obj');
      const deleted = await oss(second, 'GET', 'vers', 'p/v');
      assert.equal(deleted.headers['x-oss-delete-marker'], 'true');
      assert.equal(deleted.headers['x-oss-version-id'], marker);
      assert.equal((await oss(second, 'GET', 'vers', 'p/v', { query: { versionId: String(v1) } })).text, 'one');
      const newVersion = await oss(second, 'PUT', 'vers', 'p/v', { body: 'three' });
      assert.ok(newVersion.headers['x-oss-version-id'], 'still versioned after restart');
      assertError(await oss(second, 'GET', 'plain', 'p/deleted'), 404, 'NoSuchKey');
      assertError(await oss(second, 'GET', 'plain', 'torn'), 404, 'NoSuchKey');
      assert.equal((await oss(second, 'PUT', 'created-later', 'k', { body: 'x' })).status, 200);
    } finally {
      await second.close();
    }
  });

  test('an acknowledged write survives kill -9 of the serve command', async () => {
    const crashDir = mkdtempSync(path.join(os.tmpdir(), 'oss-server-crash-'));
    const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/main.js');
    const child = spawn(process.execPath, [main, '--port', '0', '--data', crashDir, '--bucket', 'plain'], {
      env: { ...process.env, OSS_ACCESS_KEY_ID: AK, OSS_ACCESS_KEY_SECRET: SK },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error(`serve exited early: ${out}`)));
      });
      const remote = { port } as OssServer;
      const acknowledged: string[] = [];
      for (let i = 0; i < 20; i++) {
        const answer = await oss(remote, 'PUT', 'plain', `crash/link-${i}`, { query: { symlink: null }, headers: symlinkHeaders(`target-${i}`) });
        assert.equal(answer.status, 200, answer.text);
        acknowledged.push(`crash/link-${i}`);
      }
      await oss(remote, 'PUT', 'plain', 'crash/object', { body: 'durable body' });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const restarted = await startServer({ credentials: baseOptions.credentials, dataDir: crashDir });
      try {
        for (const [i, key] of acknowledged.entries()) {
          assert.equal((await oss(restarted, 'GET', 'plain', key, { query: { symlink: null } })).headers['x-oss-symlink-target'], `target-${i}`);
        }
        assert.equal((await oss(restarted, 'GET', 'plain', 'crash/object')).text, 'durable body');
      } finally {
        await restarted.close();
      }
    } finally {
      child.kill('SIGKILL');
      rmSync(crashDir, { recursive: true, force: true });
    }
  });
});
