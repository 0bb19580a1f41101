/**
 * Edge worker entry (workerd / Cloudflare Workers and others that import `.wasm` as a compiled
 * `WebAssembly.Module`): ready at import time.
 */
import wasmModule from '../pkg/oss_symlink_bg.wasm';
import * as core from '../pkg/oss_symlink.js';
import { installCore } from './core.js';

core.initSync({ module: wasmModule });
installCore(core);

export * from './index.js';

export async function initWasm(): Promise<void> {}
