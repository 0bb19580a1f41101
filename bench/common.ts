/** Shared pieces of the benchmark: paths, the test key pair, child processes and statistics. */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench (where the compiled benchmark runs from). */
export const benchDir = dirname(fileURLToPath(import.meta.url));
/** The repository root (dist/bench → ../..). */
export const repoRoot = join(benchDir, '..', '..');

export { BUCKET, CREDENTIALS, REGION, linkKey, linkTarget } from './request.js';

export interface ChildResult<T> {
  value: T;
  /** Wall time from spawn to exit. */
  wallMs: number;
}

/**
 * Runs `node <script> ...args` (script relative to dist/bench) and parses the last line it prints
 * as JSON. Rejects when it exits non-zero or prints no JSON.
 */
export function runChild<T>(script: string, args: string[] = [], options: { nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<ChildResult<T>> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(benchDir, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} exited with ${code ?? signal}\n${err || out}`));
      try {
        resolve({ value: JSON.parse(last) as T, wallMs });
      } catch {
        reject(new Error(`${script} ${args.join(' ')} printed no JSON result\n${out}\n${err}`));
      }
    });
  });
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function machine(): { cpu: string; cores: number; node: string; platform: string } {
  const list = cpus();
  return { cpu: list[0]?.model.trim() ?? 'unknown', cores: list.length, node: process.version, platform: `${process.platform} ${process.arch}` };
}

/** Prints one JSON line: the result a child process hands back to the orchestrator. */
export function report(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
