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
import { OssError } from './errors.js';
import { optStr, str } from './input.js';
import type { Credentials, CredentialsSource } from './types.js';
import { race } from './wait.js';

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
    else this.#current = resolve(source);
  }

  get isProvider(): boolean {
    return this.#provider !== undefined;
  }

  /**
   * The credentials to use, refreshed if needed. Waits at most `timeoutMs` (0: no limit) and
   * until `signal` aborts, rejecting with `CredentialsProviderError` or the signal's reason.
   */
  async get(signal?: AbortSignal, timeoutMs = 0): Promise<ResolvedCredentials> {
    const now = Date.now();
    const current = this.peek(now);
    if (current) return current;
    // Static credentials are always current: from here on there is a provider.
    signal?.throwIfAborted();
    let inflight = this.#inflight;
    if (!inflight || (timeoutMs > 0 && now - inflight.startedAt >= timeoutMs)) {
      const own = inflight = this.#inflight = { promise: this.#refresh(), startedAt: now };
      // Every waiter may have given up by the time it settles: that is no unhandled rejection.
      const settled = () => {
        if (this.#inflight === own) this.#inflight = undefined;
      };
      own.promise.then(settled, settled);
    }
    return race(inflight.promise, signal, timeoutMs > 0 ? timeoutMs : undefined, () => Promise.reject(new OssError({
      code: 'CredentialsProviderError',
      field: 'credentials',
      message: `the credentials provider did not answer within ${timeoutMs} ms`,
    })));
  }

  /** The credentials to use now without waiting, if there are any (static, or fetched and fresh). */
  peek(now = Date.now()): ResolvedCredentials | undefined {
    const current = this.#current;
    // A provider's credentials are refreshed `marginMs` before they expire (never, without
    // expiresAtMs: NaN <= now is false).
    if (current && !(this.#provider && current.expiresAtMs! - this.#marginMs <= now)) return current;
    return undefined;
  }

  /** Forget the current credentials (after SecurityTokenExpired): the next get() refreshes. */
  invalidate(stale?: ResolvedCredentials): void {
    if (this.#provider && (!stale || stale === this.#current)) this.#current = undefined;
  }

  async #refresh(): Promise<ResolvedCredentials> {
    try {
      this.calls++;
      return (this.#current = resolve(await this.#provider!()));
    } catch (e) {
      if (e instanceof OssError) throw e;
      const c = this.#current;
      throw new OssError({
        code: 'CredentialsProviderError',
        field: 'credentials',
        message: `the credentials provider failed: ${e instanceof Error ? e.message : String(e)}`,
        cause: e,
      }, [c?.accessKeySecret, c?.securityToken]);
    }
  }
}

const invalid = (field: string, message: string) => new OssError({ code: 'InvalidCredentials', field, message: `${field} ${message}` });

function resolve(c: Credentials): ResolvedCredentials {
  if (!c || typeof c !== 'object') throw invalid('credentials', 'must be { accessKeyId, accessKeySecret } or a function returning it');
  const expiration: unknown = c.expiration;
  return {
    accessKeyId: str(c.accessKeyId, 'credentials.accessKeyId'),
    accessKeySecret: str(c.accessKeySecret, 'credentials.accessKeySecret'),
    securityToken: optStr(c.securityToken, 'credentials.securityToken') || undefined,
    expiresAtMs: expiration === undefined || expiration === null ? undefined : expirationMs(expiration),
  };
}

/**
 * Below this, a number of milliseconds would be before 1973, while as seconds it is any date
 * until the year 5138: such a number can only be seconds.
 */
const SMALLEST_EPOCH_MS = 1e11;

/** `expiration` as milliseconds: an ISO 8601 string (what STS returns), a Date, or epoch milliseconds. */
function expirationMs(expiration: unknown): number {
  const ms = expiration instanceof Date ? expiration.getTime() : typeof expiration === 'string' ? Date.parse(expiration) : typeof expiration === 'number' ? expiration : NaN;
  if (!Number.isFinite(ms)) throw invalid('credentials.expiration', 'must be an ISO 8601 string (as STS returns), a Date or epoch milliseconds');
  if (typeof expiration === 'number' && ms < SMALLEST_EPOCH_MS) {
    throw invalid('credentials.expiration', `is ${expiration}: seconds? give epoch milliseconds`);
  }
  return ms;
}
