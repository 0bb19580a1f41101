/**
 * Bulk: PutSymlink requests to the local OSS server at a fixed concurrency. The server runs in a
 * child process of its own (server-child.ts) and every client scenario in a fresh process
 * (bulk-client.ts), so client and server each have their own event loop and share the machine's
 * cores. Rounds are interleaved (every scenario once per round, the order rotating); rates are
 * medians over rounds, and ratios the median of the per-round ratios.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { benchDir, median, runChild } from './common.js';

export const BULK_SCENARIOS = ['raw-http', 'raw-fetch', 'ours-fetch', 'ours-node', 'ali-oss', 'raw-node-transport'] as const;
export type BulkScenario = (typeof BULK_SCENARIOS)[number];

interface ClientRun {
  perSec: number;
  cpuUsPerRequest: number;
  cpuSystemShare: number;
  peakRssMb: number;
}

export interface BulkResult {
  perSec: Record<BulkScenario, number>;
  /** Client CPU time per request (user + system), median round. */
  cpuUsPerRequest: Record<BulkScenario, number>;
  /** Peak RSS of the client process, largest over the rounds. */
  peakRssMb: Record<BulkScenario, number>;
  /** Every round's rate, for the spread. */
  rounds: Record<BulkScenario, number[]>;
  /** Median over rounds of a ÷ b within the round. */
  ratio(a: BulkScenario, b: BulkScenario): number;
  server: { mode: string; requests: number; responses: Record<string, number>; peakRssMb: number };
}

export async function measureBulk(options: { count: number; concurrency: number; warmup: number; rounds: number }): Promise<BulkResult> {
  const server = fork(join(benchDir, 'server-child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const nextMessage = <T>() => new Promise<T>((resolve, reject) => {
    server.once('message', (m) => resolve(m as T));
    server.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  try {
    const { url } = await nextMessage<{ url: string }>();
    const runs = Object.fromEntries(BULK_SCENARIOS.map((s) => [s, [] as ClientRun[]])) as Record<BulkScenario, ClientRun[]>;
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < BULK_SCENARIOS.length; k++) {
        const scenario = BULK_SCENARIOS[(k + round) % BULK_SCENARIOS.length]!;
        const args = [scenario, url, String(options.count), String(options.concurrency), String(options.warmup)];
        runs[scenario].push((await runChild<ClientRun>('bulk-client.js', args, { timeoutMs: 300_000 })).value);
      }
    }
    server.send('stats');
    const { stats, peakRssMb } = await nextMessage<{ stats: { requests: number; responses: Record<string, number> }; peakRssMb: number }>();
    const pick = (f: (r: ClientRun) => number, agg: (xs: number[]) => number) =>
      Object.fromEntries(BULK_SCENARIOS.map((s) => [s, agg(runs[s].map(f))])) as Record<BulkScenario, number>;
    return {
      perSec: pick((r) => r.perSec, median),
      cpuUsPerRequest: pick((r) => r.cpuUsPerRequest, median),
      peakRssMb: pick((r) => r.peakRssMb, (xs) => Math.max(...xs)),
      rounds: Object.fromEntries(BULK_SCENARIOS.map((s) => [s, runs[s].map((r) => Math.round(r.perSec))])) as Record<BulkScenario, number[]>,
      ratio: (a, b) => median(runs[a].map((r, i) => r.perSec / runs[b][i]!.perSec)),
      server: { mode: 'child process (one node process; each client scenario in another fresh process)', requests: stats.requests, responses: stats.responses, peakRssMb },
    };
  } finally {
    server.removeAllListeners('exit');
    if (server.connected) server.disconnect();
    await new Promise<void>((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', () => resolve())));
  }
}
