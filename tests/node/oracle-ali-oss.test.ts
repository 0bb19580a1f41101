// Oracle: ali-oss 6.23 (authorizationV4) against the local server. Given an IP endpoint, ali-oss
// sends `Host: <bucket>.oss-<region>.aliyuncs.com` and a path without the bucket, which the server
// reads as virtual-hosted addressing.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { startServer, type OssServer } from '../../server/index.js';

interface AliOssResult {
  res: { status: number; headers: Record<string, string> };
}
interface AliOssError extends Error {
  status?: number;
  code?: string;
}
interface AliOssClient {
  put(name: string, body: Buffer, options?: object): Promise<AliOssResult>;
  putSymlink(name: string, target: string, options?: object): Promise<AliOssResult>;
  getSymlink(name: string): Promise<AliOssResult & { targetName: string }>;
  get(name: string): Promise<AliOssResult & { content: Buffer }>;
  head(name: string): Promise<AliOssResult & { meta: Record<string, string> }>;
  signatureUrlV4(method: string, expires: number, request: object | undefined, objectName: string): Promise<string>;
}
const AliOss = createRequire(import.meta.url)('ali-oss') as new (options: Record<string, unknown>) => AliOssClient;

const bucket = 'oracle-ali';
const credentials = { accessKeyId: 'LTAIoracleAliOss', accessKeySecret: 'oracle-ali-secret' };
const target = 'dir/目标 😀+&=.txt';
let server: OssServer;

const client = (secret = credentials.accessKeySecret, extra: Record<string, unknown> = {}) =>
  new AliOss({
    endpoint: server.url, region: 'oss-cn-hangzhou', authorizationV4: true, bucket,
    accessKeyId: credentials.accessKeyId, accessKeySecret: secret, ...extra,
  });

before(async () => {
  server = await startServer({ buckets: [bucket], credentials: [credentials] });
});
after(() => server.close());

test('put, putSymlink, getSymlink and get through the link', async () => {
  const oss = client();
  assert.equal((await oss.put(target, Buffer.from('ali body'), { headers: { 'Content-Type': 'text/plain' } })).res.status, 200);
  const put = await oss.putSymlink('links/ali-链接', target, {
    meta: { origin: 'ali-oss' },
    headers: { 'x-oss-forbid-overwrite': 'true', 'x-oss-tagging': 'k1=v1&k2=v%202', 'x-oss-object-acl': 'private' },
    storageClass: 'Standard',
  });
  assert.equal(put.res.status, 200);
  assert.match(put.res.headers.etag ?? '', /^"[0-9A-F]{32}"$/);

  const link = await oss.getSymlink('links/ali-链接');
  assert.equal(link.targetName, target);
  assert.equal(link.res.headers['x-oss-meta-origin'], 'ali-oss');
  const through = await oss.get('links/ali-链接');
  assert.equal(through.content.toString(), 'ali body');
  assert.equal((await oss.head('links/ali-链接')).res.headers['x-oss-object-type'], 'Symlink');

  const again = await oss.putSymlink('links/ali-链接', target, { headers: { 'x-oss-forbid-overwrite': 'true' } }).catch((e: AliOssError) => e);
  assert.equal((again as AliOssError).code, 'FileAlreadyExists');

  // What ali-oss sent: V4 header signature, virtual-hosted Host.
  const sent = server.requests.find((r) => r.method === 'PUT' && r.url.includes('symlink'));
  assert.ok(sent);
  assert.equal(sent.headers.host, `${bucket}.oss-cn-hangzhou.aliyuncs.com`);
  assert.match(String(sent.headers.authorization), /^OSS4-HMAC-SHA256 Credential=LTAIoracleAliOss\//);

  // A presigned V4 URL (path style, so it can be fetched as is).
  const url = await client(credentials.accessKeySecret, { sldEnable: true }).signatureUrlV4('GET', 60, undefined, 'links/ali-链接');
  const presigned = await fetch(url);
  assert.equal(presigned.status, 200);
  assert.equal(await presigned.text(), 'ali body');
});

test('a wrong secret fails with SignatureDoesNotMatch', async () => {
  const bad = client('wrong-secret');
  const attempts: Array<Promise<unknown>> = [
    bad.put('wrong.txt', Buffer.from('x')),
    bad.putSymlink('wrong-link', target),
    bad.getSymlink('links/ali-链接'),
    bad.get('links/ali-链接'),
  ];
  for (const attempt of attempts) {
    const error = (await attempt.then(() => undefined, (e: AliOssError) => e)) as AliOssError | undefined;
    assert.ok(error, 'the call should have failed');
    assert.equal(error.status, 403);
    assert.equal(error.code, 'SignatureDoesNotMatch');
  }
});
