/**
 * `OssClient`: the I/O half of the library. The Rust core prepares each request (validated,
 * signed, addressed); this class owns credentials, the clock offset, `fetch`, timeouts, abort
 * and retries.
 */
import { callCore, isReady, prepareOperation, ready, type ClientSettings, type Operation, type Prepared } from './core.js';
import { CredentialCache, type ResolvedCredentials } from './credentials.js';
import { OssError, redact } from './errors.js';
import * as input from './input.js';
import type {
  FetchLike, GetObjectResult, GetSymlinkOptions, GetSymlinkResult, ObjectOptions, ObjectResult,
  OssClientOptions, PresignedRequest, PresignOptions, PutSymlinkOptions, PutSymlinkResult, RetryInfo, SignedHttpRequest, TargetState,
} from './types.js';

/** A complete answer: the body is read inside the attempt, under its timeout. */
interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
  attempts: number;
}

type Body = string | Uint8Array | ArrayBuffer | Blob;

/**
 * Attempts without a caller's signal that start within a short window share one AbortController
 * and one timer for their timeout (see OssClient#joinTimeoutBatch): in the bulk benchmark a
 * signal of its own per request costs ~17 µs of client CPU in undici and GC, sharing one ~0.
 */
interface TimeoutBatch {
  controller: AbortController;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** performance.now() when the first and the last attempt joined. */
  first: number;
  last: number;
  /** Attempts that joined, and those still in flight. */
  attempts: number;
  pending: number;
  timedOut: boolean;
}

/** A batch takes attempts for at most this long (and a tenth of timeoutMs): the most an attempt's timeout can run late. */
const BATCH_WINDOW_MS = 10;
/** Node's `events.setMaxListeners` where it can be had without importing node:events (Node ≥ 20.16). */
const setMaxListeners = (globalThis as { process?: { getBuiltinModule?: (id: 'node:events') => typeof import('node:events') } })
  .process?.getBuiltinModule?.('node:events')?.setMaxListeners;
/**
 * And at most this many: fetch adds an abort listener per request to the shared signal, and Node
 * warns past 10 on one signal unless its limit is raised.
 */
const BATCH_MAX_ATTEMPTS = setMaxListeners ? 64 : 10;

const DEFAULT_EXPIRES = 900;
/** OSS's EC for a read through a symlink whose target is missing (HEAD/GET answer 404 NoSuchKey). */
const DANGLING_LINK_EC = '0026-00000012';
/** Errors after which a retried attempt's answer says nothing about whether the write happened. */
const unsureAfterLostAnswer = new WeakSet<OssError>();

export class OssClient {
  readonly region: string;
  readonly bucket: string;
  readonly #settings: ClientSettings;
  readonly #credentials: CredentialCache;
  readonly #fetch: FetchLike;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #timeoutMs: number;
  readonly #onRetry?: (info: RetryInfo) => void;
  #clockOffsetMs = 0;
  /** The timeout batch new attempts join (see #joinTimeoutBatch). */
  #batch?: TimeoutBatch;

  constructor(options: OssClientOptions) {
    if (!options || typeof options !== 'object') {
      throw new OssError({ code: 'InvalidInput', message: 'new OssClient(options): options must be an object' });
    }
    this.region = input.str(options.region, 'region');
    this.bucket = input.str(options.bucket, 'bucket');
    this.#settings = {
      region: this.region,
      bucket: this.bucket,
      endpoint: input.optStr(options.endpoint, 'endpoint') ?? '',
      addressing: input.optStr(options.addressing, 'addressing') ?? '',
      product: input.optStr(options.product, 'product') ?? 'oss',
    };
    this.#credentials = new CredentialCache(options.credentials, input.optNumber(options.refreshMarginMs, 'refreshMarginMs') ?? 300_000);
    const f = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (typeof f !== 'function') throw new OssError({ code: 'InvalidInput', field: 'fetch', message: 'no fetch function: pass options.fetch' });
    // Unbound global fetch throws "Illegal invocation" in browsers and workers.
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    const retry = options.retry ?? {};
    this.#maxAttempts = Math.max(1, Math.floor(input.optNumber(retry.maxAttempts, 'retry.maxAttempts') ?? 3));
    this.#baseDelayMs = input.optNumber(retry.baseDelayMs, 'retry.baseDelayMs') ?? 200;
    this.#maxDelayMs = input.optNumber(retry.maxDelayMs, 'retry.maxDelayMs') ?? 20_000;
    this.#timeoutMs = input.optNumber(options.timeoutMs, 'timeoutMs') ?? 60_000;
    if (options.onRetry) this.#onRetry = options.onRetry;
  }

  /** The correction applied to the local clock, learned from RequestTimeTooSkewed answers. */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /** How many times the credentials provider has been called. */
  get credentialRefreshes(): number {
    return this.#credentials.calls;
  }

  /**
   * Creates (or replaces) the symlink `key` pointing to `target`.
   *
   * ```ts
   * const r = await client.putSymlink('links/today.jpg', 'photos/2026/原图 1.jpg', { forbidOverwrite: true });
   * console.log(r.etag, r.requestId, r.versionId);
   * ```
   */
  async putSymlink(key: string, target: string, options: PutSymlinkOptions = {}): Promise<PutSymlinkResult> {
    const op = putSymlinkOperation(key, target, options);
    const signal = input.signal(options.signal);
    if (input.optBool(options.requireTarget, 'requireTarget')) await this.#requireTarget(op, signal);
    try {
      const answer = await this.#send(op, signal);
      return { status: answer.status, ...writeResult(answer.headers), attempts: answer.attempts };
    } catch (e) {
      // An earlier attempt may have created the link and lost its answer: if the link now points
      // where we wanted, that attempt succeeded.
      if (op.forbidOverwrite && e instanceof OssError && e.code === 'FileAlreadyExists' && unsureAfterLostAnswer.has(e)) {
        const link = await this.getSymlink(op.key, signal ? { signal } : {}).catch(() => undefined);
        if (link && link.target === op.target) {
          return { status: 200, requestId: link.requestId, etag: link.etag, ...(link.versionId ? { versionId: link.versionId } : {}), alreadyExisted: true, attempts: e.attempts };
        }
      }
      throw e;
    }
  }

  /**
   * Builds and signs a PutSymlink request without sending it: `{ method, url, headers }` for your
   * own HTTP stack (or a queue). Synchronous, so it needs credentials at hand: static ones, or a
   * provider's that an earlier call fetched and that are still fresh. In browsers, after
   * `initWasm()`.
   *
   * ```ts
   * const req = client.signPutSymlink('links/today.jpg', 'photos/a.jpg', { forbidOverwrite: true });
   * await fetch(req.url, { method: req.method, headers: req.headers });
   * ```
   */
  signPutSymlink(key: string, target: string, options: Omit<PutSymlinkOptions, 'signal' | 'requireTarget'> = {}): SignedHttpRequest {
    const op = putSymlinkOperation(key, target, options);
    const credentials = this.#credentials.peek();
    if (!credentials) {
      throw new OssError({
        code: 'CredentialsNotReady',
        field: 'credentials',
        message: 'signPutSymlink needs credentials at hand: use static credentials, or make any async call first so the provider is asked',
      });
    }
    const prepared = this.#prepare(op, credentials, this.#now());
    return { method: prepared.method, url: prepared.url, headers: Object.fromEntries(prepared.headers) };
  }

  /** Reads the symlink `key`: its target (decoded), ETag, metadata and version. */
  async getSymlink(key: string, options: GetSymlinkOptions = {}): Promise<GetSymlinkResult> {
    const checkTarget = input.optBool(options.checkTarget, 'checkTarget');
    const answer = await this.#send(getSymlinkOperation(key, options.versionId), input.signal(options.signal));
    const info = callCore<{ target: string; etag: string; lastModified: string; versionId?: string; meta: [string, string][]; requestId: string }>(
      (c) => c.parseGetSymlinkResponse([...answer.headers]),
    );
    const result: GetSymlinkResult = { target: info.target, etag: info.etag, meta: Object.fromEntries(info.meta), requestId: info.requestId, attempts: answer.attempts };
    const modified = info.lastModified ? new Date(info.lastModified) : undefined;
    if (modified && !Number.isNaN(modified.getTime())) result.lastModified = modified;
    if (info.versionId) result.versionId = info.versionId;
    return checkTarget ? this.#withTargetState(result, input.signal(options.signal)) : result;
  }

  /** getSymlink's `checkTarget`: what is at the link's target, from one HEAD of it. */
  async #withTargetState(link: GetSymlinkResult, signal: AbortSignal | undefined): Promise<GetSymlinkResult> {
    const { state } = await this.#targetState(link.target, signal);
    return { ...link, targetState: state, targetExists: state === 'exists' };
  }

  /**
   * What is at `target`, from one HEAD of it. A HEAD through a symlink reports
   * `x-oss-object-type: Symlink`; when the target is a link whose own target is missing, or a
   * link to a link, the HEAD fails the way reads through such links fail (EC 0026-00000012, or
   * `InvalidTargetType`): either way the target is itself a symlink.
   */
  async #targetState(target: string, signal: AbortSignal | undefined): Promise<{ state: TargetState; requestId: string }> {
    try {
      const answer = await this.#send(objectOperation('headObject', target, {}), signal);
      const symlink = answer.headers.get('x-oss-object-type')?.toLowerCase() === 'symlink';
      return { state: symlink ? 'symlink' : 'exists', requestId: answer.headers.get('x-oss-request-id') ?? '' };
    } catch (e) {
      if (!(e instanceof OssError)) throw e;
      if (e.ec === DANGLING_LINK_EC || e.code === 'InvalidTargetType') return { state: 'symlink', requestId: e.requestId };
      if (e.status === 404 && (e.code === 'NoSuchKey' || e.code === 'NotFound')) return { state: 'missing', requestId: e.requestId };
      throw e;
    }
  }

  /** The requireTarget check: refuses, before any write, a link that would not work when read. */
  async #requireTarget(op: Operation & { target: string }, signal: AbortSignal | undefined): Promise<void> {
    // Bad input must fail before any request, the HEAD included: the core checks the whole
    // PutSymlink (key, target, headers) when it prepares it, so prepare it once unsent.
    if (!isReady()) await ready();
    this.#prepare(op, this.#credentials.peek() ?? await this.#credentials.get(), this.#now());
    const { key, target } = op;
    // A link to itself replaces its own target: once written, it is a link to a link.
    const { state, requestId } = key === target ? { state: 'symlink', requestId: '' } : await this.#targetState(target, signal).catch((e: unknown) => {
      // Say which request failed: a PutSymlink call answering AccessDenied for a HEAD is a puzzle.
      if (!(e instanceof OssError)) throw e;
      const { code, status, requestId, hostId, ec, recommendDoc, serverTime, field, attempts } = e;
      const message = `requireTarget: the HEAD of the target failed, no link was written: ${e.message}`;
      throw new OssError({ code, status, requestId, hostId, ec, recommendDoc, serverTime, field, attempts, message, cause: e });
    });
    if (state === 'exists') return;
    const why = state === 'missing' ? 'does not exist' : key === target ? 'is the link itself' : 'is itself a symlink, and OSS follows one level only';
    throw new OssError({
      code: state === 'missing' ? 'SymlinkTargetNotFound' : 'SymlinkTargetIsSymlink',
      field: 'target',
      requestId,
      message: `requireTarget: the target ${JSON.stringify(target)} ${why}; no link was written`,
    });
  }

  /**
   * A presigned PutSymlink: a URL (V4 query form) plus the headers that must be sent with it,
   * so that another party (a browser) can create exactly this link until `expiresAt`. Nothing is
   * sent, so there is no `requireTarget` here: check the target with `headObject` if needed.
   */
  async presignPutSymlink(key: string, target: string, options: Omit<PutSymlinkOptions, 'requireTarget'> & PresignOptions = {}): Promise<PresignedRequest> {
    return this.#presign(putSymlinkOperation(key, target, options), options.expires, 'PUT');
  }

  /** A presigned GetSymlink URL. */
  async presignGetSymlink(key: string, options: PresignOptions & { versionId?: string } = {}): Promise<PresignedRequest> {
    return this.#presign(getSymlinkOperation(key, options.versionId), options.expires, 'GET');
  }

  /** Uploads an object (small bodies; the body is sent as one piece and can be retried). */
  async putObject(key: string, body: Body, options: ObjectOptions = {}): Promise<ObjectResult> {
    const op = objectOperation('putObject', key, options);
    // fetch adds a Content-Type of its own to string and typed Blob bodies; it is always signed,
    // so it has to be known (and set) before signing.
    if (!op.headers!.some(([name]) => name.toLowerCase() === 'content-type')) op.headers!.push(['content-type', defaultContentType(body)]);
    const answer = await this.#send(op, input.signal(options.signal), body);
    return objectResult(answer);
  }

  /** Downloads an object; a symlink is followed to its target by OSS. */
  async getObject(key: string, options: ObjectOptions = {}): Promise<GetObjectResult> {
    const answer = await this.#send(objectOperation('getObject', key, options), input.signal(options.signal));
    return { ...objectResult(answer), body: answer.body, text: () => new TextDecoder().decode(answer.body) };
  }

  async headObject(key: string, options: ObjectOptions = {}): Promise<ObjectResult> {
    return objectResult(await this.#send(objectOperation('headObject', key, options), input.signal(options.signal)));
  }

  async deleteObject(key: string, options: ObjectOptions = {}): Promise<ObjectResult> {
    return objectResult(await this.#send(objectOperation('deleteObject', key, options), input.signal(options.signal)));
  }

  async #presign(op: Operation, expiresOption: unknown, method: 'PUT' | 'GET'): Promise<PresignedRequest> {
    const expires = input.optNumber(expiresOption, 'expires') ?? DEFAULT_EXPIRES;
    await ready();
    const credentials = await this.#credentials.get();
    const now = this.#now();
    const prepared = this.#prepare({ ...op, presignExpires: expires }, credentials, now);
    return { url: prepared.url, method, headers: Object.fromEntries(prepared.headers), expiresAt: new Date(Math.floor(now / 1000) * 1000 + expires * 1000) };
  }

  /** The local clock, corrected by what RequestTimeTooSkewed answers taught. */
  #now(): number {
    return Date.now() + this.#clockOffsetMs;
  }

  #prepare(op: Operation, credentials: ResolvedCredentials, time: number): Prepared {
    return prepareOperation(this.#settings, credentials, op, time);
  }

  /** Sends one operation with retries; resolves with a 2xx answer or rejects with an OssError. */
  async #send(op: Operation, signal: AbortSignal | undefined, body?: Body): Promise<Answer> {
    // Each await costs a promise and a trip through the microtask queue: skip the ones with
    // nothing to wait for (core loaded, credentials fresh).
    if (!isReady()) await ready();
    let refreshedExpiredToken = false;
    let unsure = false;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const credentials = this.#credentials.peek() ?? await this.#credentials.get();
      const prepared = this.#prepare(op, credentials, this.#now());
      let error: OssError;
      let immediate = false;
      try {
        const answer = await this.#attempt(prepared, body, signal, credentials);
        if (answer.status >= 200 && answer.status < 300) return { ...answer, attempts: attempt };
        error = this.#readError(answer, credentials);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (!(e instanceof OssError)) throw e;
        error = e;
      }
      error.attempts = attempt;
      if (error.status === 0 || error.status >= 500) unsure = true;
      if (unsure) unsureAfterLostAnswer.add(error);

      if (error.code === 'SecurityTokenExpired' && this.#credentials.isProvider && !refreshedExpiredToken) {
        refreshedExpiredToken = true;
        this.#credentials.invalidate(credentials);
        attempt--; // a refresh is not a failed attempt
        continue;
      }
      if (error.code === 'RequestTimeTooSkewed') {
        const serverMs = Date.parse(error.serverTime);
        if (Number.isFinite(serverMs)) {
          this.#clockOffsetMs = serverMs - Date.now();
          immediate = true;
        }
      }
      if (attempt >= this.#maxAttempts || !isRetryable(error)) throw error;
      const delayMs = immediate ? 0 : this.#backoff(attempt);
      this.#onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, signal);
    }
  }

  /** Full jitter: a random delay in [0, min(cap, base × 2^(attempt-1))]. */
  #backoff(attempt: number): number {
    return Math.random() * Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
  }

  /** One HTTP exchange under the caller's signal and the per-attempt timeout. */
  async #attempt(prepared: Prepared, body: Body | undefined, signal: AbortSignal | undefined, credentials: ResolvedCredentials): Promise<Omit<Answer, 'attempts'>> {
    // fetch gets a signal only when something can abort, and a signal of its own only when the
    // caller's abort and the timeout both apply: undici spends far more CPU per distinct signal
    // than per request following a shared one.
    let fetchSignal = signal;
    let batch: TimeoutBatch | undefined;
    let onAbort: (() => void) | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    if (this.#timeoutMs > 0 && !signal) {
      batch = this.#joinTimeoutBatch();
      fetchSignal = batch.controller.signal;
    } else if (this.#timeoutMs > 0) {
      const controller = new AbortController();
      fetchSignal = controller.signal;
      onAbort = () => controller.abort(signal!.reason);
      signal!.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => { timedOut = true; controller.abort(); }, this.#timeoutMs);
    }
    try {
      // The signal may have fired while credentials were awaited; its listener would never run.
      signal?.throwIfAborted();
      const init: RequestInit = { method: prepared.method, headers: prepared.headers };
      if (fetchSignal) init.signal = fetchSignal;
      if (body !== undefined) init.body = body as BodyInit;
      const response = await this.#fetch(prepared.url, init);
      // An empty body is not read: reading costs undici a stream pipeline for nothing.
      const bytes = prepared.method === 'HEAD' || response.body === null || response.headers.get('content-length') === '0'
        ? new Uint8Array(0)
        : new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, body: bytes };
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const host = safeOrigin(prepared.url);
      const why = e instanceof Error ? describeFetchError(e) : String(e);
      throw new OssError(timedOut || batch?.timedOut
        ? { code: 'RequestTimeout', message: `no answer from ${host} within ${this.#timeoutMs} ms` }
        : { code: 'NetworkError', message: redact(`request to ${host} failed: ${why}`, [credentials.accessKeySecret, credentials.securityToken]), cause: e });
    } finally {
      if (batch) this.#leaveTimeoutBatch(batch);
      if (timer !== undefined) clearTimeout(timer);
      if (onAbort) signal!.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The timeout batch for an attempt starting now: the open one, or a new one if it is full or
   * its window has passed. Its timer fires only once the batch's last attempt is `timeoutMs`
   * old, so no attempt is abandoned early, and none more than the window late.
   */
  #joinTimeoutBatch(): TimeoutBatch {
    const now = performance.now();
    let batch = this.#batch;
    if (!batch || batch.attempts >= BATCH_MAX_ATTEMPTS || now - batch.first > Math.min(BATCH_WINDOW_MS, this.#timeoutMs / 10)) {
      const b: TimeoutBatch = { controller: new AbortController(), timer: undefined, first: now, last: now, attempts: 0, pending: 0, timedOut: false };
      const fire = () => {
        const wait = b.last + this.#timeoutMs - performance.now();
        if (wait > 0) {
          b.timer = setTimeout(fire, wait); // attempts joined after the first: wait for the last one
          return;
        }
        b.timedOut = true;
        if (this.#batch === b) this.#batch = undefined;
        b.controller.abort();
      };
      b.timer = setTimeout(fire, this.#timeoutMs);
      setMaxListeners?.(4 * BATCH_MAX_ATTEMPTS, b.controller.signal);
      batch = this.#batch = b;
    }
    batch.attempts++;
    batch.pending++;
    batch.last = now;
    return batch;
  }

  #leaveTimeoutBatch(batch: TimeoutBatch): void {
    // Nothing left to abandon: stop the timer (it would keep the process alive) and let the next
    // attempt start a new batch.
    if (--batch.pending === 0) {
      clearTimeout(batch.timer);
      if (this.#batch === batch) this.#batch = undefined;
    }
  }

  #readError(answer: Omit<Answer, 'attempts'>, credentials: ResolvedCredentials): OssError {
    const text = new TextDecoder().decode(answer.body);
    const e = callCore<{ code: string; message: string; requestId: string; hostId: string; ec: string; recommendDoc: string; serverTime: string }>(
      (c) => c.parseErrorResponse(answer.status, [...answer.headers], text),
    );
    const secrets = [credentials.accessKeySecret, credentials.securityToken];
    const serverTime = e.serverTime || (e.code === 'RequestTimeTooSkewed' ? answer.headers.get('date') ?? '' : '');
    return new OssError({ ...e, message: redact(e.message, secrets), status: answer.status, serverTime });
  }
}

function putSymlinkOperation(key: unknown, target: unknown, o: PutSymlinkOptions): Operation & { target: string } {
  if (o === null || typeof o !== 'object') throw new OssError({ code: 'InvalidInput', field: 'options', message: 'options must be an object' });
  const op: Operation & { target: string } = {
    op: 'putSymlink',
    key: input.str(key, 'key'),
    target: input.str(target, 'target'),
    meta: input.pairs(o.meta, 'meta'),
    tagging: input.pairs(o.tagging, 'tagging'),
    headers: input.pairs(o.headers, 'headers'),
    additionalHeaders: input.strList(o.additionalHeaders, 'additionalHeaders'),
  };
  const forbid = input.optBool(o.forbidOverwrite, 'forbidOverwrite');
  if (forbid !== undefined) op.forbidOverwrite = forbid;
  const acl = input.optStr(o.acl, 'acl');
  if (acl !== undefined) op.acl = acl;
  const storageClass = input.optStr(o.storageClass, 'storageClass');
  if (storageClass !== undefined) op.storageClass = storageClass;
  return op;
}

function getSymlinkOperation(key: unknown, versionId: unknown): Operation {
  const op: Operation = { op: 'getSymlink', key: input.str(key, 'key') };
  const version = input.optStr(versionId, 'versionId');
  if (version) op.versionId = version;
  return op;
}

function objectOperation(op: Operation['op'], key: unknown, o: ObjectOptions): Operation {
  const out: Operation = {
    op,
    key: input.str(key, 'key'),
    headers: input.pairs(o.headers, 'headers'),
    additionalHeaders: input.strList(o.additionalHeaders, 'additionalHeaders'),
  };
  const versionId = input.optStr(o.versionId, 'versionId');
  if (versionId) out.versionId = versionId;
  return out;
}

function defaultContentType(body: Body): string {
  if (typeof body === 'string') return 'text/plain;charset=UTF-8';
  if (typeof Blob !== 'undefined' && body instanceof Blob && body.type) return body.type;
  return 'application/octet-stream';
}

function writeResult(headers: Headers): { requestId: string; etag: string; versionId?: string } {
  const versionId = headers.get('x-oss-version-id');
  return { requestId: headers.get('x-oss-request-id') ?? '', etag: headers.get('etag') ?? '', ...(versionId ? { versionId } : {}) };
}

function objectResult(answer: Answer): ObjectResult {
  return { status: answer.status, ...writeResult(answer.headers), headers: answer.headers, attempts: answer.attempts };
}

/** Network errors, 5xx, 408, 429 and clock skew are worth another attempt; other 4xx are not. */
function isRetryable(e: OssError): boolean {
  if (e.status === 0) return e.code === 'NetworkError' || e.code === 'RequestTimeout';
  return e.status >= 500 || e.status === 408 || e.status === 429 || e.code === 'RequestTimeTooSkewed';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => { clearTimeout(timer); reject(signal?.reason); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the endpoint';
  }
}

/** undici hides the real reason (ECONNRESET, ...) in `cause`. */
function describeFetchError(e: Error): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${e.message} (${detail})` : e.message;
}
