/**
 * The JavaScript runtimes the tests run the package in, all from the npm registry: Deno and Bun
 * (devDependencies; the binary is in a platform package, which the `deno`/`bun` package's
 * install script, when npm runs it, hardlinks or moves into its own directory),
 * and the oldest Node.js versions package.json's `engines` states (scripts/ensure-tools.sh node
 * installs them from the `node-<platform>-<arch>` packages).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, toolsRoot } from './paths.js';

function platformBinary(candidates: string[], what: string): string {
  for (const spec of candidates) {
    // More than 1 MB: a real binary, not the placeholder an install script replaces.
    const file = join(repoRoot, 'node_modules', spec);
    if (existsSync(file) && statSync(file).size > 1 << 20) return file;
  }
  throw new Error(`${what} is missing (looked for ${candidates.join(', ')}): run npm ci`);
}

const arch = process.arch === 'x64' ? 'x64' : 'arm64';

/** Deno's binary from its platform package (the `deno` package's bin finds the same file). */
export const denoBinary = (): string =>
  platformBinary([`@deno/${process.platform}-${arch}-glibc/deno`, `@deno/${process.platform}-${arch}/deno`, 'deno/deno'], 'deno');

/** Bun's binary: in its platform package, or moved by the install script over the `bun` package's placeholder. */
export const bunBinary = (): string => {
  const platformPackage = `@oven/bun-${process.platform}-${process.arch === 'x64' ? 'x64' : 'aarch64'}`;
  return platformBinary([`${platformPackage}/bin/bun`, 'bun/bin/bun.exe'], 'bun');
};

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
