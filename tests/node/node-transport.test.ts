// createNodeFetch against loopback node:http servers started here: what goes on the wire, what
// comes back as a Response, aborts, resets, keep-alive reuse, and use as OssClient's fetch.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createNodeFetch } from '../../ts/node-transport.js';
import { OssClient, OssError } from '../../ts/node.js';
import { startCaptureServer, type CaptureServer } from './helpers/capture-server.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Remote port of the client socket: the same number means the same connection. */
  clientPort: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

let server: Server;
let base: string;
let handler: Handler;
const seen: Seen[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), clientPort: req.socket.remotePort ?? 0 };
      seen.push(s);
      handler(req, res, s);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));

/** Echoes the request as JSON; answers with the status and headers the test asks for. */
const echo: Handler = (_req, res, s) => {
  const body = JSON.stringify({ method: s.method, url: s.url, headers: s.headers, body: s.body.toString('base64') });
  res.writeHead(200, { 'content-type': 'application/json', 'x-echo': 'yes' });
  res.end(body);
};

test('methods, headers (pairs, record, Headers) and bodies round trip', async () => {
  handler = echo;
  const fetch = createNodeFetch();
  const cases: { init: RequestInit; method: string; body: Buffer; type?: string }[] = [
    { init: {}, method: 'GET', body: Buffer.alloc(0) },
    { init: { method: 'put', headers: [['X-Oss-Meta-A', '1'], ['x-oss-meta-a', '2'], ['Content-Type', 'application/octet-stream']], body: new Uint8Array([0, 1, 2, 255]) }, method: 'PUT', body: Buffer.from([0, 1, 2, 255]) },
    { init: { method: 'POST', headers: { 'X-Custom': 'v' }, body: 'héllo' }, method: 'POST', body: Buffer.from('héllo'), type: 'text/plain;charset=UTF-8' },
    { init: { method: 'PUT', headers: new Headers({ 'x-h': 'w' }), body: new Uint8Array([9, 8, 7]).buffer }, method: 'PUT', body: Buffer.from([9, 8, 7]) },
    { init: { method: 'PUT', body: new Blob(['blob body'], { type: 'text/x-blob' }) }, method: 'PUT', body: Buffer.from('blob body'), type: 'text/x-blob' },
    { init: { method: 'DELETE' }, method: 'DELETE', body: Buffer.alloc(0) },
    { init: { method: 'PUT' }, method: 'PUT', body: Buffer.alloc(0) },
  ];
  for (const c of cases) {
    const r = await fetch(`${base}/a%20b/c?symlink&x=1#frag`, c.init);
    assert.ok(r instanceof Response);
    assert.equal(r.status, 200);
    assert.equal(r.ok, true);
    assert.equal(r.headers.get('x-echo'), 'yes');
    assert.equal(r.url, `${base}/a%20b/c?symlink&x=1`);
    const got = await r.json() as { method: string; url: string; headers: Record<string, string>; body: string };
    assert.equal(got.method, c.method);
    assert.equal(got.url, '/a%20b/c?symlink&x=1');
    assert.deepEqual(Buffer.from(got.body, 'base64'), c.body);
    assert.equal(got.headers['content-type'], c.type ?? (c.init.headers && (c.init.headers as [string, string][])[2]?.[1]));
    if (c.method === 'PUT' || c.method === 'POST') assert.equal(got.headers['content-length'], String(c.body.length), c.method);
    assert.equal(got.headers['transfer-encoding'], undefined);
  }
  const last = seen.slice(-cases.length);
  assert.equal(last[1]!.headers['x-oss-meta-a'], '1, 2');
  assert.equal(last[2]!.headers['x-custom'], 'v');
  assert.equal(last[3]!.headers['x-h'], 'w');
});

test('status, status text, repeated headers and bodies come back as a standard Response', async () => {
  handler = (_req, res) => {
    res.writeHead(403, 'Forbidden Here', [['Content-Type', 'application/xml'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['x-oss-request-id', 'RID']]);
    res.end('<Error><Code>AccessDenied</Code></Error>');
  };
  const fetch = createNodeFetch();
  const r = await fetch(`${base}/err`, { method: 'GET' });
  assert.equal(r.status, 403);
  assert.equal(r.ok, false);
  assert.equal(r.statusText, 'Forbidden Here');
  assert.equal(r.headers.get('x-oss-request-id'), 'RID');
  assert.deepEqual(r.headers.getSetCookie(), ['a=1', 'b=2']);
  assert.equal(await r.text(), '<Error><Code>AccessDenied</Code></Error>');

  handler = (_req, res) => { res.writeHead(204, { etag: '"E"' }); res.end(); };
  const empty = await fetch(`${base}/empty`, { method: 'DELETE' });
  assert.equal(empty.status, 204);
  assert.equal(empty.body, null);
  assert.equal((await empty.arrayBuffer()).byteLength, 0);

  handler = (_req, res) => { res.writeHead(200, { 'content-length': '5', etag: '"H"' }); res.end(); };
  const head = await fetch(`${base}/head`, { method: 'HEAD' });
  assert.equal(head.headers.get('content-length'), '5');
  assert.equal(head.headers.get('etag'), '"H"');
  assert.equal(await head.text(), '');

  // A large body in many chunks.
  const big = Buffer.alloc(3 * 1024 * 1024, 7);
  handler = (_req, res) => { res.writeHead(200); res.write(big.subarray(0, 1000)); setImmediate(() => res.end(big.subarray(1000))); };
  const large = await fetch(`${base}/big`, {});
  assert.deepEqual(Buffer.from(await large.arrayBuffer()), big);
});

test('invalid input rejects with a TypeError and sends nothing', async () => {
  const fetch = createNodeFetch();
  const count = seen.length;
  await assert.rejects(fetch('ftp://127.0.0.1/x', {}), TypeError);
  await assert.rejects(fetch('not a url', {}), TypeError);
  await assert.rejects(fetch(`${base}/x`, { method: 'GET', body: 'no' }), TypeError);
  await assert.rejects(fetch(`${base}/x`, { headers: { 'bad name': 'v' } }), TypeError);
  await assert.rejects(fetch(`${base}/x`, { headers: { 'x-ok': 'line\nbreak' } }), TypeError);
  await assert.rejects(fetch(`${base}/x`, { method: 'TRACE' }), TypeError);
  assert.equal(seen.length, count);
  assert.throws(() => createNodeFetch({ maxSockets: 0 }), TypeError);
});

test('aborting in flight rejects with the signal reason and destroys the request', async () => {
  let closed!: Promise<void>;
  const arrived = new Promise<void>((resolveArrived) => {
    handler = (req, res) => {
      closed = new Promise<void>((resolve) => res.on('close', () => resolve()));
      resolveArrived();
      void req;
    };
  });
  const fetch = createNodeFetch();
  const controller = new AbortController();
  const pending = fetch(`${base}/slow`, { method: 'PUT', signal: controller.signal });
  await arrived;
  const reason = new Error('stop now');
  controller.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
  await closed; // the server saw the connection go away
  // An already aborted signal rejects at once with its reason (an AbortError by default).
  const done = new AbortController();
  done.abort();
  await assert.rejects(fetch(`${base}/x`, { signal: done.signal }), (e: Error) => e.name === 'AbortError');
  // Abort while the body is still arriving.
  const partial = new AbortController();
  handler = (_req, res) => { res.writeHead(200, { 'content-length': '100' }); res.write('x'.repeat(10)); setTimeout(() => partial.abort(), 20); };
  await assert.rejects(fetch(`${base}/partial`, { signal: partial.signal }), (e: Error) => e.name === 'AbortError');
});

test('a connection reset rejects with a TypeError whose cause has a code', async () => {
  const fetch = createNodeFetch();
  handler = (req) => { req.socket.resetAndDestroy(); };
  await assert.rejects(fetch(`${base}/reset`, { method: 'PUT' }), (e: Error & { cause?: { code?: string } }) => {
    assert.ok(e instanceof TypeError);
    assert.equal(e.cause?.code, 'ECONNRESET');
    return true;
  });
  // Cut after the headers: the body never completes.
  handler = (_req, res) => { res.writeHead(200, { 'content-length': '100' }); res.write('partial'); setTimeout(() => res.socket?.destroy(), 10); };
  await assert.rejects(fetch(`${base}/cut`, {}), (e: Error & { cause?: { code?: string } }) => e instanceof TypeError && typeof e.cause?.code === 'string');
  // Nobody listening.
  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); });
  });
  await assert.rejects(fetch(`http://127.0.0.1:${closedPort}/`, {}), (e: Error & { cause?: { code?: string } }) => e instanceof TypeError && e.cause?.code === 'ECONNREFUSED');
});

test('keep-alive: sequential requests reuse one socket; keepAlive false does not', async () => {
  handler = (_req, res) => { res.writeHead(200, { 'content-length': '2' }); res.end('ok'); };
  const fetch = createNodeFetch();
  const start = seen.length;
  for (let i = 0; i < 5; i++) assert.equal(await (await fetch(`${base}/ka/${i}`, { method: 'PUT' })).text(), 'ok');
  const ports = new Set(seen.slice(start).map((s) => s.clientPort));
  assert.equal(ports.size, 1, `ports: ${[...ports].join(',')}`);

  const noKeepAlive = createNodeFetch({ keepAlive: false });
  const start2 = seen.length;
  for (let i = 0; i < 3; i++) await (await noKeepAlive(`${base}/nka/${i}`, {})).text();
  assert.equal(new Set(seen.slice(start2).map((s) => s.clientPort)).size, 3);

  // maxSockets bounds the connections under concurrency.
  const limited = createNodeFetch({ maxSockets: 2 });
  const start3 = seen.length;
  await Promise.all(Array.from({ length: 20 }, (_, i) => limited(`${base}/lim/${i}`, {}).then((r) => r.text())));
  assert.ok(new Set(seen.slice(start3).map((s) => s.clientPort)).size <= 2);
});

let capture: CaptureServer;
before(async () => { capture = await startCaptureServer(); });
after(() => capture.close());

test('works as the fetch option of OssClient', async () => {
  capture.handler = (_req, res) => { res.writeHead(200, { etag: '"0A47"', 'x-oss-request-id': 'RID-1' }); res.end(); };
  const client = new OssClient({
    region: 'cn-hangzhou', bucket: 'examplebucket', endpoint: capture.url,
    credentials: { accessKeyId: 'LTAI-test', accessKeySecret: 'test-secret-value' },
    fetch: createNodeFetch(), retry: { baseDelayMs: 1 },
  });
  const r = await client.putSymlink('links/today.jpg', 'photos/原图 1.jpg', { meta: { a: 'b' } });
  assert.deepEqual(r, { status: 200, requestId: 'RID-1', etag: '"0A47"', attempts: 1 });
  const req = capture.requests.at(-1)!;
  assert.equal(req.method, 'PUT');
  assert.equal(req.url, '/examplebucket/links/today.jpg?symlink');
  assert.equal(req.headers['x-oss-symlink-target'], 'photos/%E5%8E%9F%E5%9B%BE%201.jpg');
  assert.equal(req.headers['content-length'], '0');
  assert.match(req.headers.authorization!, /^OSS4-HMAC-SHA256 Credential=LTAI-test\/\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/);

  // Errors are read from the body as with the global fetch.
  capture.handler = (_req, res) => {
    res.writeHead(409, { 'content-type': 'application/xml', 'x-oss-request-id': 'RID-2' });
    res.end('<?xml version="1.0"?><Error><Code>FileAlreadyExists</Code><Message>exists</Message><RequestId>RID-2</RequestId><HostId>h</HostId><EC>0026-00000002</EC></Error>');
  };
  await assert.rejects(client.putSymlink('k', 't', { forbidOverwrite: true }), (e: OssError) => e instanceof OssError && e.code === 'FileAlreadyExists' && e.status === 409);

  // A reset is a NetworkError, retried.
  let n = 0;
  capture.handler = (req, res) => {
    if (n++ === 0) return void (res.socket ?? (req as unknown as { socket: { destroy(): void } }).socket).destroy();
    res.writeHead(200, { etag: '"E2"', 'x-oss-request-id': 'RID-3' });
    res.end();
  };
  const retried = await client.putSymlink('k2', 't2');
  assert.equal(retried.attempts, 2);
  assert.equal(retried.requestId, 'RID-3');
});
