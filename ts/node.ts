/**
 * Node.js entry: the WebAssembly core is read from disk and ready at import time. Node gets the
 * speed-optimized build of the core (same code and interface; browsers get the smaller one).
 */
import { readFileSync } from 'node:fs';
import * as core from '../pkg/oss_symlink.js';
import { installCore } from './core.js';
import { setRandomValues } from './write-id.js';

// OSS_SYMLINK_CORE=size loads the browsers' size-optimized module instead: `npm test` runs the
// signing proofs against both.
const file = process.env.OSS_SYMLINK_CORE === 'size' ? 'oss_symlink_bg.wasm' : 'oss_symlink_bg.node.wasm';
core.initSync({ module: readFileSync(new URL(`../pkg/${file}`, import.meta.url)) });
installCore(core);
// Node 18 has no globalThis.crypto: node:crypto's is installed there only. Both are looked at
// without being loaded (`in` does not run the lazy getter): loading either costs 4-6 ms of every
// process's start, and only forbidOverwrite calls need random bytes.
if (!('crypto' in globalThis)) {
  const { webcrypto } = await import('node:crypto');
  setRandomValues((bytes) => webcrypto.getRandomValues(bytes));
}

export * from './index.js';

/** Ready already in Node; kept for the same API in every runtime. */
export async function initWasm(): Promise<void> {}
