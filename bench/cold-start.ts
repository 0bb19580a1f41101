/**
 * Cold start: fresh `node` processes, round by round: ours (import the package, make an
 * OssClient, sign a PutSymlink with metadata: cold/ours.ts) and an empty Node process
 * (cold/bare.ts) back to back, which one goes first alternating, then ali-oss (cold/ali-oss.ts).
 * The goal compares ours with the empty process *of the same round* (spawn-to-exit wall time, as
 * a user's script feels it) and reports the median of those per-round differences: the two runs
 * of a pair are adjacent, so a busy machine disturbs both alike. Each script also reports the CPU
 * time its process used (all threads, up to its last statement), which load disturbs less still.
 */
import { median, runChild } from './common.js';

interface ColdRun {
  importedAtMs: number;
  firstSignMs: number;
  totalMs: number;
  cpuMs: number;
}

export interface ColdResult {
  /** In-process: start to first signature (Node's own boot included), median. */
  ms: number;
  /** In-process: start to the end of the imports, median. */
  imported_at_ms: number;
  first_sign_ms: number;
  /** Spawn to exit, median. */
  wall_ms: number;
  /** CPU time of the process (user + system, all threads) at its last statement, median. */
  cpu_ms: number;
}

export interface ColdStart {
  ours: ColdResult;
  aliOss: ColdResult;
  bareNodeMs: number;
  /** Median over rounds of (ours − empty node) spawn-to-exit, and each round's value. */
  oursOverBareMs: number;
  oursOverBareRounds: number[];
  /** Median over rounds of (ours − empty node) CPU time. */
  oursOverBareCpuMs: number;
  /** Median over rounds of (ali-oss ÷ ours) in-process time to the first signature. */
  aliOverOurs: number;
}

type Name = 'ours' | 'aliOss' | 'bare';
const scripts: Record<Name, string> = { ours: 'cold/ours.js', aliOss: 'cold/ali-oss.js', bare: 'cold/bare.js' };

export async function measureColdStart(runs: number): Promise<ColdStart> {
  const names: Name[] = ['ours', 'aliOss', 'bare'];
  // Prime the file system cache once: "cold" means a new process, not a cold disk.
  for (const name of names) await runChild(scripts[name]);
  const rounds: Record<Name, { value: ColdRun; wallMs: number }>[] = [];
  for (let i = 0; i < runs; i++) {
    const round = {} as Record<Name, { value: ColdRun; wallMs: number }>;
    for (const name of (i % 2 ? ['bare', 'ours', 'aliOss'] : ['ours', 'bare', 'aliOss']) as Name[]) {
      round[name] = await runChild<ColdRun>(scripts[name]);
    }
    rounds.push(round);
  }
  const summarize = (name: 'ours' | 'aliOss'): ColdResult => ({
    ms: median(rounds.map((r) => r[name].value.totalMs)),
    imported_at_ms: median(rounds.map((r) => r[name].value.importedAtMs)),
    first_sign_ms: median(rounds.map((r) => r[name].value.firstSignMs)),
    wall_ms: median(rounds.map((r) => r[name].wallMs)),
    cpu_ms: median(rounds.map((r) => r[name].value.cpuMs)),
  });
  const over = rounds.map((r) => r.ours.wallMs - r.bare.wallMs);
  return {
    ours: summarize('ours'),
    aliOss: summarize('aliOss'),
    bareNodeMs: median(rounds.map((r) => r.bare.wallMs)),
    oursOverBareMs: median(over),
    oursOverBareRounds: over.map((x) => Number(x.toFixed(1))),
    oursOverBareCpuMs: median(rounds.map((r) => r.ours.value.cpuMs - r.bare.value.cpuMs)),
    aliOverOurs: median(rounds.map((r) => r.aliOss.value.totalMs / r.ours.value.totalMs)),
  };
}
