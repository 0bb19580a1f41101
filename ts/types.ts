/** Public types of oss-symlink. */

/** An access key pair; with `securityToken` for STS credentials. */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /** When temporary credentials stop working; the client refreshes before then. */
  expiration?: Date | string | number;
}

/** Static credentials, or a function that returns (fresh) credentials. */
export type CredentialsSource = Credentials | (() => Credentials | Promise<Credentials>);

export type Addressing = 'virtual-hosted' | 'path' | 'cname';
export type ObjectAcl = 'default' | 'private' | 'public-read' | 'public-read-write';
export type StorageClass = 'Standard' | 'IA' | 'Archive';

/** The `fetch` the client uses; `globalThis.fetch` by default. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RetryOptions {
  /** Attempts in all, the first included. Default 3; 1 disables retries. */
  maxAttempts?: number;
  /** Backoff base in ms (full jitter: a random delay up to base × 2^(attempt-1)). Default 200. */
  baseDelayMs?: number;
  /** Longest backoff in ms. Default 20000. */
  maxDelayMs?: number;
}

export interface OssClientOptions {
  /** Region id, e.g. `cn-hangzhou`. */
  region: string;
  bucket: string;
  credentials: CredentialsSource;
  /** Default `https://oss-<region>.aliyuncs.com`. */
  endpoint?: string;
  /** Default `virtual-hosted`, or `path` for IP addresses and localhost. */
  addressing?: Addressing;
  /** Signing product: `oss` (default) or `oss-cloudbox`. */
  product?: string;
  fetch?: FetchLike;
  retry?: RetryOptions;
  /** Timeout of each HTTP attempt in ms. Default 60000; 0 disables it. */
  timeoutMs?: number;
  /** Refresh expiring credentials this long before they expire. Default 300000 (5 minutes). */
  refreshMarginMs?: number;
  /** Called after each failed attempt that will be retried. */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  error: Error;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** Names to string values: a plain object, or a `Map`. */
export type StringMap = Record<string, string> | ReadonlyMap<string, string>;

export interface PutSymlinkOptions extends CallOptions {
  /** Refuse to replace an existing object (409 FileAlreadyExists). */
  forbidOverwrite?: boolean;
  acl?: ObjectAcl;
  storageClass?: StorageClass;
  /** User metadata, sent as `x-oss-meta-<name>`; names are letters, digits and `-`. */
  meta?: StringMap;
  /** Object tags, sent as `x-oss-tagging`. At most 10. */
  tagging?: StringMap;
  /** Other headers, e.g. `content-disposition`. Printable ASCII only. */
  headers?: StringMap | Headers;
  /** Names of `headers` to include in the signature. */
  additionalHeaders?: string[];
  /**
   * With `forbidOverwrite`: the id written as `x-oss-meta-oss-symlink-write-id` so that, after a
   * lost answer, the link can be proven to be this call's. Default: 32 random hex characters;
   * pass your own (1 to 256 printable ASCII characters, e.g. derived from a job and row) to prove
   * a write across processes, or `false` to write none (a lost answer then leaves the outcome
   * unknown: `OssError.outcomeUnknown`). Not used without `forbidOverwrite`.
   */
  writeId?: string | false;
  /**
   * Check the target first (one HEAD, with the same signal, retries and credentials) and refuse,
   * before any write, when it is missing (`SymlinkTargetNotFound`) or is itself a symlink
   * (`SymlinkTargetIsSymlink`). A check, not a lock: the target can still be deleted later.
   */
  requireTarget?: boolean;
}

/**
 * What is at a link's target key, as a HEAD of it shows:
 * - `exists`: an object that is not a symlink (reads through the link work);
 * - `missing`: nothing (reads through the link answer 404, EC 0026-00000012);
 * - `symlink`: another symlink (OSS follows one level only, so reads through the link fail).
 */
export type TargetState = 'exists' | 'missing' | 'symlink';

export interface PutSymlinkResult {
  status: number;
  requestId: string;
  /** The ETag header as OSS sends it (quoted). */
  etag: string;
  /** Set when the bucket is versioned. */
  versionId?: string;
  /**
   * True when an attempt of this call made the link but its answer was lost, and a retry met
   * `FileAlreadyExists`: proven by the link's target and write id (see `writeId`).
   */
  createdByEarlierAttempt?: boolean;
  /** The write id stored with the link (`forbidOverwrite` calls, unless `writeId: false`). */
  writeId?: string;
  /** HTTP attempts made. */
  attempts: number;
}

export interface GetSymlinkOptions extends CallOptions {
  versionId?: string;
  /** Also HEAD the target (one more request) and report `targetState` and `targetExists`. */
  checkTarget?: boolean;
}

export interface GetSymlinkResult {
  /** The target key, decoded. */
  target: string;
  etag: string;
  lastModified?: Date;
  versionId?: string;
  meta: Record<string, string>;
  requestId: string;
  attempts: number;
  /** With `checkTarget`: what is at the target key. */
  targetState?: TargetState;
  /** With `checkTarget`: true when reads through the link reach an object (`targetState === 'exists'`). */
  targetExists?: boolean;
}

/** A signed request to send as it is. */
export interface SignedHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface PresignOptions {
  /** Seconds the URL stays valid, 1..604800. Default 900. */
  expires?: number;
}

export interface PresignedRequest {
  url: string;
  method: 'PUT' | 'GET';
  /** Headers that must be sent with the URL, unchanged. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface ObjectOptions extends CallOptions {
  headers?: StringMap | Headers;
  additionalHeaders?: string[];
  versionId?: string;
}

export interface ObjectResult {
  status: number;
  requestId: string;
  etag: string;
  versionId?: string;
  headers: Headers;
  attempts: number;
}

export interface GetObjectResult extends ObjectResult {
  body: Uint8Array;
  text(): string;
}

/** Input of the stand-alone signer `signRequest`. */
export interface SignRequestInput {
  method: string;
  region: string;
  /** `oss` (default) or `oss-cloudbox`. */
  product?: string;
  /** Where the request goes, for `url` (and `host`): default `https://oss-<region>.aliyuncs.com`. */
  endpoint?: string;
  /** Default `virtual-hosted`, or `path` for IP addresses and localhost. */
  addressing?: Addressing;
  bucket?: string;
  key?: string;
  /** Raw (unencoded) query parameters; `''` for a bare name such as `symlink`. */
  query?: Record<string, string>;
  /** Headers to send; `x-oss-*`, `content-type` and `content-md5` are always signed. */
  headers?: Record<string, string>;
  credentials: Credentials;
  /** Signing time. Default: now. */
  date?: Date;
  /**
   * Headers besides `x-oss-*`, `content-type` and `content-md5` to sign. `host` may be named: the
   * Host of `url` is signed (and not returned in `headers`: HTTP stacks set it from the URL).
   */
  additionalHeaders?: string[];
  /** Sign a presigned URL (query form) valid for this many seconds instead of a header. */
  presignExpires?: number;
}

export interface SignedRequest {
  /** The URL to send the request to (with the presigned query parameters for presigned URLs). */
  url: string;
  /** All headers to send, including `x-oss-date`, `x-oss-content-sha256`, `x-oss-security-token` and `authorization` (header form). */
  headers: Record<string, string>;
  /** The query parameters to send, in order, with the signature ones for presigned URLs. */
  query: [string, string][];
  signature: string;
  stringToSign: string;
  canonicalRequest: string;
}
