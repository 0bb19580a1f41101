// Deno entry (the "deno" export condition). The core is imported as a compiled
// WebAssembly.Module (a source phase import), so it is ready at import time and a script that
// only talks to OSS needs `--allow-net` alone: no file read at run time, unlike the Node entry.
// Plain JavaScript because TypeScript does not parse `import source` yet; types: deno.d.ts.
import source wasmModule from '../pkg/oss_symlink_bg.wasm';
import * as core from '../pkg/oss_symlink.js';
import { installCore } from './core.js';

core.initSync({ module: wasmModule });
installCore(core);

export * from './index.js';

/** Ready already in Deno; kept for the same API in every runtime. */
export async function initWasm() {}
