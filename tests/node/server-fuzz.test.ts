// The local server under a stream of hostile requests: random methods, paths, queries, header
// names and values, Authorization strings, bodies and raw bytes. It must answer each one that is
// HTTP at all with a status and an x-oss-request-id, never a 500 for bad input, and keep serving.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { OssClient } from '../../ts/node.js';
import { DEV_CREDENTIALS, startServer, type OssServer } from '../../server/index.js';
import { rng } from './helpers/rng.js';

let server: OssServer;
before(async () => { server = await startServer({ buckets: ['fuzz'], versioned: ['fuzzv'], maxBodyBytes: 4096 }); });
after(() => server.close());

const r = rng(20261127);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const junk = (max: number, alphabet = 'aZ09/%?&=;:,. -_~+*#@!$\'"()[]{}<>|\\^`中😀\u00e9') =>
  Array.from({ length: Math.floor(r() * max) }, () => pick([...alphabet])).join('');
/** Header values node:http will send: printable Latin-1. */
const hjunk = (max: number) => junk(max, 'aZ09/%?&=;:,. -_~+*#@!$\'"()[]{}<>|\\^`\u00e9\u00ff\t');

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> } | Error> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', (e) => resolve(e));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function authorization(): string {
  return pick([
    '',
    'OSS4-HMAC-SHA256',
    `OSS4-HMAC-SHA256 Credential=${DEV_CREDENTIALS.accessKeyId}/20261127/cn-hangzhou/oss/aliyun_v4_request,Signature=${'0'.repeat(64)}`,
    `OSS4-HMAC-SHA256 Credential=${hjunk(40)},AdditionalHeaders=${hjunk(20)},Signature=${hjunk(70)}`,
    `OSS ${hjunk(20)}:${hjunk(30)}`,
    hjunk(200),
    `OSS4-HMAC-SHA256 Credential=a/b/c/d/e/f/g/h,Signature=`,
    `OSS4-HMAC-SHA256 Credential=${DEV_CREDENTIALS.accessKeyId}/${hjunk(8)}/${hjunk(10)}/oss/aliyun_v4_request,AdditionalHeaders=,Signature=${'f'.repeat(64)}`,
  ]);
}

test('2,000 hostile requests: every one answered cleanly, and the server keeps serving', async () => {
  let answered = 0;
  let refusedByClient = 0;
  const statuses = new Map<number, number>();
  for (let i = 0; i < 2000; i++) {
    const method = pick(['GET', 'PUT', 'HEAD', 'DELETE', 'POST', 'OPTIONS', 'PATCH', 'PROPFIND']);
    const bucket = pick(['fuzz', 'fuzzv', 'missing', '', junk(8)]);
    const query = pick(['', '?symlink', '?symlink&versionId=' + junk(10), '?' + junk(30), '?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-date=' + junk(16) + '&x-oss-expires=' + junk(6) + '&x-oss-credential=' + junk(30) + '&x-oss-signature=' + junk(64), '?acl', '?tagging']);
    const path = '/' + encodeURI(bucket) + '/' + pick([encodeURIComponent(junk(30)), junk(20).replace(/[^\x21-\x7e]/g, '%FF'), '%', '%E4%B8', '..%2F..%2Fetc', '']) + query;
    const headers: Record<string, string> = {};
    if (r() < 0.8) headers.authorization = authorization();
    if (r() < 0.5) headers['x-oss-date'] = pick(['20261127T100000Z', hjunk(16), '']);
    if (r() < 0.5) headers['x-oss-symlink-target'] = pick([encodeURIComponent(junk(20)), hjunk(20), '%', '%FF%FE', '']);
    if (r() < 0.3) headers['x-oss-meta-' + pick(['a', 'b-c', '9'])] = hjunk(pick([10, 9000]));
    if (r() < 0.3) headers['x-oss-tagging'] = hjunk(300);
    if (r() < 0.2) headers['x-oss-storage-class'] = hjunk(10);
    if (r() < 0.2) headers['x-oss-security-token'] = hjunk(50);
    if (r() < 0.2) headers.host = pick([`fuzz.localhost:${server.port}`, `${hjunk(10)}.localhost`, hjunk(20)]);
    const body = method === 'PUT' || method === 'POST' ? pick([undefined, junk(100), 'x'.repeat(5000), '<Tagging><TagSet><Tag>' + junk(20)]) : undefined;
    let res: Awaited<ReturnType<typeof send>>;
    try {
      res = await send(method, path, headers, body);
    } catch {
      refusedByClient++; // node:http itself refused to send it (illegal characters)
      continue;
    }
    if (res instanceof Error) {
      if (/Invalid character|ERR_INVALID|ERR_UNESCAPED/.test(`${res.message} ${(res as { code?: string }).code}`)) {
        refusedByClient++;
        continue;
      }
      // A HEAD the server could not even parse gets its 400 with a body (it cannot know the
      // method), which node:http's client rejects; the server still answered.
      if (method === 'HEAD' && /Parse Error/.test(res.message)) {
        answered++;
        continue;
      }
      assert.fail(`request ${i} (${method} ${path}) failed: ${res.message}`);
    }
    answered++;
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status >= 200 && res.status < 600, `status ${res.status}`);
    assert.notEqual(res.status, 500, `bad input answered 500: ${method} ${path} ${JSON.stringify(headers).slice(0, 300)}`);
    assert.ok(res.headers["x-oss-request-id"] || res.status === 204 || method === "OPTIONS", `no request id for ${method} ${path}: ${res.status} ${JSON.stringify(res.headers)}`);
  }
  assert.ok(answered > 1200, `answered ${answered}, refused by the client ${refusedByClient}`);
  assert.ok(statuses.size >= 4, `a variety of answers: ${JSON.stringify([...statuses])}`);

  // Raw garbage on sockets.
  for (let i = 0; i < 50; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.end(Buffer.from(Array.from({ length: Math.floor(r() * 2000) }, () => Math.floor(r() * 256))));
      });
      socket.on('data', () => {});
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.setTimeout(2000, () => socket.destroy());
    });
  }

  // Still serving, and still correct.
  const client = new OssClient({ region: server.region, bucket: 'fuzz', endpoint: server.url, credentials: DEV_CREDENTIALS });
  await client.putSymlink('after/fuzz', 'target');
  assert.equal((await client.getSymlink('after/fuzz')).target, 'target');
});
