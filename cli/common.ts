// What every command shares: argument parsing, configuration from flags and environment,
// output that never carries a secret, and the mapping of errors to messages and exit codes.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OssError, type Addressing, type Credentials, type OssClientOptions } from '../ts/node.js';

/** Exit codes: 0 all done, 1 something failed, 2 usage or configuration, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A mistake of the user: printed as is (no stack), exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

/** Writes to stdout and stderr, replacing any secret that would otherwise slip through. */
export class Output {
  readonly #secrets: string[];

  constructor(secrets: (string | undefined)[]) {
    this.#secrets = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  out(line: string): void {
    process.stdout.write(`${this.redact(line)}\n`);
  }

  err(line: string): void {
    process.stderr.write(`${this.redact(line)}\n`);
  }

  /** Raw write to stderr (progress redraws). */
  errRaw(text: string): void {
    process.stderr.write(this.redact(text));
  }

  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every network command takes. */
export const CONNECTION_OPTIONS = {
  region: { type: 'string' },
  bucket: { type: 'string' },
  endpoint: { type: 'string' },
  addressing: { type: 'string' },
  timeout: { type: 'string' },
  'max-attempts': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Flags that set how a link is written (`ln`, and defaults of `bulk`). */
export const LINK_OPTIONS = {
  'forbid-overwrite': { type: 'boolean' },
  acl: { type: 'string' },
  'storage-class': { type: 'string' },
  'require-target': { type: 'boolean' },
} as const satisfies Options;

export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
}

/** `util.parseArgs` in strict mode, its errors turned into usage errors for `command`. */
export function parse(command: string, argv: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw new UsageError(message.replace(/^Unknown option '([^']+)'.*/, "unknown option '$1' (a key starting with '-' goes after '--')"), command);
  }
}

export const str = (values: Values, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};

/** An integer flag within bounds, or `fallback` when absent. */
export function intFlag(values: Values, name: string, min: number, max: number, fallback: number, command: string): number {
  const raw = str(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got '${raw}')`, command);
  return n;
}

/** A number of seconds (fractions allowed) within bounds, in milliseconds. */
export function secondsFlag(values: Values, name: string, min: number, max: number, fallbackMs: number, command: string): number {
  const raw = str(values, name);
  if (raw === undefined) return fallbackMs;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number of seconds from ${min} to ${max} (got '${raw}')`, command);
  return Math.round(n * 1000);
}

const ADDRESSING: readonly Addressing[] = ['virtual-hosted', 'path', 'cname'];

/**
 * Client options from flags, then the environment (OSS_REGION, OSS_BUCKET, OSS_ENDPOINT,
 * OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN). Keys are read from the
 * environment only: a secret on the command line would show in `ps` and shell history.
 */
export function clientOptions(values: Values, env: NodeJS.ProcessEnv, command: string, defaults: { maxAttempts: number }): OssClientOptions {
  const pick = (flag: string, name: string) => {
    const v = str(values, flag) ?? env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const region = pick('region', 'OSS_REGION');
  const bucket = pick('bucket', 'OSS_BUCKET');
  const endpoint = pick('endpoint', 'OSS_ENDPOINT');
  const addressing = str(values, 'addressing');
  const missing: string[] = [];
  if (!region) missing.push('a region: --region or OSS_REGION (e.g. cn-hangzhou)');
  if (!bucket) missing.push('a bucket: --bucket or OSS_BUCKET');
  const accessKeyId = env.OSS_ACCESS_KEY_ID?.trim();
  const accessKeySecret = env.OSS_ACCESS_KEY_SECRET?.trim();
  if (!accessKeyId) missing.push('an access key id: OSS_ACCESS_KEY_ID');
  if (!accessKeySecret) missing.push('an access key secret: OSS_ACCESS_KEY_SECRET');
  if (missing.length > 0) throw new UsageError(`missing configuration:\n  ${missing.join('\n  ')}`, command);
  if (addressing !== undefined && !ADDRESSING.includes(addressing as Addressing)) {
    throw new UsageError(`--addressing must be one of ${ADDRESSING.join(', ')} (got '${addressing}')`, command);
  }
  if (endpoint && /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) && !/^https?:\/\//i.test(endpoint)) {
    throw new UsageError(`--endpoint must be an http:// or https:// URL or a host name (got '${endpoint}')`, command);
  }
  const credentials: Credentials = { accessKeyId: accessKeyId!, accessKeySecret: accessKeySecret! };
  const token = env.OSS_SESSION_TOKEN?.trim();
  if (token) credentials.securityToken = token;
  const options: OssClientOptions = {
    region: region!,
    bucket: bucket!,
    credentials,
    timeoutMs: secondsFlag(values, 'timeout', 0, 3600, 60_000, command),
    retry: { maxAttempts: intFlag(values, 'max-attempts', 1, 100, defaults.maxAttempts, command) },
  };
  if (endpoint) options.endpoint = endpoint;
  if (addressing) options.addressing = addressing as Addressing;
  return options;
}

/** Errors that no retry or other row can fix: the configuration (keys, region, bucket) is wrong. */
const CONFIG_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'NoSuchBucket', 'InvalidBucketName', 'SecurityTokenExpired', 'InvalidSecurityToken']);

export function isConfigError(e: unknown): e is OssError {
  return e instanceof OssError && CONFIG_CODES.has(e.code);
}

/** What to do about an error, when we can tell. */
const HINTS: Record<string, string> = {
  InvalidAccessKeyId: 'check OSS_ACCESS_KEY_ID (and --endpoint: keys belong to one account)',
  SignatureDoesNotMatch: 'check OSS_ACCESS_KEY_SECRET and --region / OSS_REGION',
  NoSuchBucket: 'check --bucket / OSS_BUCKET and that --region / --endpoint are where the bucket lives',
  SecurityTokenExpired: 'get a fresh STS token into OSS_SESSION_TOKEN',
  InvalidSecurityToken: 'check OSS_SESSION_TOKEN (and that it belongs to OSS_ACCESS_KEY_ID)',
  AccessDenied: 'the key pair is not allowed to do this: check the RAM policy and bucket policy',
  NetworkError: 'check --endpoint / OSS_ENDPOINT and the network',
  RequestTimeout: 'the endpoint did not answer in time: check --endpoint, or raise --timeout',
  FileAlreadyExists: 'the link exists and --forbid-overwrite is set',
  NoSuchKey: 'there is no object with that name',
  NotSymlink: 'the object exists but is not a symbolic link',
  SymlinkTargetNotFound: 'create the target first, or leave out --require-target to link anyway',
  SymlinkTargetIsSymlink: 'OSS follows one level of links only: point the link at the final object',
};

/** One line describing an OssError for a person: code, status, message, request id, hint. */
export function describeError(e: OssError): string {
  const parts = [`${e.code}${e.status ? ` (${e.status})` : ''}: ${e.message}`];
  if (e.requestId) parts.push(`request id ${e.requestId}`);
  const hint = HINTS[e.code];
  return hint ? `${parts.join(', ')}\n  hint: ${hint}` : parts.join(', ');
}

/** `k=v` items of a repeatable flag as a record; a usage error names the bad item. */
export function pairsFlag(items: string[] | undefined, flag: string, command: string): Record<string, string> | undefined {
  if (!items || items.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} takes NAME=VALUE (got '${item}')`, command);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Process-wide: SIGINT/SIGTERM once asks `onStop` to wind down; a second time exits at once. */
export function onInterrupt(onStop: (signal: NodeJS.Signals) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(EXIT.interrupted);
    stopping = true;
    onStop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
