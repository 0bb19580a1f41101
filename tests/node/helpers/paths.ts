/** Paths shared by the Node tests. Tests run from dist/tests/node; the repo root is three up. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const sharedDir = join(repoRoot, '..', 'shared');
export const vectorsFile = join(sharedDir, 'vectors', 'oss-v4-signature.json');

export const toolsRoot = process.env.OSS_SYMLINK_TOOLS ?? join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'oss-symlink-tools');
/** The virtualenv python with alibabacloud-oss-v2 (scripts/ensure-tools.sh python). */
export function pythonWithOssSdk(): string {
  const python = join(toolsRoot, 'py-venv', 'bin', 'python');
  if (!existsSync(python)) throw new Error(`${python} is missing: run scripts/ensure-tools.sh python`);
  return python;
}
