/**
 * Node.js entry: the WebAssembly core is read from disk and ready at import time. Node gets the
 * speed-optimized build of the core (same code and interface; browsers get the smaller one).
 */
import { readFileSync } from 'node:fs';
import * as core from '../pkg/oss_symlink.js';
import { installCore } from './core.js';
import { installNodeTuning } from './node-tuning.js';

// OSS_SYMLINK_CORE=size loads the browsers' size-optimized module instead: `npm test` runs the
// signing proofs against both.
const file = process.env.OSS_SYMLINK_CORE === 'size' ? 'oss_symlink_bg.wasm' : 'oss_symlink_bg.node.wasm';
core.initSync({ module: readFileSync(new URL(`../pkg/${file}`, import.meta.url)) });
installCore(core);
installNodeTuning();
// No top-level await here: require('oss-symlink') loads this module through require(esm), which
// refuses a module that awaits. (globalThis.crypto, for write ids, is there on every Node.js that
// `engines` allows, and is read only when a forbidOverwrite call needs one.)

export * from './index.js';

/** Ready already in Node; kept for the same API in every runtime. */
export async function initWasm(): Promise<void> {}
