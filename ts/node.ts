/**
 * Node.js entry: the WebAssembly core is read from disk and ready at import time. Node gets the
 * speed-optimized build of the core (same code and interface; browsers get the smaller one).
 */
import { initSync, call, __wbg_reset_state } from '../pkg/oss_symlink.node.js';
import { installCore } from './core.js';
import { installNodeTuning } from './node-tuning.js';

// process.getBuiltinModule rather than `import ... from 'node:fs'`: building the ES module
// namespace of node:fs loads Node's file streams, about 2 ms of every import.
const { readFileSync } = process.getBuiltinModule('node:fs');

// OSS_SYMLINK_CORE=size loads the browsers' size-optimized module instead: `npm test` runs the
// signing proofs against both.
const file = process.env.OSS_SYMLINK_CORE === 'size' ? 'oss_symlink_bg.wasm' : 'oss_symlink_bg.node.wasm';
initSync({ module: readFileSync(new URL(`../pkg/${file}`, import.meta.url)) });
// Named imports, not the glue's namespace: the bundled entry then leaves out the glue's
// asynchronous loader (fetch, streaming compile), which Node never runs and would parse anyway.
installCore({ call, __wbg_reset_state });
installNodeTuning();
// No top-level await here: require('oss-symlink') loads this module through require(esm), which
// refuses a module that awaits. (globalThis.crypto, for write ids, is there on every Node.js that
// `engines` allows, and is read only when a forbidOverwrite call needs one.)

export * from './index.js';

/** Ready already in Node; kept for the same API in every runtime. */
export async function initWasm(): Promise<void> {}
