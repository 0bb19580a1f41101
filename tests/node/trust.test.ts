// Every answer true: no redirect followed (and no token carried elsewhere), no success claimed for
// a link this call did not make, no wait without end for credentials, no option misread, no
// unbounded error body, no secret in any field of an error.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { OssClient, OssError, type Credentials } from '../../ts/node.js';
import { createNodeFetch } from '../../ts/node-transport.js';
import { DEV_CREDENTIALS, startServer, type OssServer } from '../../server/index.js';
import { startCaptureServer, type CaptureServer } from './helpers/capture-server.js';

const sts = { accessKeyId: 'STS.trust', accessKeySecret: 'trust-secret-9f2c', securityToken: 'CAIS-trust-token-4e1a' };
type Options = ConstructorParameters<typeof OssClient>[0];

/** Rejects if `p` has not settled within `ms`: old code hangs where the new one must answer. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(timer));
}

const failure = (p: Promise<unknown>) => p.then(() => assert.fail('expected a rejection'), (e: unknown) => e);

// ---- 1. redirects -----------------------------------------------------------------------------

let elsewhere: CaptureServer;
let redirector: CaptureServer;
let redirectStatus = 307;
before(async () => {
  // Another origin that would gladly answer 200 with an ETag: the old client took that for success.
  elsewhere = await startCaptureServer((_req, res) => { res.writeHead(200, { etag: '"EVIL"', 'x-oss-symlink-target': 't' }); res.end('ok'); });
  redirector = await startCaptureServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    res.writeHead(redirectStatus, { location: `${elsewhere.url}/steal${path}?token=${sts.securityToken}#frag`, 'x-oss-request-id': `RID-${sts.securityToken}` });
    res.end('moved');
  });
});
after(async () => { await elsewhere.close(); await redirector.close(); });

test('a 3xx is UnexpectedRedirect for every operation and both transports: never followed, never retried, never a success', async () => {
  const ops: Array<[string, (c: OssClient) => Promise<unknown>]> = [
    ['putSymlink', (c) => c.putSymlink('k', 't', { forbidOverwrite: true })], ['getSymlink', (c) => c.getSymlink('k')],
    ['putObject', (c) => c.putObject('k', 'body')], ['getObject', (c) => c.getObject('k')],
    ['headObject', (c) => c.headObject('k')], ['deleteObject', (c) => c.deleteObject('k')],
  ];
  for (const [transport, fetch] of [['fetch', undefined], ['node-transport', createNodeFetch()]] as const) {
    for (const status of [301, 302, 303, 307, 308]) {
      redirectStatus = status;
      for (const [name, call] of ops) {
        const sent = redirector.requests.length;
        const c = new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', endpoint: redirector.url, credentials: sts, retry: { baseDelayMs: 1 }, ...(fetch ? { fetch } : {}) });
        const e = await failure(call(c));
        const what = `${transport} ${status} ${name}`;
        assert.ok(e instanceof OssError, `${what}: ${String(e)}`);
        assert.deepEqual([e.code, e.status, e.attempts, e.isInputError], ['UnexpectedRedirect', status, 1, false], `${what}: ${e.message}`);
        assert.equal(e.location, `${elsewhere.url}/steal/bkt/k`, `${what}: the Location, without its query`);
        assert.equal(redirector.requests.length, sent + 1, `${what}: not retried`);
        assert.ok(!JSON.stringify(e).includes(sts.securityToken) && !e.stack?.includes(sts.securityToken), `${what}: no token in the error`);
      }
    }
  }
  assert.equal(elsewhere.requests.length, 0, 'the other origin never saw a request (nor the token)');
});

test("a browser's opaqueredirect answer is UnexpectedRedirect too, and every request asks for redirect: 'manual'", async () => {
  const modes: unknown[] = [];
  const opaque = { type: 'opaqueredirect', status: 0, ok: false, headers: new Headers(), body: null, url: '' } as unknown as Response;
  const c = new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials: sts, fetch: async (_url, init) => { modes.push(init.redirect); return opaque; } });
  const e = await failure(c.putSymlink('k', 't'));
  assert.ok(e instanceof OssError);
  assert.deepEqual([e.code, e.status, e.attempts, e.isInputError, e.location], ['UnexpectedRedirect', 0, 1, false, '']);
  assert.deepEqual(modes, ['manual']);
});

// ---- 2. the write id: proof that a link found after a lost answer is this call's ---------------

let oss: OssServer;
before(async () => { oss = await startServer({ buckets: ['trust'] }); });
after(() => oss.close());
const ossClient = (extra: Partial<Options> = {}) =>
  new OssClient({ region: oss.region, bucket: 'trust', endpoint: oss.url, credentials: DEV_CREDENTIALS, retry: { baseDelayMs: 1 }, ...extra });

/** A fetch that runs `between` once, after the first attempt's answer was lost, before the retry. */
function lossThen(between: () => Promise<unknown>) {
  let first = true;
  return async (url: string, init: RequestInit) => {
    try {
      return await fetch(url, init);
    } catch (e) {
      if (first) {
        first = false;
        oss.setFaults({});
        await between();
      }
      throw e;
    }
  };
}

test('race: own write applied and its answer lost (server fault injection): proven by the write id, createdByEarlierAttempt', async () => {
  oss.setFaults({ lostAnswerRate: 1 });
  try {
    const r = await ossClient({ fetch: lossThen(async () => {}) }).putSymlink('race/own', 'target/a', { forbidOverwrite: true });
    assert.equal(r.createdByEarlierAttempt, true);
    assert.equal(r.attempts, 2);
    const link = await ossClient().getSymlink('race/own');
    assert.equal(link.meta['oss-symlink-write-id'], r.writeId);
  } finally {
    oss.setFaults({});
  }
  assert.equal(oss.stats.faults.lostAnswer >= 1, true);
});

test("race: another writer's link (same target) created between a lost attempt and the retry: FileAlreadyExists, outcomeUnknown false", async () => {
  oss.setFaults({ dropRate: 1 }); // the first attempt is not applied and gets no answer
  try {
    const other = ossClient();
    const mine = ossClient({ fetch: lossThen(() => other.putSymlink('race/other', 'target/a', { forbidOverwrite: true })) });
    const e = await failure(mine.putSymlink('race/other', 'target/a', { forbidOverwrite: true }));
    assert.ok(e instanceof OssError, String(e));
    assert.deepEqual([e.code, e.status, e.outcomeUnknown, e.attempts], ['FileAlreadyExists', 409, false, 2], e.message);
  } finally {
    oss.setFaults({});
  }
  // The same when the link was there before the call.
  await ossClient().putSymlink('race/before', 'target/a');
  oss.setFaults({ dropRate: 1 });
  try {
    const e = await failure(ossClient({ fetch: lossThen(async () => {}) }).putSymlink('race/before', 'target/a', { forbidOverwrite: true }));
    assert.ok(e instanceof OssError);
    assert.deepEqual([e.code, e.outcomeUnknown], ['FileAlreadyExists', false]);
  } finally {
    oss.setFaults({});
  }
});

test('without proof the outcome is unknown: writeId false, or a read-back that fails', async () => {
  oss.setFaults({ lostAnswerRate: 1 });
  try {
    const e = await failure(ossClient({ fetch: lossThen(async () => {}) }).putSymlink('race/no-id', 't', { forbidOverwrite: true, writeId: false }));
    assert.ok(e instanceof OssError);
    assert.deepEqual([e.code, e.outcomeUnknown], ['FileAlreadyExists', true]);
  } finally {
    oss.setFaults({});
  }
  assert.deepEqual((await ossClient().getSymlink('race/no-id')).meta, {}, 'writeId: false writes no metadata');

  oss.setFaults({ lostAnswerRate: 1 });
  try {
    const lost = lossThen(async () => {});
    const readBackFails = async (url: string, init: RequestInit) => {
      if (init.method === 'GET') throw new TypeError('fetch failed');
      return lost(url, init);
    };
    const e = await failure(ossClient({ fetch: readBackFails }).putSymlink('race/unreadable', 't', { forbidOverwrite: true }));
    assert.ok(e instanceof OssError);
    assert.deepEqual([e.code, e.outcomeUnknown], ['FileAlreadyExists', true]);
  } finally {
    oss.setFaults({});
  }
});

test('FileAlreadyExists with no lost answer: outcomeUnknown false, no read-back; the write id is documented metadata', async () => {
  await ossClient().putSymlink('plain/exists', 't');
  const reads = oss.stats.requests;
  const e = await failure(ossClient().putSymlink('plain/exists', 't', { forbidOverwrite: true }));
  assert.ok(e instanceof OssError);
  assert.deepEqual([e.code, e.outcomeUnknown, e.attempts], ['FileAlreadyExists', false, 1]);
  assert.equal(oss.stats.requests, reads + 1, 'no read-back');
  const r = await ossClient().putSymlink('plain/mine', 't', { forbidOverwrite: true, writeId: 'job-1:row-7' });
  assert.equal(r.writeId, 'job-1:row-7');
  assert.equal((await ossClient().getSymlink('plain/mine')).meta['oss-symlink-write-id'], 'job-1:row-7');
  const noForbid = await ossClient().putSymlink('plain/free', 't');
  assert.equal(noForbid.writeId, undefined);
  for (const [options, code, field] of [
    [{ forbidOverwrite: true, meta: { 'OSS-Symlink-Write-Id': 'x' } }, 'InvalidMetadata', 'meta.oss-symlink-write-id'],
    [{ forbidOverwrite: true, writeId: 'has space' }, 'InvalidInput', 'writeId'],
    [{ forbidOverwrite: true, writeId: '' }, 'InvalidInput', 'writeId'],
    [{ forbidOverwrite: true, writeId: true as never }, 'InvalidInput', 'writeId'],
  ] as const) {
    const err = await failure(ossClient().putSymlink('plain/bad', 't', options));
    assert.ok(err instanceof OssError);
    assert.deepEqual([err.code, err.field], [code, field], err.message);
  }
});

// ---- 4. credentials: waits under the caller's signal and a timeout ----------------------------

const okFetch = async () => new Response(null, { status: 200, headers: { etag: '"E"' } });
const providerClient = (credentials: Options['credentials'], extra: Partial<Options> = {}) =>
  new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials, fetch: okFetch, ...extra });

test('a provider that never answers: the wait ends at timeoutMs with CredentialsProviderError, or at the abort with its reason', async () => {
  const hung = () => new Promise<Credentials>(() => {});
  const c = providerClient(hung, { timeoutMs: 150 });
  const e = await within(failure(c.putSymlink('k', 't')), 3000, 'timeout');
  assert.ok(e instanceof OssError);
  assert.deepEqual([e.code, e.field, e.isInputError], ['CredentialsProviderError', 'credentials', false], e.message);
  assert.match(e.message, /did not answer within 150 ms/);

  const controller = new AbortController();
  const reason = new Error('user gave up');
  setTimeout(() => controller.abort(reason), 50);
  const aborted = await within(failure(providerClient(hung, { timeoutMs: 0 }).getSymlink('k', { signal: controller.signal })), 3000, 'abort');
  assert.equal(aborted, reason);
});

test('one waiter giving up does not cancel the shared refresh for the others; a hung refresh is asked again', async () => {
  let release!: (c: Credentials) => void;
  let calls = 0;
  const c = providerClient(() => {
    calls++;
    return new Promise<Credentials>((resolve) => { release = resolve; });
  }, { timeoutMs: 0 });
  const controller = new AbortController();
  const a = failure(c.putSymlink('a', 't', { signal: controller.signal }));
  const b = c.putSymlink('b', 't');
  controller.abort(new Error('a gives up'));
  assert.equal(((await within(a, 3000, 'a')) as Error).message, 'a gives up');
  release({ accessKeyId: 'ak', accessKeySecret: 'sk' });
  assert.equal((await within(b, 3000, 'b')).status, 200);
  assert.equal(calls, 1);

  // A refresh older than the timeout is abandoned: the next call asks the provider again.
  let n = 0;
  const flaky = providerClient(() => (++n === 1 ? new Promise<Credentials>(() => {}) : { accessKeyId: 'ak', accessKeySecret: 'sk' }), { timeoutMs: 100 });
  await within(failure(flaky.putSymlink('x', 't')), 3000, 'first');
  assert.equal((await within(flaky.putSymlink('x', 't'), 3000, 'second')).status, 200);
  assert.equal(n, 2);
});

// ---- 5 and 6. options and settings checked in the constructor ---------------------------------

test('numeric options out of range are refused in the constructor, with the option named', () => {
  const base: Options = { region: 'cn-hangzhou', bucket: 'bkt', credentials: sts, fetch: okFetch };
  const cases: Array<[Partial<Options>, string]> = [
    [{ timeoutMs: 2 ** 31 }, 'timeoutMs'], [{ timeoutMs: -1 }, 'timeoutMs'], [{ timeoutMs: Number.NaN }, 'timeoutMs'], [{ timeoutMs: Infinity }, 'timeoutMs'],
    [{ retry: { maxAttempts: 0 } }, 'retry.maxAttempts'], [{ retry: { maxAttempts: 2.5 } }, 'retry.maxAttempts'], [{ retry: { maxAttempts: 1e9 } }, 'retry.maxAttempts'],
    [{ retry: { baseDelayMs: -5 } }, 'retry.baseDelayMs'], [{ retry: { baseDelayMs: 2 ** 31 } }, 'retry.baseDelayMs'],
    [{ retry: { maxDelayMs: 2 ** 40 } }, 'retry.maxDelayMs'], [{ refreshMarginMs: -1 }, 'refreshMarginMs'], [{ refreshMarginMs: 2 ** 31 }, 'refreshMarginMs'],
    [{ retry: 5 as never }, 'retry'], [{ onRetry: 'log' as never }, 'onRetry'], [{ fetch: 'fetch' as never }, 'fetch'],
  ];
  for (const [extra, field] of cases) {
    assert.throws(() => new OssClient({ ...base, ...extra }), (e: unknown) => e instanceof OssError && e.field === field && e.status === 0 && e.isInputError,
      `${JSON.stringify(extra)} is refused with field ${field}`);
  }
  for (const ok of [{ timeoutMs: 0 }, { timeoutMs: 2 ** 31 - 1 }, { retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }, { refreshMarginMs: 0 }]) {
    assert.doesNotThrow(() => new OssClient({ ...base, ...ok }), JSON.stringify(ok));
  }
});

test('presign expires is 1..604800 whole seconds', async () => {
  const c = providerClient(sts);
  for (const expires of [0, -1, 604_801, 1.5, 2 ** 31, Number.NaN]) {
    const e = await failure(c.presignPutSymlink('k', 't', { expires }));
    assert.ok(e instanceof OssError && e.code === (Number.isNaN(expires) ? 'InvalidInput' : 'InvalidExpires'), `${expires}: ${String(e)}`);
  }
  assert.ok((await c.presignPutSymlink('k', 't', { expires: 604_800 })).url.includes('x-oss-expires=604800'));
});

test('a numeric expiration that can only be seconds is refused; ISO strings, Dates and milliseconds are used as given', async () => {
  const inAnHour = Date.now() + 3_600_000;
  const e = await failure(providerClient(() => ({ ...sts, expiration: Math.floor(inAnHour / 1000) })).putSymlink('k', 't'));
  assert.ok(e instanceof OssError);
  assert.deepEqual([e.code, e.field], ['InvalidCredentials', 'credentials.expiration']);
  assert.match(e.message, /seconds/);
  for (const expiration of [new Date(inAnHour).toISOString(), new Date(inAnHour), inAnHour]) {
    const c = providerClient(() => ({ ...sts, expiration }));
    await c.putSymlink('k', 't');
    await c.putSymlink('k', 't');
    assert.equal(c.credentialRefreshes, 1, `${typeof expiration} ${String(expiration)}: fresh for an hour, asked once`);
  }
});

test('bad settings are refused by the constructor, before the credentials provider is asked', () => {
  let asked = 0;
  const provider = async (): Promise<Credentials> => { asked++; return sts; };
  const base: Options = { region: 'cn-hangzhou', bucket: 'bkt', credentials: provider, fetch: okFetch };
  const cases: Array<[Partial<Options>, string, string]> = [
    [{ bucket: 'Bad_Bucket' }, 'InvalidBucketName', 'bucket'], [{ region: 'CN Hangzhou' }, 'InvalidRegion', 'region'],
    [{ endpoint: 'ftp://example.com' }, 'InvalidEndpoint', 'endpoint'], [{ endpoint: 'https://a.example/path' }, 'InvalidEndpoint', 'endpoint'],
    [{ addressing: 'subdomain' as never }, 'InvalidEndpoint', 'addressing'], [{ product: 'OSS!' }, 'InvalidProduct', 'product'],
    [{ credentials: { accessKeyId: 'ak', accessKeySecret: 'sécret' } }, 'InvalidCredentials', 'credentials.accessKeySecret'],
    [{ credentials: { accessKeyId: '', accessKeySecret: 's' } }, 'InvalidCredentials', 'credentials.accessKeyId'],
    [{ credentials: { accessKeyId: 'ak', accessKeySecret: 's', securityToken: 'to\nken' } }, 'InvalidCredentials', 'credentials.securityToken'],
  ];
  for (const [extra, code, field] of cases) {
    assert.throws(() => new OssClient({ ...base, ...extra }), (e: unknown) => e instanceof OssError && e.code === code && e.field === field && e.isInputError,
      `${JSON.stringify(extra)}: ${code} ${field}`);
  }
  assert.equal(asked, 0);
});

// ---- 8. error bodies are read up to 64 KB --------------------------------------------------------

test('an endless error body is read up to a bounded prefix, and the answer parsed at once (fetch and node transport)', async () => {
  let written = 0;
  const server: Server = createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'application/xml', 'x-oss-request-id': 'RID-BIG' });
    res.write('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>');
    const chunk = 'x'.repeat(64 * 1024);
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) written += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const fetch of [undefined, createNodeFetch()]) {
      const c = new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', endpoint: url, credentials: sts, timeoutMs: 10_000, ...(fetch ? { fetch } : {}) });
      const e = await within(failure(c.putSymlink('k', 't')), 8000, 'endless error body');
      assert.ok(e instanceof OssError, String(e));
      assert.deepEqual([e.status, e.code, e.requestId], [403, 'SignatureDoesNotMatch', 'RID-BIG'], e.message);
      assert.ok(e.message.length <= 64 * 1024, `message of ${e.message.length} characters`);
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
  assert.ok(written < 64 * 1024 * 1024, `the server could write only ${written} bytes before the client stopped reading`);
});

// ---- 9. no secret in any field -----------------------------------------------------------------

test('every string field of an OssError is scrubbed of the secret and the token (a proxy that echoes headers)', async () => {
  const echo = await startCaptureServer((req, res) => {
    const token = req.headers['x-oss-security-token']!;
    const secret = sts.accessKeySecret;
    const both = `${token}|${secret}`;
    res.writeHead(403, { 'content-type': 'application/xml', 'x-oss-request-id': both, 'x-oss-ec': both });
    res.end(`<Error><Code>AccessDenied-${token}</Code><Message>${both}</Message><RequestId>${both}</RequestId><HostId>${both}</HostId><EC>${both}</EC><RecommendDoc>https://x/${both}</RecommendDoc><ServerTime>${both}</ServerTime></Error>`);
  });
  try {
    const c = new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', endpoint: echo.url, credentials: sts });
    const e = await failure(c.putSymlink('k', 't'));
    assert.ok(e instanceof OssError);
    assert.equal(e.status, 403);
    for (const [name, value] of Object.entries(e.toJSON())) {
      if (typeof value !== 'string') continue;
      assert.ok(!value.includes(sts.securityToken) && !value.includes(sts.accessKeySecret), `${name}: ${value}`);
    }
    for (const text of [String(e), e.stack ?? '', JSON.stringify(e), e.requestId, e.hostId, e.ec, e.recommendDoc, e.code]) {
      assert.ok(!text.includes(sts.securityToken) && !text.includes(sts.accessKeySecret), text);
    }
    assert.match(e.requestId, /\[redacted\]/);
  } finally {
    await echo.close();
  }
});
