/**
 * Browser entry. The `.wasm` is fetched (streaming compile) on first use, from next to this
 * file by default; bundlers understand `new URL(..., import.meta.url)` and copy it. Call
 * `initWasm(source)` to load it from elsewhere (a URL, a Response, bytes or a Module) or early.
 */
import * as core from '../pkg/oss_symlink.js';
import type { InitInput } from '../pkg/oss_symlink.js';
import { ready, setCoreLoader } from './core.js';

setCoreLoader(async () => {
  await core.default({ module_or_path: new URL('../pkg/oss_symlink_bg.wasm', import.meta.url) });
  return core;
});

export * from './index.js';

/** Loads the WebAssembly core now, optionally from `source`. Resolves when it is ready. */
export async function initWasm(source?: InitInput | Promise<InitInput>): Promise<void> {
  if (source !== undefined) {
    setCoreLoader(async () => {
      await core.default({ module_or_path: source });
      return core;
    });
  }
  await ready();
}
