// Key pairs the server accepts: the configured permanent ones plus STS-style temporary ones it mints.
import { randomBytes } from 'node:crypto';
import type { Credential } from './auth.js';

export interface StsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ISO 8601. */
  expiration: string;
}

// Expired temporary keys are kept a while so clients get SecurityTokenExpired rather than
// InvalidAccessKeyId; past this they are forgotten, which also bounds memory.
const EXPIRED_RETENTION_MS = 60 * 60 * 1000;
const MAX_TEMPORARY = 100_000;

export class CredentialRegistry {
  private readonly permanent = new Map<string, Credential>();
  private readonly temporary = new Map<string, Credential>();

  constructor(credentials: Credential[]) {
    for (const credential of credentials) this.permanent.set(credential.accessKeyId, { ...credential });
  }

  lookup(accessKeyId: string): Credential | undefined {
    return this.permanent.get(accessKeyId) ?? this.temporary.get(accessKeyId);
  }

  mint(ttlSeconds: number, now: number): StsCredentials {
    if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive');
    this.prune(now);
    const accessKeyId = 'STS.' + randomBytes(15).toString('base64url');
    const accessKeySecret = randomBytes(30).toString('base64url');
    // Real tokens are long opaque base64 strings starting with CAIS; clients must pass them verbatim.
    const securityToken = 'CAIS' + randomBytes(96).toString('base64');
    const expiration = now + Math.round(ttlSeconds * 1000);
    this.temporary.set(accessKeyId, { accessKeyId, accessKeySecret, securityToken, expiration });
    return { accessKeyId, accessKeySecret, securityToken, expiration: new Date(expiration).toISOString() };
  }

  private prune(now: number): void {
    for (const [id, credential] of this.temporary) {
      if (this.temporary.size < MAX_TEMPORARY && credential.expiration! + EXPIRED_RETENTION_MS > now) break;
      this.temporary.delete(id); // Map iterates oldest first, so this drops the oldest keys.
    }
  }
}
