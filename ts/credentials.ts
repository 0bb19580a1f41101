/**
 * Credentials with single-flight refresh: static credentials are used as they are; a provider
 * is called when there are no credentials yet or they expire within the margin, and however many
 * requests wait at that moment, the provider is called once. A failure rejects those waiting
 * requests and the next request calls the provider again.
 *
 * Each waiter waits under its own signal and timeout: giving up rejects that waiter only, and the
 * shared refresh goes on for the others. A refresh older than the timeout is abandoned for the
 * next caller (it may still land), so a hung provider is asked again rather than waited on forever.
 */
import { OssError, redact } from './errors.js';
import { optStr, str } from './input.js';
import type { Credentials, CredentialsSource } from './types.js';

export interface ResolvedCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** Milliseconds since the epoch, or undefined for credentials that do not expire. */
  expiresAtMs?: number;
}

export class CredentialCache {
  readonly #provider?: () => Credentials | Promise<Credentials>;
  readonly #marginMs: number;
  #current?: ResolvedCredentials;
  #inflight?: { promise: Promise<ResolvedCredentials>; startedAt: number };
  /** Provider calls so far (for tests and diagnostics). */
  calls = 0;

  constructor(source: CredentialsSource, marginMs: number) {
    this.#marginMs = marginMs;
    if (typeof source === 'function') this.#provider = source;
    else if (source && typeof source === 'object') this.#current = resolve(source);
    else throw new OssError({ code: 'InvalidCredentials', field: 'credentials', message: 'credentials must be an object or a function returning one' });
  }

  get isProvider(): boolean {
    return this.#provider !== undefined;
  }

  /** Secrets currently known, so that error texts can be scrubbed of them. */
  secrets(): string[] {
    const c = this.#current;
    return c ? [c.accessKeySecret, c.securityToken ?? ''] : [];
  }

  /**
   * The credentials to use, refreshed if needed. Waits at most `timeoutMs` (0: no limit) and
   * until `signal` aborts, rejecting with `CredentialsProviderError` or the signal's reason.
   */
  async get(signal?: AbortSignal, timeoutMs = 0): Promise<ResolvedCredentials> {
    const now = Date.now();
    const current = this.peek(now);
    if (current) return current;
    if (!this.#provider) throw new OssError({ code: 'InvalidCredentials', field: 'credentials', message: 'credentials are missing' });
    signal?.throwIfAborted();
    let inflight = this.#inflight;
    if (!inflight || (timeoutMs > 0 && now - inflight.startedAt >= timeoutMs)) {
      const promise = this.#refresh();
      // Every waiter may have given up by the time it settles: that is no unhandled rejection.
      promise.catch(() => {});
      inflight = this.#inflight = { promise, startedAt: now };
      const own = inflight;
      void promise.finally(() => {
        if (this.#inflight === own) this.#inflight = undefined;
      }).catch(() => {});
    }
    return waitFor(inflight.promise, signal, timeoutMs);
  }

  /** The credentials to use now without waiting, if there are any (static, or fetched and fresh). */
  peek(now = Date.now()): ResolvedCredentials | undefined {
    const current = this.#current;
    if (current && (!this.#provider || !expiresSoon(current, now, this.#marginMs))) return current;
    return undefined;
  }

  /** Forget the current credentials (after SecurityTokenExpired): the next get() refreshes. */
  invalidate(stale?: ResolvedCredentials): void {
    if (this.#provider && (!stale || stale === this.#current)) this.#current = undefined;
  }

  async #refresh(): Promise<ResolvedCredentials> {
    try {
      this.calls++;
      const fresh = resolve(await this.#provider!());
      this.#current = fresh;
      return fresh;
    } catch (e) {
      if (e instanceof OssError) throw e;
      throw new OssError({
        code: 'CredentialsProviderError',
        field: 'credentials',
        message: redact(`the credentials provider failed: ${e instanceof Error ? e.message : String(e)}`, this.secrets()),
        cause: e,
      });
    }
  }
}

/** `promise`, or a rejection once `signal` aborts or `timeoutMs` (0: never) passes. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined, timeoutMs: number): Promise<T> {
  if (!signal && timeoutMs <= 0) return promise;
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => settle(() => reject(signal!.reason));
    const settle = (action: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      action();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs > 0) {
      timer = setTimeout(() => settle(() => reject(new OssError({
        code: 'CredentialsProviderError',
        field: 'credentials',
        message: `the credentials provider did not answer within ${timeoutMs} ms`,
      }))), timeoutMs);
    }
    promise.then((value) => settle(() => resolve(value)), (e: unknown) => settle(() => reject(e)));
  });
}

function resolve(c: Credentials): ResolvedCredentials {
  if (!c || typeof c !== 'object') {
    throw new OssError({ code: 'InvalidCredentials', field: 'credentials', message: 'credentials must be an object with accessKeyId and accessKeySecret' });
  }
  const out: ResolvedCredentials = {
    accessKeyId: str(c.accessKeyId, 'credentials.accessKeyId'),
    accessKeySecret: str(c.accessKeySecret, 'credentials.accessKeySecret'),
  };
  const token = optStr(c.securityToken, 'credentials.securityToken');
  if (token) out.securityToken = token;
  if (c.expiration !== undefined && c.expiration !== null) out.expiresAtMs = expirationMs(c.expiration);
  return out;
}

/**
 * Below this, a number of milliseconds would be before 1973, while as seconds it is any date
 * until the year 5138: such a number can only be seconds.
 */
const SMALLEST_EPOCH_MS = 1e11;

/** `expiration` as milliseconds: an ISO 8601 string (what STS returns), a Date, or epoch milliseconds. */
function expirationMs(expiration: unknown): number {
  const invalid = (why: string) => new OssError({ code: 'InvalidCredentials', field: 'credentials.expiration', message: `credentials.expiration ${why}` });
  if (typeof expiration === 'number') {
    if (!Number.isFinite(expiration) || expiration < 0) throw invalid(`must be a date, got the number ${expiration}`);
    if (expiration < SMALLEST_EPOCH_MS) {
      throw invalid(`is ${expiration}, which can only be seconds since the epoch; give milliseconds (seconds × 1000), a Date or an ISO 8601 string`);
    }
    return expiration;
  }
  const ms = expiration instanceof Date ? expiration.getTime() : typeof expiration === 'string' ? Date.parse(expiration) : NaN;
  if (!Number.isFinite(ms)) throw invalid('is not a valid date (give an ISO 8601 string such as STS returns, a Date, or epoch milliseconds)');
  return ms;
}

function expiresSoon(c: ResolvedCredentials, now: number, marginMs: number): boolean {
  return c.expiresAtMs !== undefined && c.expiresAtMs - marginMs <= now;
}
