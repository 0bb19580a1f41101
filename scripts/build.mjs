#!/usr/bin/env node
// Builds the package: Rust → wasm32 → wasm-bindgen (web target) → wasm-opt → pkg/, then the
// TypeScript sources → dist/ (with a copy of pkg/ beside them, so dist/ is self-contained).
// Each step is skipped when its output is newer than its inputs. Run scripts/ensure-tools.sh first.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (msg) => { if (!quiet) process.stderr.write(`[build] ${msg}\n`); };
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'], ...opts });

const toolsRoot = process.env.OSS_SYMLINK_TOOLS ?? join(process.env.CARGO_HOME ?? join(process.env.HOME ?? '/root', '.cargo'), 'oss-symlink-tools');
const bindgenVersion = /^wasm-bindgen = (?:\{ version = )?"=([0-9.]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const wasmBindgen = join(toolsRoot, `wasm-bindgen-${bindgenVersion}`, 'bin', 'wasm-bindgen');

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
function newest(dir, filter = () => true) {
  let t = 0;
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && filter(entry.name)) t = Math.max(t, mtime(join(entry.parentPath ?? entry.path, entry.name)));
  }
  return t;
}

// 1. Rust → wasm (cargo decides itself whether anything changed). The crates' panic locations
// are file paths kept in the module's data: the registry's directory prefix is cut from them
// (~60 B gzip), which also keeps the home directory of whoever built it out of the package.
const registrySrc = join(process.env.CARGO_HOME ?? join(process.env.HOME ?? '/root', '.cargo'), 'registry', 'src');
const wasmFlagsVar = 'CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS';
const registryDirs = existsSync(registrySrc) ? readdirSync(registrySrc).map((d) => `--remap-path-prefix=${join(registrySrc, d)}=crates`) : [];
const cargoEnv = { env: { ...process.env, [wasmFlagsVar]: [process.env[wasmFlagsVar] ?? '', ...registryDirs].join(' ').trim() } };
log('cargo build --target wasm32-unknown-unknown --release');
run('cargo', ['build', '--quiet', '--lib', '--target', 'wasm32-unknown-unknown', '--release'], cargoEnv);
const rawWasm = join(root, 'target/wasm32-unknown-unknown/release/oss_symlink.wasm');

// The same crate for Node.js, optimized for speed (profile "speed" in Cargo.toml), keeping the
// last signing keys between calls (feature key-cache; browsers' module leaves it out for size).
log('cargo build --target wasm32-unknown-unknown --profile speed');
run('cargo', ['build', '--quiet', '--lib', '--target', 'wasm32-unknown-unknown', '--profile', 'speed', '--features', 'key-cache'], cargoEnv);
const rawSpeedWasm = join(root, 'target/wasm32-unknown-unknown/speed/oss_symlink.wasm');

// 2-3. wasm-bindgen and wasm-opt, when a raw module changed.
const pkg = join(root, 'pkg');
const pkgWasm = join(pkg, 'oss_symlink_bg.wasm');
const pkgNodeWasm = join(pkg, 'oss_symlink_bg.node.wasm');
const bindgen = (input, outDir) => {
  if (!existsSync(wasmBindgen)) throw new Error(`wasm-bindgen ${bindgenVersion} is missing: run scripts/ensure-tools.sh wasm-bindgen`);
  run(wasmBindgen, ['--target', 'web', '--out-dir', outDir, '--out-name', 'oss_symlink', '--remove-name-section', '--remove-producers-section', '--experimental-reset-state-function', '--omit-default-module-path', input]);
};
if (mtime(rawWasm) > mtime(pkgWasm) || !existsSync(join(pkg, 'oss_symlink.js'))) {
  log('wasm-bindgen --target web; wasm-opt -Oz --converge');
  bindgen(rawWasm, pkg);
  // --converge: repeat -Oz while it still shrinks the module (~50 B gzip). --low-memory-unused
  // lets it fold constant offsets into loads and stores (~60 B): true of a Rust module, whose
  // stack sits below its 1 MB mark and grows down from there (its data starts above it).
  // --strip-target-features: the `target_features` custom section is for linkers; engines
  // ignore it (~140 B).
  run(join(root, 'node_modules/.bin/wasm-opt'), ['-Oz', '--converge', '--low-memory-unused', '--strip-target-features', pkgWasm, '-o', pkgWasm]);
}
const pkgNodeGlue = join(pkg, 'oss_symlink.node.js');
if (mtime(rawSpeedWasm) > mtime(pkgNodeWasm) || mtime(pkgWasm) > mtime(pkgNodeWasm) || !existsSync(pkgNodeGlue)) {
  log('wasm-bindgen (speed build); wasm-opt -O3, no inlining into only callers');
  const speedDir = join(root, 'target/wasm-bindgen-speed');
  bindgen(rawSpeedWasm, speedDir);
  // One glue serves both modules only if their interfaces are the same; check rather than hope.
  if (readFileSync(join(speedDir, 'oss_symlink.js'), 'utf8') !== readFileSync(join(pkg, 'oss_symlink.js'), 'utf8')) {
    throw new Error('the speed and size builds produced different wasm-bindgen glue');
  }
  // No inlining of functions into their only caller: V8 compiles each WebAssembly function on its
  // first call with Liftoff, whose time grows faster than a function's size, and -O3 alone folds
  // the whole core into one 21 KB function. Kept apart, the first two calls of a new process
  // cost 3.3 instead of 5.4 ms (README "Results", cold start); TurboFan, which runs the hot
  // loop after the first calls, signs as fast either way.
  run(join(root, 'node_modules/.bin/wasm-opt'), ['-O3', '--one-caller-inline-max-function-size=0', join(speedDir, 'oss_symlink_bg.wasm'), '-o', pkgNodeWasm]);
  // No wrapper for V8 to compile, and Node's glue to match (scripts/node-core.mjs says why).
  const { reshapeForNode, nodeGlue } = await import('./node-core.mjs');
  const node = reshapeForNode(readFileSync(pkgNodeWasm));
  writeFileSync(pkgNodeWasm, node.wasm);
  writeFileSync(pkgNodeGlue, nodeGlue(readFileSync(join(pkg, 'oss_symlink.js'), 'utf8'), node.start));
  cpSync(join(pkg, 'oss_symlink.d.ts'), join(pkg, 'oss_symlink.node.d.ts'));
}

// 4. TypeScript → dist/ (type-checks everything: library, server, CLI, tests, examples).
log('tsc');
run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json']);

// 5. dist/pkg: the wasm glue next to the compiled library.
mkdirSync(join(root, 'dist/pkg'), { recursive: true });
for (const f of ['oss_symlink.js', 'oss_symlink.d.ts', 'oss_symlink_bg.wasm', 'oss_symlink_bg.node.wasm', 'oss_symlink.node.js', 'oss_symlink.node.d.ts']) cpSync(join(pkg, f), join(root, 'dist/pkg', f));
// Entries tsc does not emit: Deno's (plain JavaScript: `import source` of the .wasm) and the
// CommonJS shim, with their hand-written types.
for (const f of ['deno.js', 'deno.d.ts', 'node.cjs', 'node.d.cts']) cpSync(join(root, 'ts', f), join(root, 'dist/ts', f));

// 6. The Node.js entry as one file: a script's cold start is mostly Node's ESM loader reading
// modules one by one (about 5 ms for the dozen of them). Every consumer in the package imports
// the entry, never the modules behind it, so there is one copy of each class.
run(join(root, 'node_modules/.bin/esbuild'), ['dist/ts/node.js', '--bundle', '--format=esm', '--platform=node', '--target=node20', '--packages=external', '--outfile=dist/ts/node.js', '--allow-overwrite', '--log-level=warning']);
writeFileSync(join(root, 'dist/.built'), new Date().toISOString());
log(`done: pkg/oss_symlink_bg.wasm ${statSync(pkgWasm).size} bytes (browsers, workers), pkg/oss_symlink_bg.node.wasm ${statSync(pkgNodeWasm).size} bytes (Node.js)`);
