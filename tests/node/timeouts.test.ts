// Per-attempt timeouts and abort as OssClient wires them into fetch: attempts without a caller's
// signal share a timeout signal (batches), a caller's signal goes straight to fetch when there
// is no timeout, and empty answers are not read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createNodeFetch } from '../../ts/node-transport.js';
import { OssClient, OssError, type Credentials } from '../../ts/node.js';
import { ok, startCaptureServer, type CaptureServer } from './helpers/capture-server.js';

const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk' };
let server: CaptureServer;
before(async () => { server = await startCaptureServer(); });
after(() => server.close());

function client(extra: Partial<ConstructorParameters<typeof OssClient>[0]> = {}) {
  return new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', endpoint: server.url, credentials, retry: { maxAttempts: 1 }, ...extra });
}

/**
 * A handler that never answers. `waitClosed()` resolves once every request the server received
 * was given up by the client (and at least one arrived); it fails after a deadline rather than
 * hanging the run. A request abandoned before the server read it is never seen at all, which
 * under load happens, so the count received is not asserted.
 */
function hang(): { waitClosed: (deadlineMs?: number) => Promise<void> } {
  const state = { received: 0, closed: 0, waiters: [] as (() => void)[] };
  const wake = () => state.waiters.splice(0).forEach((w) => w());
  server.handler = (_req, res) => {
    state.received++;
    if (res.socket?.destroyed) state.closed++;
    else res.on('close', () => { state.closed++; wake(); });
    wake();
  };
  return {
    waitClosed: async (deadlineMs = 10_000) => {
      const deadline = performance.now() + deadlineMs;
      while (state.received === 0 || state.closed < state.received) {
        const left = deadline - performance.now();
        if (left <= 0) assert.fail(`server received ${state.received} requests, ${state.closed} of them closed`);
        await new Promise<void>((r) => { state.waiters.push(r); setTimeout(r, Math.min(left, 100)); });
      }
    },
  };
}

test('concurrent attempts sharing a timeout are each abandoned after timeoutMs, and their requests cancelled', async () => {
  const h = hang();
  const c = client({ timeoutMs: 150 });
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => c.putSymlink(`k${i}`, 't').then(
    () => assert.fail('a hung request resolved'),
    (e: unknown) => ({ e, ms: performance.now() - t0 }),
  )));
  for (const { e, ms } of results) {
    assert.ok(e instanceof OssError && e.code === 'RequestTimeout', String(e));
    assert.ok(ms >= 145 && ms < 2000, `abandoned after ${ms} ms`);
  }
  await h.waitClosed(); // the server saw every request it got cancelled
});

test('in Node, concurrent attempts without a signal of their own share one timeout signal; with one, each gets its own', async () => {
  const seen: (AbortSignal | null | undefined)[] = [];
  const spy = (url: string, init?: RequestInit) => { seen.push(init?.signal); return fetch(url, init); };
  server.handler = ok;
  const c = client({ fetch: spy });
  await Promise.all(Array.from({ length: 5 }, (_, i) => c.putSymlink(`shared${i}`, 't')));
  assert.equal(seen.length, 5);
  // Attempts starting within 10 ms share one batch; a loaded machine may spread five attempts
  // over two windows, but a signal per attempt (what browsers get) would give five.
  assert.ok(new Set(seen).size <= 2, `shared signals (ts/node-tuning.ts), got ${new Set(seen).size} for 5 attempts`);
  assert.ok(seen[0] instanceof AbortSignal);
  seen.length = 0;
  const controller = new AbortController();
  await Promise.all(Array.from({ length: 5 }, (_, i) => c.putSymlink(`own${i}`, 't', { signal: controller.signal })));
  assert.equal(new Set(seen).size, 5, 'a signal per attempt, aborted by the caller or the timeout');
  assert.ok(!seen.includes(controller.signal));
});

test('an earlier attempt timing out does not cut a later one short', async () => {
  let n = 0;
  server.handler = (req, res, i) => {
    if (n++ === 0) return; // the first request hangs
    setTimeout(() => ok(req, res, i), 750); // the second answers after the first one's deadline
  };
  // Deadlines: the first at 1000 ms, the second (sent at ~500 ms) at ~1500 ms; its answer comes
  // at ~1250 ms, with room to spare on a loaded machine.
  const c = client({ timeoutMs: 1000 });
  const first = c.putSymlink('hung', 't').catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 500));
  const second = await c.putSymlink('slow', 't');
  assert.equal(second.status, 200);
  const e = await first;
  assert.ok(e instanceof OssError && e.code === 'RequestTimeout');
});

test('without a timeout, the caller\'s signal goes to fetch and cancels the request', async () => {
  const seen: (AbortSignal | null | undefined)[] = [];
  const spy = (url: string, init?: RequestInit) => { seen.push(init?.signal); return fetch(url, init); };
  server.handler = ok;
  await client({ timeoutMs: 0, fetch: spy }).putSymlink('k', 't');
  assert.equal(seen.pop(), undefined, 'nothing to abort: no signal');
  await client({ fetch: spy }).putSymlink('k', 't');
  assert.ok(seen.pop() instanceof AbortSignal, 'a timeout: a signal');

  const h = hang();
  const controller = new AbortController();
  const reason = new Error('user cancelled');
  setTimeout(() => controller.abort(reason), 50);
  const e = await client({ timeoutMs: 0, fetch: spy }).putSymlink('k', 't', { signal: controller.signal }).catch((x: unknown) => x);
  assert.equal(e, reason);
  assert.equal(seen.pop(), controller.signal);
  await h.waitClosed();
});

test('an abort while credentials are being fetched rejects with its reason and sends nothing', async () => {
  server.handler = ok;
  const start = server.requests.length;
  const controller = new AbortController();
  const reason = new Error('stop');
  const provider = async (): Promise<Credentials> => {
    controller.abort(reason);
    return credentials;
  };
  for (const timeoutMs of [0, 1000]) {
    const e = await client({ credentials: provider, timeoutMs }).putSymlink('k', 't', { signal: controller.signal }).catch((x: unknown) => x);
    assert.equal(e, reason, `timeoutMs ${timeoutMs}`);
  }
  assert.equal(server.requests.length, start);
});

test('an answer with content-length: 0 is not read', async () => {
  const unreadable = new ReadableStream({ pull: () => { throw new Error('the body was read'); } });
  const fakeFetch = async () => new Response(unreadable, { status: 200, headers: { 'content-length': '0', etag: '"E"', 'x-oss-request-id': 'R' } });
  const r = await client({ fetch: fakeFetch }).putSymlink('k', 't');
  assert.deepEqual(r, { status: 200, requestId: 'R', etag: '"E"', attempts: 1 });
});

test('many concurrent attempts on one shared signal raise no MaxListenersExceededWarning (fetch and node transport)', async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    server.handler = (req, res, i) => setTimeout(() => ok(req, res, i), 20);
    for (const c of [client(), client({ fetch: createNodeFetch() })]) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => c.putSymlink(`k${i}`, 't')));
    }
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings.map((w) => w.message), []);
  } finally {
    process.off('warning', onWarning);
  }
});
