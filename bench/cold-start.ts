/**
 * Cold start: a fresh `node` process imports the library and signs its first PutSymlink request
 * (cold/ours.ts, cold/ali-oss.ts), alternately, several times; medians. `ms` is measured inside
 * the process from its start (performance.now(): Node's own boot included) to the first
 * signature; `wall_ms` from spawn to exit as the parent sees it.
 */
import { median, runChild } from './common.js';

interface ColdRun {
  bootMs: number;
  importMs: number;
  firstSignMs: number;
  totalMs: number;
}

export interface ColdResult {
  ms: number;
  import_ms: number;
  first_sign_ms: number;
  wall_ms: number;
}

export async function measureColdStart(runs: number): Promise<{ ours: ColdResult; aliOss: ColdResult; bareNodeMs: number }> {
  const scripts = { ours: 'cold/ours.js', aliOss: 'cold/ali-oss.js' } as const;
  // Prime the file system cache once: "cold" means a new process, not a cold disk.
  for (const script of Object.values(scripts)) await runChild<ColdRun>(script);
  const runsOf: Record<keyof typeof scripts, { value: ColdRun; wallMs: number }[]> = { ours: [], aliOss: [] };
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? (['ours', 'aliOss'] as const) : (['aliOss', 'ours'] as const);
    for (const name of order) runsOf[name].push(await runChild<ColdRun>(scripts[name]));
    bare.push((await runChild<{ ms: number }>('cold/bare.js')).wallMs);
  }
  const summarize = (rs: { value: ColdRun; wallMs: number }[]): ColdResult => ({
    ms: median(rs.map((r) => r.value.totalMs)),
    import_ms: median(rs.map((r) => r.value.importMs)),
    first_sign_ms: median(rs.map((r) => r.value.firstSignMs)),
    wall_ms: median(rs.map((r) => r.wallMs)),
  });
  return { ours: summarize(runsOf.ours), aliOss: summarize(runsOf.aliOss), bareNodeMs: median(bare) };
}
