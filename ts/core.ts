/**
 * The bridge to the WebAssembly core. The core has one export, `call`: one packed string and its
 * lengths in, one string out (src/wasm.rs). `Packer` packs, calls and unpacks, and turns the
 * core's errors (and, defensively, a trap) into `OssError`s. Entry points (node.ts, worker.ts,
 * browser.ts) install the instantiated module.
 */
import { OssError } from './errors.js';

/** The functions exported by the Rust core (src/wasm.rs) and its wasm-bindgen glue. */
export interface CoreExports {
  call(kind: number, text: string, lengths: Uint32Array, number: number): string;
  /** Re-instantiates the module (wasm-bindgen `--experimental-reset-state-function`). */
  __wbg_reset_state(): void;
}

/** What `call` does (the constants in src/wasm.rs). */
export const PREPARE = 0;
export const SIGN = 1;
export const PARSE_ERROR = 2;
export const PARSE_GET_SYMLINK = 3;
export const CHECK_SETTINGS = 4;

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
      if (blockedByCsp(e)) {
        throw new OssError({
          code: 'WasmBlockedByCsp',
          message: "the page's Content-Security-Policy blocks WebAssembly: add 'wasm-unsafe-eval' to its script-src directive",
          cause: e,
        });
      }
      throw new OssError({ code: 'WasmLoadError', message: `the WebAssembly core could not be loaded: ${String(e)}`, cause: e });
    },
  );
  return loading;
}

/**
 * Whether compiling the module was refused by a Content-Security-Policy. Browsers say so only in
 * the message: Chromium "...Content Security Policy...'unsafe-eval'...", Firefox "...blocked by
 * CSP", Safari "...'unsafe-eval' or 'wasm-unsafe-eval' is not an allowed source...".
 */
function blockedByCsp(e: unknown): boolean {
  return e instanceof Error && /content.security.policy|\bCSP\b|unsafe-eval/i.test(e.message);
}

function notReady(): OssError {
  return new OssError({
    code: 'WasmNotReady',
    message: 'the WebAssembly core is not loaded yet: await initWasm() first',
  });
}

/** Marks an absent value in the packed lengths (u32::MAX in src/wasm.rs). */
const ABSENT = 0xffffffff;

/** The lengths are written here and copied by the core call: no array to build per call. */
let lengthsScratch = new Uint32Array(64);

/**
 * Fields for one core call: values are concatenated into one string and their lengths (UTF-16
 * code units) go to a Uint32Array; a list is its count followed by its values. Two copies into
 * WebAssembly instead of a property lookup and a string conversion per field.
 */
export class Packer {
  #parts: string[] = [];
  #count = 0;

  #length(n: number): void {
    if (this.#count === lengthsScratch.length) {
      const grown = new Uint32Array(lengthsScratch.length * 2);
      grown.set(lengthsScratch);
      lengthsScratch = grown;
    }
    lengthsScratch[this.#count++] = n;
  }

  /** One value; `undefined` or `null` (an absent header) is absent. */
  value(v: string | null | undefined): this {
    if (v == null) this.#length(ABSENT);
    else {
      this.#parts.push(v);
      this.#length(v.length);
    }
    return this;
  }

  list(items: readonly string[] = []): this {
    this.#length(items.length);
    for (const item of items) this.value(item);
    return this;
  }

  pairs(items: readonly (readonly [string, string])[] = []): this {
    this.#length(items.length);
    for (const [k, v] of items) this.value(k).value(v);
    return this;
  }

  /** Calls the core; the answer's strings, or a thrown `OssError`. */
  call(kind: number, number: number): string[] {
    if (!core) throw notReady();
    let answer: string;
    try {
      answer = core.call(kind, this.#parts.join(''), lengthsScratch.subarray(0, this.#count), number);
    } catch (e) {
      // A trap would mean a bug in the core. Start the module afresh so that the next call
      // works, and report it without leaking the input.
      try {
        core.__wbg_reset_state();
      } catch {
        // The module stays as it is; the next call reports its own failure.
      }
      throw new OssError({ code: 'InternalError', message: `the signing core failed: ${e instanceof Error ? e.name : typeof e}`, cause: e });
    }
    if (answer.charCodeAt(0) !== 33 /* ! */) return unpack(answer, 0);
    const [code, field, message] = unpack(answer, 1) as [string, string, string];
    throw new OssError({ code, field, message });
  }
}

/** The core's answer: each string as its length in UTF-16 code units, `:`, and the text. */
function unpack(answer: string, from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < answer.length; ) {
    let n = 0;
    for (let c = answer.charCodeAt(i++); c !== 58 /* : */ && i <= answer.length; c = answer.charCodeAt(i++)) n = n * 10 + c - 48;
    out.push(answer.slice(i, i + n));
    i += n;
  }
  return out;
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

/**
 * Prepares (validates, signs, addresses) one operation in a single call into the core. The
 * order of the fields is the one `prepare_operation` reads in src/wasm.rs.
 */
export function prepareOperation(settings: ClientSettings, credentials: OperationCredentials, op: Operation, timeMs: number): Prepared {
  const out = new Packer()
    .value(op.op)
    .value(settings.region)
    .value(settings.bucket)
    .value(settings.endpoint)
    .value(settings.addressing)
    .value(settings.product)
    .value(credentials.accessKeyId)
    .value(credentials.accessKeySecret)
    .value(credentials.securityToken)
    .value(op.key)
    .value(op.target)
    .value(op.versionId)
    .value(op.forbidOverwrite === undefined ? undefined : String(op.forbidOverwrite))
    .value(op.acl)
    .value(op.storageClass)
    .value(op.presignExpires === undefined ? undefined : String(op.presignExpires))
    .pairs(op.meta)
    .pairs(op.tagging)
    .pairs(op.headers)
    .list(op.additionalHeaders)
    .call(PREPARE, timeMs);
  return { method: out[0]!, url: out[1]!, headers: toPairs(out, 2) };
}

/** `[a, b, c, d]` from `start` → `[[a, b], [c, d]]`. */
export function toPairs(items: string[], start = 0, end = items.length): [string, string][] {
  const out: [string, string][] = [];
  for (let i = start; i + 1 < end; i += 2) out.push([items[i]!, items[i + 1]!]);
  return out;
}

/**
 * Checks a client's settings (region, bucket, endpoint, addressing, product) and, for static
 * credentials, the key pair, with the core's rules; throws an `OssError`.
 */
export function checkSettings(settings: ClientSettings, credentials?: OperationCredentials): void {
  new Packer()
    .value(settings.region)
    .value(settings.bucket)
    .value(settings.endpoint)
    .value(settings.addressing)
    .value(settings.product)
    .value(credentials?.accessKeyId)
    .value(credentials?.accessKeySecret)
    .value(credentials?.securityToken)
    .call(CHECK_SETTINGS, 0);
}
