/**
 * The JavaScript runtimes the tests run the package in, all from the npm registry: Deno and Bun
 * (devDependencies; their platform packages hold the binaries, so no install script is needed),
 * and the oldest Node.js versions package.json's `engines` states (scripts/ensure-tools.sh node
 * installs them from the `node-<platform>-<arch>` packages).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot, toolsRoot } from './paths.js';

const require = createRequire(join(repoRoot, 'package.json'));

function platformBinary(candidates: string[], what: string): string {
  for (const spec of candidates) {
    try {
      const file = require.resolve(spec);
      if (existsSync(file)) return file;
    } catch {
      // not installed for this platform
    }
  }
  throw new Error(`${what} is missing (looked for ${candidates.join(', ')}): run npm ci`);
}

const arch = process.arch === 'x64' ? 'x64' : 'arm64';

/** Deno's binary from its platform package (the `deno` package's bin finds the same file). */
export const denoBinary = (): string =>
  platformBinary([`@deno/${process.platform}-${arch}-glibc/deno`, `@deno/${process.platform}-${arch}/deno`], 'deno');

/** Bun's binary from its platform package (the `bun` package's bin is a placeholder its install script replaces). */
export const bunBinary = (): string =>
  platformBinary([`@oven/bun-${process.platform}-${process.arch === 'x64' ? 'x64' : 'aarch64'}/bin/bun`, `@oven/bun-${process.platform}-${process.arch === 'x64' ? 'x64-baseline' : 'aarch64'}/bin/bun`], 'bun');

/** The lowest version of each range in `engines.node`, e.g. "^20.19.0 || >=22.12.0" → 20.19.0, 22.12.0. */
export function engineFloors(): string[] {
  const engines = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  return engines.split('||').map((range) => {
    const m = /^\s*(\^|>=)(\d+\.\d+\.\d+)\s*$/.exec(range);
    if (!m) throw new Error(`engines.node range "${range}" is not of the form ^X.Y.Z or >=X.Y.Z`);
    return m[2]!;
  });
}

/** The Node.js binary of an exact version, installed by scripts/ensure-tools.sh node. */
export function nodeBinary(version: string): string {
  const bin = join(toolsRoot, `node-${version}`, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');
  if (!existsSync(bin)) throw new Error(`Node.js ${version} is missing at ${bin}: run scripts/ensure-tools.sh node`);
  return bin;
}
