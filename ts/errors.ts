/**
 * One error type for everything that can go wrong:
 * - invalid input, found before any network call: `status` 0 and a `code` such as
 *   `InvalidObjectName` or `InvalidHeaderValue`, with `field` naming the input;
 * - transport failures: `status` 0 and `code` `NetworkError`, `RequestTimeout` or
 *   `CredentialsProviderError`;
 * - answers from OSS: the HTTP `status` and OSS's `code`, `message`, `requestId`, `hostId`, `ec`,
 *   `recommendDoc` (and `serverTime` for `RequestTimeTooSkewed`);
 * - `requireTarget` refusals, before any write: `status` 0, `field` `target` and `code`
 *   `SymlinkTargetNotFound` or `SymlinkTargetIsSymlink` (with the HEAD's `requestId`);
 * - `UnexpectedRedirect`: a 3xx answer (never followed), with `location` (its query left out).
 *
 * No field ever contains an access key secret or a security token.
 */
export class OssError extends Error {
  override name = 'OssError';
  /** OSS error code (`FileAlreadyExists`, `AccessDenied`, ...) or a client-side code. */
  declare readonly code: string;
  /** HTTP status of the answer; 0 when no answer was received. */
  declare readonly status: number;
  declare readonly requestId: string;
  declare readonly hostId: string;
  /** OSS's detailed error code, e.g. `0026-00000011`. */
  declare readonly ec: string;
  declare readonly recommendDoc: string;
  /** The server's clock (ISO 8601), for `RequestTimeTooSkewed`. */
  declare readonly serverTime: string;
  /** For input errors: the option that is wrong, e.g. `key`, `meta.location`. */
  declare readonly field: string;
  /** For `UnexpectedRedirect`: where the answer pointed, without its query string. */
  declare readonly location: string;
  /** How many HTTP attempts were made before this error (0 for input errors). */
  declare attempts: number;
  /**
   * True when a write may have been applied although the call failed: an attempt's answer was
   * lost (network error, timeout, 5xx) and the client could not prove what happened. For
   * `putSymlink` with `forbidOverwrite`, a `FileAlreadyExists` with `outcomeUnknown: false` means
   * the link is proven not to be this call's (another writer's, or there before).
   */
  declare outcomeUnknown: boolean;

  /**
   * `secrets` are scrubbed from the message and every text field: errors made from what the
   * network said may echo a header (a proxy that reflects the request, a hostile endpoint).
   */
  constructor(init: OssErrorInit, secrets: readonly (string | undefined)[] = []) {
    const clean = <T>(value: T) => (typeof value === 'string' ? redact(value, secrets) : value);
    super(clean(init.message), init.cause === undefined ? undefined : { cause: init.cause });
    // Every field, in this order, from `init` or its default.
    for (const name in FIELD_DEFAULTS) {
      const key = name as keyof typeof FIELD_DEFAULTS;
      (this as Record<string, unknown>)[key] = clean(init[key] ?? FIELD_DEFAULTS[key]);
    }
  }

  /** True for input errors: refused before anything was sent (status 0, not a transport failure). */
  get isInputError(): boolean {
    return this.status === 0 && !NOT_INPUT_ERRORS.test(this.code);
  }

  toJSON(): Record<string, unknown> {
    const { name, code, status, message, ...rest } = this;
    return { name, code, status, message, ...rest };
  }
}

/** The fields of an OssError, in the order `toJSON` lists them, with their defaults. */
const FIELD_DEFAULTS = {
  code: '', status: 0, requestId: '', hostId: '', ec: '', recommendDoc: '', serverTime: '', field: '', location: '', attempts: 0, outcomeUnknown: false,
};

/**
 * Client-side codes with status 0 that are not about the caller's input: requireTarget's
 * refusals (SymlinkTargetNotFound, SymlinkTargetIsSymlink: found by a HEAD, not in the input),
 * transport failures, the credentials provider, the WebAssembly core and redirects.
 */
const NOT_INPUT_ERRORS = /^(SymlinkTarget|NetworkError|RequestTimeout|CredentialsProviderError|CredentialsNotReady|Wasm|InternalError|UnexpectedRedirect)/;

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
  location?: string;
  attempts?: number;
  outcomeUnknown?: boolean;
  cause?: unknown;
}

/** Replaces every occurrence of the given secrets in `text`. */
function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
