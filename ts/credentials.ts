/**
 * Credentials with single-flight refresh: static credentials are used as they are; a provider
 * is called when there are no credentials yet or they expire within the margin, and however many
 * requests wait at that moment, the provider is called once. A failure rejects those waiting
 * requests and the next request calls the provider again.
 */
import { OssError } from './errors.js';
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
  #inflight?: Promise<ResolvedCredentials>;
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

  async get(now = Date.now()): Promise<ResolvedCredentials> {
    const current = this.peek(now);
    if (current) return current;
    if (!this.#provider) throw new OssError({ code: 'InvalidCredentials', field: 'credentials', message: 'credentials are missing' });
    return (this.#inflight ??= this.#refresh());
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
        message: `the credentials provider failed: ${e instanceof Error ? e.message : String(e)}`,
        cause: e,
      });
    } finally {
      this.#inflight = undefined;
    }
  }
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
  if (c.expiration !== undefined && c.expiration !== null) {
    const ms = c.expiration instanceof Date ? c.expiration.getTime() : typeof c.expiration === 'number' ? c.expiration : Date.parse(c.expiration);
    if (!Number.isFinite(ms)) throw new OssError({ code: 'InvalidCredentials', field: 'credentials.expiration', message: 'credentials.expiration is not a valid date' });
    out.expiresAtMs = ms;
  }
  return out;
}

function expiresSoon(c: ResolvedCredentials, now: number, marginMs: number): boolean {
  return c.expiresAtMs !== undefined && c.expiresAtMs - marginMs <= now;
}
