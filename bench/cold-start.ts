/**
 * Cold start: fresh `node` processes, round by round, the order rotating: ours (import the
 * package, make an OssClient, sign a PutSymlink with metadata: cold/ours.ts), ali-oss
 * (cold/ali-oss.ts) and an empty Node process (cold/bare.ts). The goal compares ours with the
 * empty process *in the same round* (spawn-to-exit wall time, as a user's script feels it), and
 * reports the median of those per-round differences, which a busy machine disturbs far less than
 * absolute times.
 */
import { median, runChild } from './common.js';

interface ColdRun {
  importedAtMs: number;
  firstSignMs: number;
  totalMs: number;
}

export interface ColdResult {
  /** In-process: start to first signature (Node's own boot included), median. */
  ms: number;
  /** In-process: start to the end of the imports, median. */
  imported_at_ms: number;
  first_sign_ms: number;
  /** Spawn to exit, median. */
  wall_ms: number;
}

export interface ColdStart {
  ours: ColdResult;
  aliOss: ColdResult;
  bareNodeMs: number;
  /** Median over rounds of (ours − empty node) spawn-to-exit, and each round's value. */
  oursOverBareMs: number;
  oursOverBareRounds: number[];
  /** Median over rounds of (ali-oss ÷ ours) in-process time to the first signature. */
  aliOverOurs: number;
}

export async function measureColdStart(runs: number): Promise<ColdStart> {
  const scripts = { ours: 'cold/ours.js', aliOss: 'cold/ali-oss.js', bare: 'cold/bare.js' } as const;
  type Name = keyof typeof scripts;
  const names: Name[] = ['ours', 'aliOss', 'bare'];
  // Prime the file system cache once: "cold" means a new process, not a cold disk.
  for (const name of names) await runChild(scripts[name]);
  const rounds: Record<Name, { value: ColdRun; wallMs: number }>[] = [];
  for (let i = 0; i < runs; i++) {
    const round = {} as Record<Name, { value: ColdRun; wallMs: number }>;
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + i) % names.length]!;
      round[name] = await runChild<ColdRun>(scripts[name]);
    }
    rounds.push(round);
  }
  const summarize = (name: 'ours' | 'aliOss'): ColdResult => ({
    ms: median(rounds.map((r) => r[name].value.totalMs)),
    imported_at_ms: median(rounds.map((r) => r[name].value.importedAtMs)),
    first_sign_ms: median(rounds.map((r) => r[name].value.firstSignMs)),
    wall_ms: median(rounds.map((r) => r[name].wallMs)),
  });
  const over = rounds.map((r) => r.ours.wallMs - r.bare.wallMs);
  return {
    ours: summarize('ours'),
    aliOss: summarize('aliOss'),
    bareNodeMs: median(rounds.map((r) => r.bare.wallMs)),
    oursOverBareMs: median(over),
    oursOverBareRounds: over.map((x) => Number(x.toFixed(1))),
    aliOverOurs: median(rounds.map((r) => r.aliOss.value.totalMs / r.ours.value.totalMs)),
  };
}
