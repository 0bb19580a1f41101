/**
 * `OssClient`: the I/O half of the library. The Rust core prepares each request (validated,
 * signed, addressed); this class owns credentials, the clock offset, `fetch`, timeouts, abort
 * and retries.
 */
import { checkSettings, isReady, Packer, PARSE_ERROR, PARSE_GET_SYMLINK, prepareOperation, ready, toPairs, type ClientSettings, type Operation, type Prepared } from './core.js';
import { CredentialCache, type ResolvedCredentials } from './credentials.js';
import { OssError } from './errors.js';
import * as input from './input.js';
import type {
  FetchLike, GetObjectResult, GetSymlinkOptions, GetSymlinkResult, ObjectOptions, ObjectResult,
  OssClientOptions, PresignedRequest, PresignOptions, PutSymlinkOptions, PutSymlinkResult, RetryInfo, RetryOptions, SignedHttpRequest, TargetState,
} from './types.js';
import { sleep } from './wait.js';
import { addWriteId, WRITE_ID_META } from './write-id.js';

/** A complete answer: the body is read inside the attempt, under its timeout. */
interface Answer {
  status: number;
  headers: Headers;
  body: Uint8Array;
  attempts: number;
}

type Body = string | Uint8Array | ArrayBuffer | Blob;

/** An attempt's timeout: its signal for fetch, whether it fired, and its release once the attempt ends. */
export interface AttemptTimeout {
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  done(): void;
}

/**
 * Tuning for one runtime, installed by its entry: Node's (ts/node-tuning.ts) shares timeouts
 * between attempts and skips reading empty answers. Browsers and workers keep the defaults.
 */
export interface RuntimeTuning {
  /** Per client: the timeout of an attempt without a caller's signal. Default: its own timer. */
  sharedTimeouts?: (timeoutMs: number) => () => AttemptTimeout;
  /** Leave an answer announced empty (`content-length: 0`) unread. */
  skipEmptyBodies?: boolean;
}

let tuning: RuntimeTuning = {};

/** Used by entry points: the tuning from now on (shared timeouts: for clients made from now on). */
export function tuneRuntime(t: RuntimeTuning): void {
  tuning = t;
}

const DEFAULT_EXPIRES = 900;
/** OSS's EC for a read through a symlink whose target is missing (HEAD/GET answer 404 NoSuchKey). */
const DANGLING_LINK_EC = '0026-00000012';
/** How much of an error answer is read: OSS's error XML is well under 1 KB. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const EMPTY: Uint8Array = new Uint8Array(0);
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
  readonly #onRetry: ((info: RetryInfo) => void) | undefined;
  #clockOffsetMs = 0;
  /** Whether the settings passed the core's checks (done as soon as the core is loaded). */
  #settingsChecked = false;
  /** Where attempts without a caller's signal get their timeout, if not from a timer of their own. */
  readonly #sharedTimeout?: () => AttemptTimeout;

  constructor(options: OssClientOptions) {
    if (!options || typeof options !== 'object') throw input.invalid('options', 'expected an object');
    this.region = input.str(options.region, 'region');
    this.bucket = input.str(options.bucket, 'bucket');
    this.#settings = {
      region: this.region,
      bucket: this.bucket,
      endpoint: input.optStr(options.endpoint, 'endpoint') ?? '',
      addressing: input.optStr(options.addressing, 'addressing') ?? '',
      product: input.optStr(options.product, 'product') ?? 'oss',
    };
    // Every delay ends up in a timer, which turns anything over MAX_TIMER_MS into ~1 ms.
    this.#timeoutMs = input.optRange(options.timeoutMs, 'timeoutMs', 0, input.MAX_TIMER_MS) ?? 60_000;
    const retry = input.optObject<RetryOptions>(options.retry, 'retry');
    this.#maxAttempts = input.optRange(retry.maxAttempts, 'retry.maxAttempts', 1, 100, true) ?? 3;
    this.#baseDelayMs = input.optRange(retry.baseDelayMs, 'retry.baseDelayMs', 0, input.MAX_TIMER_MS) ?? 200;
    this.#maxDelayMs = input.optRange(retry.maxDelayMs, 'retry.maxDelayMs', 0, input.MAX_TIMER_MS) ?? 20_000;
    const refreshMarginMs = input.optRange(options.refreshMarginMs, 'refreshMarginMs', 0, input.MAX_TIMER_MS) ?? 300_000;
    this.#credentials = new CredentialCache(options.credentials, refreshMarginMs);
    // Unbound global fetch throws "Illegal invocation" in browsers and workers.
    this.#fetch = input.optFunction<FetchLike>(options.fetch, 'fetch') ?? ((url, init) => globalThis.fetch(url, init));
    if (typeof globalThis.fetch !== 'function' && !options.fetch) throw input.invalid('fetch', 'no global fetch here: pass one');
    this.#onRetry = input.optFunction<(info: RetryInfo) => void>(options.onRetry, 'onRetry');
    if (tuning.sharedTimeouts && this.#timeoutMs > 0) this.#sharedTimeout = tuning.sharedTimeouts(this.#timeoutMs);
    // Where the core is loaded (Node, workers, browsers after initWasm), bad settings are refused
    // here; otherwise on the first call, once the core is loaded and before credentials are asked for.
    if (isReady()) this.#checkSettings();
  }

  #checkSettings(): void {
    checkSettings(this.#settings, this.#credentials.isProvider ? undefined : this.#credentials.peek());
    this.#settingsChecked = true;
  }

  /** The core loaded and the settings checked: what every call needs before anything else. */
  async #ready(): Promise<void> {
    if (!isReady()) await ready();
    if (!this.#settingsChecked) this.#checkSettings();
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
    const writeId = addWriteId(op, options.writeId);
    const signal = input.signal(options.signal);
    if (input.optBool(options.requireTarget, 'requireTarget')) await this.#requireTarget(op, signal);
    let result: PutSymlinkResult;
    try {
      result = writeResult(await this.#send(op, signal));
    } catch (e) {
      // An attempt whose answer was lost may have made the link that a retry then met.
      if (!(op.forbidOverwrite && e instanceof OssError && e.code === 'FileAlreadyExists' && e.outcomeUnknown)) throw e;
      result = await this.#claimEarlierWrite(op, writeId, e, signal);
    }
    return writeId ? { ...result, writeId } : result;
  }

  /**
   * `FileAlreadyExists` after a lost answer: the link is this call's only if it carries this
   * call's write id (and target). Proven otherwise, the conflict stands with `outcomeUnknown`
   * false; without a write id, or if the link cannot be read, it stands with `outcomeUnknown` true.
   */
  async #claimEarlierWrite(op: Operation & { target: string }, writeId: string | undefined, conflict: OssError, signal: AbortSignal | undefined): Promise<PutSymlinkResult> {
    const link = writeId && await this.getSymlink(op.key, { signal }).catch(() => {
      if (signal?.aborted) throw signal.reason;
    });
    if (!link) throw conflict;
    // The core gives metadata names in lower case.
    if (link.target !== op.target || link.meta[WRITE_ID_META] !== writeId) {
      conflict.outcomeUnknown = false;
      throw conflict;
    }
    const { requestId, etag, versionId } = link;
    return { status: 200, requestId, etag, ...(versionId ? { versionId } : {}), attempts: conflict.attempts, createdByEarlierAttempt: true };
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
  signPutSymlink(key: string, target: string, options: Omit<PutSymlinkOptions, 'signal' | 'writeId' | 'requireTarget'> = {}): SignedHttpRequest {
    const op = putSymlinkOperation(key, target, options);
    const credentials = this.#credentials.peek();
    if (!credentials) {
      throw new OssError({
        code: 'CredentialsNotReady',
        field: 'credentials',
        message: 'no credentials at hand: pass static ones, or make an async call first',
      });
    }
    const { method, url, headers } = this.#prepare(op, credentials);
    return { method, url, headers: Object.fromEntries(headers) };
  }

  /** Reads the symlink `key`: its target (decoded), ETag, metadata and version. */
  async getSymlink(key: string, options: GetSymlinkOptions = {}): Promise<GetSymlinkResult> {
    const checkTarget = input.optBool(options.checkTarget, 'checkTarget');
    const signal = input.signal(options.signal);
    const answer = await this.#send(objectOperation('getSymlink', key, { versionId: options.versionId }), signal);
    const info = new Packer().pairs([...answer.headers]).call(PARSE_GET_SYMLINK, 0);
    // target (decoded), etag, lastModified, requestId, 1 and the versionId or 0 and '', meta pairs
    const [target, etag, modified, requestId, , versionId] = info as [string, string, string, string, string, string];
    const result: GetSymlinkResult = { target, etag, meta: Object.fromEntries(toPairs(info, 6)), requestId, attempts: answer.attempts };
    const lastModified = new Date(modified);
    if (modified && !Number.isNaN(lastModified.getTime())) result.lastModified = lastModified;
    if (versionId) result.versionId = versionId;
    if (checkTarget) {
      const [state] = await this.#targetState(target, signal);
      result.targetState = state;
      result.targetExists = state === 'exists';
    }
    return result;
  }

  /**
   * What is at `target` and the request id that says so, from one HEAD of it. A HEAD through a
   * symlink reports `x-oss-object-type: Symlink`; when the target is a link whose own target is
   * missing, or a link to a link, the HEAD fails the way reads through such links fail
   * (EC 0026-00000012, or `InvalidTargetType`): either way the target is itself a symlink.
   */
  async #targetState(target: string, signal: AbortSignal | undefined): Promise<[TargetState, string]> {
    try {
      const { headers } = await this.#send(objectOperation('headObject', target, {}), signal);
      return [headers.get('x-oss-object-type')?.toLowerCase() === 'symlink' ? 'symlink' : 'exists', headers.get('x-oss-request-id') ?? ''];
    } catch (e) {
      if (!(e instanceof OssError)) throw e;
      if (e.ec === DANGLING_LINK_EC || e.code === 'InvalidTargetType') return ['symlink', e.requestId];
      if (e.status === 404 && (e.code === 'NoSuchKey' || e.code === 'NotFound')) return ['missing', e.requestId];
      throw e;
    }
  }

  /** The requireTarget check: refuses, before any write, a link that would not work when read. */
  async #requireTarget(op: Operation & { target: string }, signal: AbortSignal | undefined): Promise<void> {
    // Bad input must fail before any request, the HEAD included: the core checks the whole
    // PutSymlink (key, target, headers) when it prepares it, so prepare it once unsent.
    if (!this.#settingsChecked) await this.#ready();
    this.#prepare(op, this.#credentials.peek() ?? await this.#credentials.get(signal, this.#timeoutMs));
    const { key, target } = op;
    // A link to itself replaces its own target: once written, it is a link to a link.
    const [state, requestId] = key === target ? ['symlink', ''] : await this.#targetState(target, signal).catch((e: unknown) => {
      // Say which request failed: a PutSymlink call answering AccessDenied for a HEAD is a puzzle.
      if (!(e instanceof OssError)) throw e;
      throw new OssError({ ...e, message: `requireTarget: the HEAD of the target failed, no link was written: ${e.message}`, cause: e });
    });
    if (state === 'exists') return;
    const why = state === 'missing' ? 'does not exist' : key === target ? 'is the link itself' : 'is itself a symlink (OSS follows one level only)';
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
  async presignPutSymlink(key: string, target: string, options: Omit<PutSymlinkOptions, 'writeId' | 'requireTarget'> & PresignOptions = {}): Promise<PresignedRequest> {
    return this.#presign(putSymlinkOperation(key, target, options), options.expires, 'PUT', input.signal(options.signal));
  }

  /** A presigned GetSymlink URL. */
  async presignGetSymlink(key: string, options: PresignOptions & { versionId?: string } = {}): Promise<PresignedRequest> {
    return this.#presign(objectOperation('getSymlink', key, { versionId: options.versionId }), options.expires, 'GET');
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

  async #presign(op: Operation, expiresOption: unknown, method: 'PUT' | 'GET', signal?: AbortSignal): Promise<PresignedRequest> {
    const expires = input.optNumber(expiresOption, 'expires') ?? DEFAULT_EXPIRES;
    await this.#ready();
    const credentials = await this.#credentials.get(signal, this.#timeoutMs);
    const now = this.#now();
    const { url, headers } = this.#prepare({ ...op, presignExpires: expires }, credentials, now);
    return { url, method, headers: Object.fromEntries(headers), expiresAt: new Date((Math.floor(now / 1000) + expires) * 1000) };
  }

  /** The local clock, corrected by what RequestTimeTooSkewed answers taught. */
  #now(): number {
    return Date.now() + this.#clockOffsetMs;
  }

  #prepare(op: Operation, credentials: ResolvedCredentials, time = this.#now()): Prepared {
    return prepareOperation(this.#settings, credentials, op, time);
  }

  /** Sends one operation with retries; resolves with a 2xx answer or rejects with an OssError. */
  async #send(op: Operation, signal: AbortSignal | undefined, body?: Body): Promise<Answer> {
    // Each await costs a promise and a trip through the microtask queue: skip the ones with
    // nothing to wait for (core loaded, settings checked, credentials fresh).
    if (!this.#settingsChecked) await this.#ready();
    let refreshedExpiredToken = false;
    let unsure = false;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const credentials = this.#credentials.peek() ?? await this.#credentials.get(signal, this.#timeoutMs);
      const prepared = this.#prepare(op, credentials);
      let error: OssError;
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
      if (isLostAnswer(error)) unsure = true;
      // A write whose answer was lost may have been applied, whatever later attempts were told.
      if (unsure && op.op !== 'getSymlink' && op.op !== 'getObject' && op.op !== 'headObject') error.outcomeUnknown = true;

      if (error.code === 'SecurityTokenExpired' && this.#credentials.isProvider && !refreshedExpiredToken) {
        refreshedExpiredToken = true;
        this.#credentials.invalidate(credentials);
        attempt--; // a refresh is not a failed attempt
        continue;
      }
      let delayMs = this.#backoff(attempt);
      if (error.code === 'RequestTimeTooSkewed') {
        const serverMs = Date.parse(error.serverTime);
        if (Number.isFinite(serverMs)) {
          this.#clockOffsetMs = serverMs - Date.now();
          delayMs = 0;
        }
      }
      if (attempt >= this.#maxAttempts || !isRetryable(error)) throw error;
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
    // fetch gets a signal only when something can abort. Node's tuning shares one between
    // attempts without a caller's signal (ts/node-tuning.ts).
    const timeout = this.#timeoutMs > 0 ? (!signal && this.#sharedTimeout?.()) || ownTimeout(this.#timeoutMs, signal) : undefined;
    try {
      // The signal may have fired while credentials were awaited; its listener would never run.
      signal?.throwIfAborted();
      // A redirect is never followed: the request carries credentials (undici strips only
      // Authorization from a cross-origin redirect, not x-oss-security-token), and another
      // origin's 200 would be taken for OSS's.
      const response = await this.#fetch(prepared.url, {
        method: prepared.method, headers: prepared.headers, redirect: 'manual', signal: timeout?.signal ?? signal, body: body as BodyInit | undefined,
      });
      const { status, headers, body: stream } = response;
      if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
        void stream?.cancel().catch(() => {});
        throw redirectError(response, prepared.url, secretsOf(credentials));
      }
      const bytes = prepared.method === 'HEAD' || !stream || (tuning.skipEmptyBodies && headers.get('content-length') === '0') ? EMPTY
        : status >= 200 && status < 300 ? new Uint8Array(await response.arrayBuffer())
        : await readPrefix(stream, MAX_ERROR_BODY_BYTES);
      return { status, headers, body: bytes };
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (e instanceof OssError) throw e;
      const host = safeOrigin(prepared.url);
      const why = e instanceof Error ? describeFetchError(e) : String(e);
      throw timeout?.timedOut
        ? new OssError({ code: 'RequestTimeout', message: `no answer from ${host} within ${this.#timeoutMs} ms` })
        : new OssError({ code: 'NetworkError', message: `request to ${host} failed: ${why}`, cause: e }, secretsOf(credentials));
    } finally {
      timeout?.done();
    }
  }

  #readError(answer: Omit<Answer, 'attempts'>, credentials: ResolvedCredentials): OssError {
    const { status, headers } = answer;
    // An OSS error document is a few hundred bytes; a proxy's page can be anything. The core reads
    // the first megabyte (a call may use at most 64 MB of WebAssembly memory).
    const [code, message, requestId, hostId, ec, recommendDoc, serverTime] = new Packer()
      .value(headers.get('x-oss-err'))
      .value(headers.get('x-oss-request-id'))
      .value(headers.get('x-oss-ec'))
      .value(new TextDecoder().decode(answer.body.subarray(0, 1 << 20)))
      .call(PARSE_ERROR, status) as [string, string, string, string, string, string, string];
    return new OssError({
      code, message, requestId, hostId, ec, recommendDoc, status,
      serverTime: serverTime || (code === 'RequestTimeTooSkewed' ? headers.get('date') ?? '' : ''),
    }, secretsOf(credentials));
  }
}

function putSymlinkOperation(key: unknown, target: unknown, o: PutSymlinkOptions): Operation & { target: string } {
  if (o === null || typeof o !== 'object') throw input.invalid('options', 'expected an object');
  return {
    op: 'putSymlink',
    key: input.str(key, 'key'),
    target: input.str(target, 'target'),
    meta: input.pairs(o.meta, 'meta'),
    tagging: input.pairs(o.tagging, 'tagging'),
    headers: input.pairs(o.headers, 'headers'),
    additionalHeaders: input.strList(o.additionalHeaders, 'additionalHeaders'),
    forbidOverwrite: input.optBool(o.forbidOverwrite, 'forbidOverwrite'),
    acl: input.optStr(o.acl, 'acl'),
    storageClass: input.optStr(o.storageClass, 'storageClass'),
  };
}

function objectOperation(op: Operation['op'], key: unknown, o: ObjectOptions): Operation {
  return {
    op,
    key: input.str(key, 'key'),
    headers: input.pairs(o.headers, 'headers'),
    additionalHeaders: input.strList(o.additionalHeaders, 'additionalHeaders'),
    versionId: input.optStr(o.versionId, 'versionId') || undefined,
  };
}

function defaultContentType(body: Body): string {
  if (typeof body === 'string') return 'text/plain;charset=UTF-8';
  if (body instanceof Blob && body.type) return body.type;
  return 'application/octet-stream';
}

function writeResult({ status, headers, attempts }: Answer): PutSymlinkResult {
  const versionId = headers.get('x-oss-version-id');
  return { status, requestId: headers.get('x-oss-request-id') ?? '', etag: headers.get('etag') ?? '', ...(versionId ? { versionId } : {}), attempts };
}

function objectResult(answer: Answer): ObjectResult {
  return { ...writeResult(answer), headers: answer.headers };
}

/** An attempt that may have been applied without its answer arriving. */
function isLostAnswer(e: OssError): boolean {
  return e.status >= 500 || e.code === 'NetworkError' || e.code === 'RequestTimeout';
}

/** Lost answers, 408, 429 and clock skew are worth another attempt; other 4xx are not. */
function isRetryable(e: OssError): boolean {
  return isLostAnswer(e) || e.status === 408 || e.status === 429 || e.code === 'RequestTimeTooSkewed';
}

/** A timeout of its own for one attempt, also aborted by the caller's `signal`. */
function ownTimeout(ms: number, signal: AbortSignal | undefined): AttemptTimeout {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timeout.timedOut = true;
    controller.abort();
  }, ms);
  const timeout = {
    signal: controller.signal,
    timedOut: false,
    done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
  return timeout;
}

function secretsOf(c: ResolvedCredentials): (string | undefined)[] {
  return [c.accessKeySecret, c.securityToken];
}

/** At most `max` bytes of a body; the rest is cancelled, not downloaded. */
async function readPrefix(body: ReadableStream<Uint8Array<ArrayBuffer>>, max: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let length = 0;
  try {
    for (let chunk; length < max && !(chunk = await reader.read()).done; length += chunk.value.length) chunks.push(chunk.value);
    if (length >= max) void reader.cancel().catch(() => {});
  } finally {
    reader.releaseLock();
  }
  return new Uint8Array(await new Blob(chunks).arrayBuffer(), 0, Math.min(length, max));
}

/** `UnexpectedRedirect`: the status, and where it pointed without the query (which may hold a token). */
function redirectError({ status, headers }: Response, url: string, secrets: (string | undefined)[]): OssError {
  const raw = headers.get('location');
  let location = '';
  if (raw) {
    try {
      const target = new URL(raw, url);
      location = target.origin + target.pathname;
    } catch {
      location = raw.split(/[?#]/)[0]!;
    }
  }
  return new OssError({
    code: 'UnexpectedRedirect',
    status,
    location,
    requestId: headers.get('x-oss-request-id') ?? '',
    message: `${safeOrigin(url)} answered with ${status ? `HTTP ${status}` : 'a redirect'}${location ? ` to ${location}` : ''}, `
      + 'not followed: the request carries credentials',
  }, secrets);
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
