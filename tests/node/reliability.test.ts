// Production behaviour of OssClient against a scripted loopback server: retries and backoff,
// clock-skew correction, credential refresh (single flight), abort, timeouts and lost answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OssClient, OssError, type Credentials, type RetryInfo } from '../../ts/node.js';
import { ok, startCaptureServer, xmlError, type CaptureServer } from './helpers/capture-server.js';

const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk' };
let server: CaptureServer;
before(async () => { server = await startCaptureServer(); });
after(() => server.close());

/** `20261127T100000Z` → milliseconds. */
function parseStamp(s: string): number {
  return Date.parse(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
}

function client(extra: Partial<ConstructorParameters<typeof OssClient>[0]> = {}) {
  return new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', endpoint: server.url, credentials, retry: { baseDelayMs: 5 }, ...extra });
}

test('5xx, 408, 429 and dropped connections are retried with jittered backoff', async () => {
  const script = [503, 'drop', 200];
  server.handler = (req, res, i) => {
    const step = script[i - start]!;
    if (step === 'drop') return void res.socket?.destroy();
    if (step === 200) return ok(req, res, i);
    xmlError(res, step as number, 'ServiceUnavailable');
  };
  const start = server.requests.length;
  const retries: RetryInfo[] = [];
  const r = await client({ retry: { baseDelayMs: 40, maxDelayMs: 1000 }, onRetry: (info) => retries.push(info) }).putSymlink('k', 't');
  assert.equal(r.attempts, 3);
  assert.equal(server.requests.length - start, 3);
  assert.deepEqual(retries.map((x) => x.attempt), [1, 2]);
  assert.ok(retries[0]!.delayMs >= 0 && retries[0]!.delayMs <= 40, `first backoff ${retries[0]!.delayMs}`);
  assert.ok(retries[1]!.delayMs >= 0 && retries[1]!.delayMs <= 80, `second backoff ${retries[1]!.delayMs}`);
  assert.equal((retries[1]!.error as OssError).code, 'NetworkError');

  for (const status of [408, 429]) {
    let n = 0;
    server.handler = (req, res, i) => (n++ === 0 ? xmlError(res, status, 'Slow') : ok(req, res, i));
    assert.equal((await client().putSymlink('k', 't')).attempts, 2, `status ${status}`);
  }
});

test('backoff is capped by maxDelayMs and attempts by maxAttempts', async () => {
  server.handler = (_req, res) => xmlError(res, 500, 'InternalError');
  const delays: number[] = [];
  const e = await client({ retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 3 }, onRetry: (i) => delays.push(i.delayMs) }).putSymlink('k', 't').catch((x: unknown) => x);
  assert.ok(e instanceof OssError);
  assert.equal(e.code, 'InternalError');
  assert.equal(e.attempts, 4);
  assert.equal(delays.length, 3);
  assert.ok(delays.every((d) => d <= 3));
});

test('other 4xx answers are never retried', async () => {
  for (const [status, code] of [[403, 'AccessDenied'], [409, 'FileAlreadyExists'], [400, 'InvalidArgument'], [404, 'NoSuchBucket'], [403, 'SignatureDoesNotMatch']] as const) {
    const start = server.requests.length;
    server.handler = (_req, res) => xmlError(res, status, code);
    const e = await client().putSymlink('k', 't').catch((x: unknown) => x);
    assert.ok(e instanceof OssError && e.code === code);
    assert.equal(server.requests.length - start, 1, `${code} must not be retried`);
  }
});

test('RequestTimeTooSkewed corrects the clock from ServerTime and later requests keep the offset', async () => {
  const serverSkewMs = 3 * 3600_000;
  const serverNow = () => new Date(Date.now() + serverSkewMs);
  const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  server.handler = (req, res, i) => {
    const sent = req.headers['x-oss-date']!;
    if (Math.abs(parseStamp(sent) - serverNow().getTime()) > 15 * 60_000) {
      return xmlError(res, 403, 'RequestTimeTooSkewed', `<RequestTime>${sent}</RequestTime><ServerTime>${serverNow().toISOString()}</ServerTime>`);
    }
    ok(req, res, i);
  };
  const c = client();
  const start = server.requests.length;
  const r = await c.putSymlink('k', 't');
  assert.equal(r.attempts, 2);
  assert.ok(Math.abs(c.clockOffsetMs - serverSkewMs) < 5000, `offset ${c.clockOffsetMs}`);
  const resent = server.requests[start + 1]!.headers['x-oss-date']!;
  assert.ok(Math.abs(parseStamp(resent) - serverNow().getTime()) < 5000, `re-signed at ${resent}, server time ${stamp(serverNow())}`);
  const again = await c.putSymlink('k2', 't');
  assert.equal(again.attempts, 1, 'the corrected offset is kept');
});

test('1000 concurrent calls share one credentials refresh (single flight), and refresh before expiry', async () => {
  server.handler = ok;
  let calls = 0;
  let expiresInMs = 3600_000;
  const provider = async (): Promise<Credentials> => {
    calls++;
    await new Promise((r) => setTimeout(r, 20));
    return { accessKeyId: `tmp${calls}`, accessKeySecret: 'sk', securityToken: `token${calls}`, expiration: new Date(Date.now() + expiresInMs) };
  };
  const c = client({ credentials: provider, refreshMarginMs: 60_000 });
  await Promise.all(Array.from({ length: 1000 }, (_, i) => c.putSymlink(`k${i}`, 't')));
  assert.equal(calls, 1);
  assert.equal(server.requests.at(-1)!.headers['x-oss-security-token'], 'token1');
  // Credentials that expire inside the margin are refreshed, again exactly once for a burst.
  expiresInMs = 60_500;
  await c.putSymlink('refresh', 't'); // token1 still valid for an hour: no call
  assert.equal(calls, 1);
  assert.equal(c.credentialRefreshes, 1);
});

test('credentials about to expire trigger exactly one refresh for a burst', async () => {
  server.handler = ok;
  let calls = 0;
  const provider = async (): Promise<Credentials> => {
    calls++;
    await new Promise((r) => setTimeout(r, 10));
    // The first credentials are already inside the refresh margin; the second are good.
    return { accessKeyId: 'tmp', accessKeySecret: 'sk', securityToken: `t${calls}`, expiration: Date.now() + (calls === 1 ? 1000 : 3600_000) };
  };
  const c = client({ credentials: provider, refreshMarginMs: 60_000 });
  await c.putSymlink('first', 't');
  assert.equal(calls, 1);
  await Promise.all(Array.from({ length: 200 }, (_, i) => c.putSymlink(`k${i}`, 't')));
  assert.equal(calls, 2);
  assert.equal(server.requests.at(-1)!.headers['x-oss-security-token'], 't2');
});

test('a provider failure rejects the waiting calls, and the next call tries again', async () => {
  server.handler = ok;
  let calls = 0;
  const provider = async (): Promise<Credentials> => {
    calls++;
    await new Promise((r) => setTimeout(r, 10));
    if (calls === 1) throw new Error('sts endpoint down');
    return { accessKeyId: 'ak', accessKeySecret: 'sk' };
  };
  const c = client({ credentials: provider });
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => c.putSymlink('k', 't')));
  assert.equal(calls, 1);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.equal((r as PromiseRejectedResult).reason.code, 'CredentialsProviderError');
    assert.match((r as PromiseRejectedResult).reason.message, /sts endpoint down/);
  }
  assert.equal((await c.putSymlink('k', 't')).status, 200);
  assert.equal(calls, 2);
});

test('SecurityTokenExpired refreshes the credentials once and retries', async () => {
  let calls = 0;
  const provider = async (): Promise<Credentials> => ({ accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: `tok${++calls}` });
  server.handler = (req, res, i) => (req.headers['x-oss-security-token'] === 'tok1' ? xmlError(res, 403, 'SecurityTokenExpired') : ok(req, res, i));
  const r = await client({ credentials: provider }).putSymlink('k', 't');
  assert.equal(calls, 2);
  assert.equal(r.status, 200);
  // With a provider that keeps returning an expired token, the client gives up after one refresh.
  const stale = async (): Promise<Credentials> => ({ accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'tok1' });
  await assert.rejects(client({ credentials: stale }).putSymlink('k', 't'), { code: 'SecurityTokenExpired' });
});

test('abort in flight rejects with the abort reason and stops retries', async () => {
  server.handler = () => { /* never answers */ };
  const start = server.requests.length;
  const controller = new AbortController();
  const reason = new Error('user cancelled');
  setTimeout(() => controller.abort(reason), 50);
  const e = await client().putSymlink('k', 't', { signal: controller.signal }).catch((x: unknown) => x);
  assert.equal(e, reason);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(server.requests.length - start, 1);
  // Already aborted: nothing is sent at all.
  const before = server.requests.length;
  await assert.rejects(client().putSymlink('k', 't', { signal: AbortSignal.abort(reason) }), (x) => x === reason);
  assert.equal(server.requests.length, before);
});

test('abort during the backoff wait rejects at once', async () => {
  server.handler = (_req, res) => xmlError(res, 503, 'ServiceUnavailable');
  const controller = new AbortController();
  const c = client({ retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 }, onRetry: () => setTimeout(() => controller.abort(), 20) });
  const t0 = Date.now();
  await assert.rejects(c.putSymlink('k', 't', { signal: controller.signal }), (x: Error) => x.name === 'AbortError');
  assert.ok(Date.now() - t0 < 2000);
});

test('timeoutMs bounds each attempt; the last one rejects with RequestTimeout', async () => {
  server.handler = () => { /* never answers */ };
  const start = server.requests.length;
  const t0 = Date.now();
  const e = await client({ timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 1 } }).putSymlink('k', 't').catch((x: unknown) => x);
  assert.ok(e instanceof OssError);
  assert.equal(e.code, 'RequestTimeout');
  assert.equal(e.isInputError, false);
  assert.equal(e.attempts, 2);
  assert.equal(server.requests.length - start, 2);
  assert.ok(Date.now() - t0 < 2000);
});

test('forbidOverwrite after a lost answer: the link made by the lost attempt is proven by its write id', async () => {
  const links = new Map<string, { target: string; writeId: string }>();
  const apply = (req: { url: string; headers: Record<string, string> }) => links.set(new URL(req.url, 'http://x').pathname, { target: req.headers['x-oss-symlink-target']!, writeId: req.headers['x-oss-meta-oss-symlink-write-id'] ?? '' });
  let lose = true;
  server.handler = (req, res, i) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method === 'GET') {
      const link = links.get(path);
      res.writeHead(link ? 200 : 404, { 'x-oss-symlink-target': link?.target ?? '', 'x-oss-meta-oss-symlink-write-id': link?.writeId ?? '', etag: '"L"', 'x-oss-request-id': 'GET-ID' });
      return void res.end();
    }
    if (links.has(path) && req.headers['x-oss-forbid-overwrite'] === 'true') return xmlError(res, 409, 'FileAlreadyExists');
    apply(req);
    if (lose) return void res.socket?.destroy(); // applied, answer lost
    ok(req, res, i);
  };
  const r = await client().putSymlink('lost/链接', 'target/原图.jpg', { forbidOverwrite: true, writeId: 'job-7/row-12' });
  assert.equal(r.createdByEarlierAttempt, true);
  assert.equal(r.writeId, 'job-7/row-12');
  assert.equal(r.attempts, 2);
  assert.equal(r.etag, '"L"');
  // A link to another target is still a conflict, and proven not to be ours.
  lose = false;
  links.set('/bkt/other', { target: 'somewhere-else', writeId: '' });
  await assert.rejects(client().putSymlink('other', 'mine', { forbidOverwrite: true }), { code: 'FileAlreadyExists', outcomeUnknown: false });
});
