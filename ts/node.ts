/**
 * Node.js entry: the WebAssembly core is read from disk and ready at import time. Node gets the
 * speed-optimized build of the core (same code and interface; browsers get the smaller one).
 */
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as core from '../pkg/oss_symlink.js';
import { installCore } from './core.js';
import { setRandomValues } from './write-id.js';

core.initSync({ module: readFileSync(new URL('../pkg/oss_symlink_bg.node.wasm', import.meta.url)) });
installCore(core);
// Node 18 has no globalThis.crypto.
if (!globalThis.crypto) setRandomValues((bytes) => webcrypto.getRandomValues(bytes));

export * from './index.js';

/** Ready already in Node; kept for the same API in every runtime. */
export async function initWasm(): Promise<void> {}
