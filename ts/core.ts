/**
 * The bridge to the WebAssembly core. Every call goes through `callCore`, which turns the core's
 * thrown `{ code, field, message }` objects (and, defensively, any trap) into `OssError`s.
 * Entry points (node.ts, worker.ts, browser.ts) install the instantiated module.
 */
import { OssError } from './errors.js';

/** The functions exported by the Rust core (src/wasm.rs). */
export interface CoreExports {
  preparePacked(text: string, lengths: Uint32Array, timeMs: number): string;
  signRequest(input: unknown): unknown;
  parseErrorResponse(status: number, headers: unknown, body: string): unknown;
  parseGetSymlinkResponse(headers: unknown): unknown;
  checkSettings(region: string, bucket: string, endpoint: string, addressing: string, product: string, credentials: string[]): void;
}

let core: CoreExports | undefined;
let loader: (() => Promise<CoreExports>) | undefined;
let loading: Promise<CoreExports> | undefined;

/** Used by the entry points: the core is ready now. */
export function installCore(exports: CoreExports): void {
  core = exports;
}

/** Used by the browser entry: how to load the core on first use. */
export function setCoreLoader(load: () => Promise<CoreExports>): void {
  loader = load;
}

/** Whether the core is instantiated (always in Node and workers): then `ready()` need not be awaited. */
export function isReady(): boolean {
  return core !== undefined;
}

/** Resolves once the core is instantiated (immediately in Node and workers). */
export async function ready(): Promise<CoreExports> {
  if (core) return core;
  if (!loader) throw notReady();
  loading ??= loader().then(
    (c) => (core = c),
    (e: unknown) => {
      loading = undefined;
      throw new OssError({ code: 'WasmLoadError', message: `the WebAssembly core could not be loaded: ${String(e)}`, cause: e });
    },
  );
  return loading;
}

function notReady(): OssError {
  return new OssError({
    code: 'WasmNotReady',
    message: 'the WebAssembly core is not loaded yet: await initWasm() (or any client call) first',
  });
}

/** Calls into the core synchronously; the core must be ready. */
export function callCore<T>(fn: (c: CoreExports) => unknown): T {
  if (!core) throw notReady();
  try {
    return fn(core) as T;
  } catch (e) {
    throw toOssError(e);
  }
}

function toOssError(e: unknown): OssError {
  if (e instanceof OssError) return e;
  if (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string') {
    const { code, field, message } = e as { code: string; field?: string; message?: string };
    return new OssError({ code, field: field ?? '', message: message ?? code });
  }
  // A trap would mean a bug in the core; report it without leaking the input.
  return new OssError({ code: 'InternalError', message: `the signing core failed: ${e instanceof Error ? e.name : typeof e}` });
}

/** One operation of a client, as the core prepares it. */
export interface Operation {
  op: 'putSymlink' | 'getSymlink' | 'putObject' | 'getObject' | 'headObject' | 'deleteObject';
  key: string;
  target?: string;
  versionId?: string;
  forbidOverwrite?: boolean;
  acl?: string;
  storageClass?: string;
  meta?: [string, string][];
  tagging?: [string, string][];
  headers?: [string, string][];
  additionalHeaders?: string[];
  presignExpires?: number;
}

export interface ClientSettings {
  region: string;
  bucket: string;
  endpoint: string;
  addressing: string;
  product: string;
}

/**
 * Checks a client's settings (and static credentials, if given) with the rules every call
 * applies; throws the OssError of the first that is wrong.
 */
export function checkSettings(settings: ClientSettings, credentials?: OperationCredentials): void {
  const keys = credentials ? [credentials.accessKeyId, credentials.accessKeySecret, credentials.securityToken ?? ''] : [];
  callCore((c) => c.checkSettings(settings.region, settings.bucket, settings.endpoint, settings.addressing, settings.product, keys));
}

export interface OperationCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** A request ready for fetch. */
export interface Prepared {
  method: string;
  url: string;
  headers: [string, string][];
}

/** Marks an absent value in the packed lengths (u32::MAX in src/wasm.rs). */
const ABSENT = 0xffffffff;

/** The packed lengths are written here and copied by the core call: no array to build per call. */
let lengthsScratch = new Uint32Array(64);

/**
 * Prepares (validates, signs, addresses) one operation in a single call into the core. The
 * fields travel as one string plus their lengths instead of an object read property by property:
 * that halves the cost of a signature. The order is the one `preparePacked` reads in src/wasm.rs.
 */
export function prepareOperation(settings: ClientSettings, credentials: OperationCredentials, op: Operation, timeMs: number): Prepared {
  const parts: string[] = [];
  const needed = 20 + 2 * ((op.meta?.length ?? 0) + (op.tagging?.length ?? 0) + (op.headers?.length ?? 0)) + (op.additionalHeaders?.length ?? 0);
  if (lengthsScratch.length < needed) lengthsScratch = new Uint32Array(needed);
  const lengths = lengthsScratch;
  let n = 0;
  const value = (v: string | undefined) => {
    if (v === undefined) lengths[n++] = ABSENT;
    else {
      parts.push(v);
      lengths[n++] = v.length;
    }
  };
  const list = (items: readonly string[]) => {
    lengths[n++] = items.length;
    for (const item of items) value(item);
  };
  const pairs = (items: readonly [string, string][] | undefined) => {
    lengths[n++] = items?.length ?? 0;
    for (const [k, v] of items ?? []) {
      value(k);
      value(v);
    }
  };
  value(op.op);
  value(settings.region);
  value(settings.bucket);
  value(settings.endpoint);
  value(settings.addressing);
  value(settings.product);
  value(credentials.accessKeyId);
  value(credentials.accessKeySecret);
  value(credentials.securityToken);
  value(op.key);
  value(op.target);
  value(op.versionId);
  value(op.forbidOverwrite === undefined ? undefined : String(op.forbidOverwrite));
  value(op.acl);
  value(op.storageClass);
  value(op.presignExpires === undefined ? undefined : String(op.presignExpires));
  pairs(op.meta);
  pairs(op.tagging);
  pairs(op.headers);
  list(op.additionalHeaders ?? []);
  const out = callCore<string>((c) => c.preparePacked(parts.join(''), lengths.subarray(0, n), timeMs));
  const lines = out.split('\n');
  const headers: [string, string][] = [];
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    headers.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return { method: lines[0]!, url: lines[1]!, headers };
}
