/**
 * Browser entry. The `.wasm` is fetched (streaming compile) on first use, from next to this
 * file by default; bundlers understand `new URL(..., import.meta.url)` and copy it. Call
 * `initWasm(source)` to load it from elsewhere (a URL, a Response, bytes or a Module) or early.
 */
import init, { call, __wbg_reset_state } from '../pkg/oss_symlink.js';
import type { InitInput } from '../pkg/oss_symlink.js';
import { ready, setCoreLoader, type CoreExports } from './core.js';

// Named imports, not the glue's namespace: a namespace object that escapes keeps every export
// (initSync and its strings) in a page's bundle.
const core: CoreExports = { call, __wbg_reset_state };

setCoreLoader(async () => {
  await init({ module_or_path: new URL('../pkg/oss_symlink_bg.wasm', import.meta.url) });
  return core;
});

export * from './index.js';

/** Loads the WebAssembly core now, optionally from `source`. Resolves when it is ready. */
export async function initWasm(source?: InitInput | Promise<InitInput>): Promise<void> {
  if (source !== undefined) {
    setCoreLoader(async () => {
      await init({ module_or_path: source });
      return core;
    });
  }
  await ready();
}
