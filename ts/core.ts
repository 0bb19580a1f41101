/**
 * The bridge to the WebAssembly core. Every call goes through `callCore`, which turns the core's
 * thrown `{ code, field, message }` objects (and, defensively, any trap) into `OssError`s.
 * Entry points (node.ts, worker.ts, browser.ts) install the instantiated module.
 */
import { OssError } from './errors.js';

/** The functions exported by the Rust core (src/wasm.rs). */
export interface CoreExports {
  prepareOperation(input: unknown): unknown;
  signRequest(input: unknown): unknown;
  parseErrorResponse(status: number, headers: unknown, body: string): unknown;
  parseGetSymlinkResponse(headers: unknown): unknown;
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
