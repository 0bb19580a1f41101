/**
 * Browser entry. The `.wasm` is fetched (streaming compile) on first use, from next to this
 * file by default; bundlers understand `new URL(..., import.meta.url)` and copy it. Call
 * `initWasm(source)` to load it from elsewhere (a URL, a Response, bytes or a Module) or early.
 */
import { initSync, call, __wbg_reset_state } from '../pkg/oss_symlink.js';
import type { InitInput } from '../pkg/oss_symlink.js';
import { ready, setCoreLoader, type CoreExports } from './core.js';

// Named imports, not the glue's namespace: a namespace object that escapes keeps every export
// in a page's bundle. The module is compiled here and instantiated with the glue's `initSync`,
// which leaves the glue's own loader (and its fallbacks and warnings) out of the bundle.
const core: CoreExports = { call, __wbg_reset_state };

async function load(source: InitInput | Promise<InitInput>): Promise<CoreExports> {
  let input = await source;
  if (typeof input === 'string' || input instanceof URL || input instanceof Request) input = await fetch(input);
  if (input instanceof Response) {
    if (!input.ok) throw new Error(`HTTP ${input.status} fetching ${input.url}`);
    // Streaming compilation needs the wasm MIME type; any other server gets the plain path.
    input = input.headers.get('content-type')?.startsWith('application/wasm') ? await WebAssembly.compileStreaming(input) : await input.arrayBuffer();
  }
  initSync({ module: input instanceof WebAssembly.Module ? input : await WebAssembly.compile(input as BufferSource) });
  return core;
}

setCoreLoader(() => load(new URL('../pkg/oss_symlink_bg.wasm', import.meta.url)));

export * from './index.js';

/** Loads the WebAssembly core now, optionally from `source`. Resolves when it is ready. */
export async function initWasm(source?: InitInput | Promise<InitInput>): Promise<void> {
  if (source !== undefined) setCoreLoader(() => load(source));
  await ready();
}
