/**
 * One error type for everything that can go wrong:
 * - invalid input, found before any network call: `status` 0 and a `code` such as
 *   `InvalidObjectName` or `InvalidHeaderValue`, with `field` naming the input;
 * - transport failures: `status` 0 and `code` `NetworkError`, `RequestTimeout` or
 *   `CredentialsProviderError`;
 * - answers from OSS: the HTTP `status` and OSS's `code`, `message`, `requestId`, `hostId`, `ec`,
 *   `recommendDoc` (and `serverTime` for `RequestTimeTooSkewed`);
 * - `requireTarget` refusals, before any write: `status` 0, `field` `target` and `code`
 *   `SymlinkTargetNotFound` or `SymlinkTargetIsSymlink` (with the HEAD's `requestId`).
 *
 * Messages never contain an access key secret or a security token.
 */
export class OssError extends Error {
  override name = 'OssError';
  /** OSS error code (`FileAlreadyExists`, `AccessDenied`, ...) or a client-side code. */
  readonly code: string;
  /** HTTP status of the answer; 0 when no answer was received. */
  readonly status: number;
  readonly requestId: string;
  readonly hostId: string;
  /** OSS's detailed error code, e.g. `0026-00000011`. */
  readonly ec: string;
  readonly recommendDoc: string;
  /** The server's clock (ISO 8601), for `RequestTimeTooSkewed`. */
  readonly serverTime: string;
  /** For input errors: the option that is wrong, e.g. `key`, `meta.location`. */
  readonly field: string;
  /** How many HTTP attempts were made before this error (0 for input errors). */
  attempts: number;

  constructor(init: OssErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status ?? 0;
    this.requestId = init.requestId ?? '';
    this.hostId = init.hostId ?? '';
    this.ec = init.ec ?? '';
    this.recommendDoc = init.recommendDoc ?? '';
    this.serverTime = init.serverTime ?? '';
    this.field = init.field ?? '';
    this.attempts = init.attempts ?? 0;
  }

  /** True for input errors: refused before anything was sent (status 0, not a transport failure). */
  get isInputError(): boolean {
    return this.status === 0 && !NOT_INPUT_ERRORS.has(this.code);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      message: this.message,
      requestId: this.requestId,
      hostId: this.hostId,
      ec: this.ec,
      recommendDoc: this.recommendDoc,
      serverTime: this.serverTime,
      field: this.field,
      attempts: this.attempts,
    };
  }
}

/** Client-side codes with status 0 that are not about the caller's input. */
const NOT_INPUT_ERRORS = new Set([
  // requireTarget's refusals: found by a HEAD of the target, not in the input.
  'SymlinkTargetNotFound', 'SymlinkTargetIsSymlink',
  'NetworkError', 'RequestTimeout', 'CredentialsProviderError', 'CredentialsNotReady',
  'WasmLoadError', 'WasmNotReady', 'InternalError',
]);

export interface OssErrorInit {
  code: string;
  message: string;
  status?: number;
  requestId?: string;
  hostId?: string;
  ec?: string;
  recommendDoc?: string;
  serverTime?: string;
  field?: string;
  attempts?: number;
  cause?: unknown;
}

/** Replaces every occurrence of the given secrets in `text`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
