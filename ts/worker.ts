/**
 * Edge worker entry (workerd / Cloudflare Workers and others that import `.wasm` as a compiled
 * `WebAssembly.Module`): ready at import time.
 */
import wasmModule from '../pkg/oss_symlink_bg.wasm';
import { initSync, parseErrorResponse, parseGetSymlinkResponse, prepareOperation, signRequest } from '../pkg/oss_symlink.js';
import { installCore } from './core.js';

initSync({ module: wasmModule });
installCore({ prepareOperation, signRequest, parseErrorResponse, parseGetSymlinkResponse });

export * from './index.js';

export async function initWasm(): Promise<void> {}
