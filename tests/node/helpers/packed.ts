/**
 * The published package as a user gets it: `npm pack`, then `npm install` of the tarball into a
 * scratch project outside the repo (offline: the package has no dependencies).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths.js';

const exec = promisify(execFile);

export interface PackedFile { path: string; size: number }
export interface PackResult { filename: string; files: PackedFile[]; size: number; unpackedSize: number }

export interface PackedApp {
  /** The scratch directory (tarball + app). */
  scratch: string;
  /** A project (`type: module`) with the tarball installed in its node_modules. */
  app: string;
  /** node_modules/oss-symlink inside the app. */
  installed: string;
  packed: PackResult;
  /** Removes the scratch directory (kept when KEEP_PACK_SCRATCH is set). */
  remove(): void;
}

export async function packAndInstall(label: string): Promise<PackedApp> {
  const scratch = mkdtempSync(join(tmpdir(), `oss-symlink-${label}-`));
  const app = join(scratch, 'app');
  mkdirSync(app);
  const pack = await exec('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: repoRoot, maxBuffer: 16 << 20 });
  const packed = (JSON.parse(pack.stdout) as PackResult[])[0]!;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
  await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', join(scratch, packed.filename)], { cwd: app });
  return {
    scratch, app, installed: join(app, 'node_modules', 'oss-symlink'), packed,
    remove: () => { if (!process.env.KEEP_PACK_SCRATCH) rmSync(scratch, { recursive: true, force: true }); },
  };
}
