/**
 * Signing speed, each variant in its own fresh process (sign-child.ts), rounds interleaved (every
 * variant once per round, the order rotating) so that drift on the machine hits every variant
 * alike. Ratios are the median of the per-round ratios: a busy machine slows both sides of a
 * round, so a ratio keeps its meaning where absolute rates do not.
 */
import { median, runChild } from './common.js';

export const SIGN_VARIANTS = ['ours', 'ali-oss', 'ours-signrequest', 'ours-presign', 'ours-internal', 'plain'] as const;
export type SignVariant = (typeof SIGN_VARIANTS)[number];

export interface SignResult {
  opsPerSec: Partial<Record<SignVariant, number>>;
  usPerOp: Partial<Record<SignVariant, number>>;
  /** Median over the rounds of (variant ÷ ali-oss) in the same round. */
  ratioToAli: Partial<Record<SignVariant, number>>;
  /** Every round's ratio of ours to ali-oss, for the spread. */
  oursRatioRounds: number[];
  /** ours ÷ ali-oss measured in one process, alternating 50 ms slices (sign-child `pair`), per round. */
  pairedRatioRounds: number[];
  errors: Partial<Record<SignVariant, string>>;
  boundary?: {
    emptyCallNs: number;
    signRequestCrossings: { toWasm: number; toJs: number };
    prepareOperationCrossings: { toWasm: number; toJs: number };
  };
}

/** Variants whose failure fails the benchmark; the others are reported as missing. */
const REQUIRED = new Set<SignVariant>(['ours', 'ali-oss']);

export async function measureSign(options: { rounds: number; ms: number }): Promise<SignResult> {
  const samples: Partial<Record<SignVariant, number[]>> = {};
  const rounds: Partial<Record<SignVariant, number>>[] = [];
  const out: SignResult = { opsPerSec: {}, usPerOp: {}, ratioToAli: {}, oursRatioRounds: [], pairedRatioRounds: [], errors: {} };
  for (let round = 0; round < options.rounds; round++) {
    const thisRound: Partial<Record<SignVariant, number>> = {};
    rounds.push(thisRound);
    const pair = await runChild<{ ratio: number }>('sign-child.js', ['pair', String(options.ms)]);
    out.pairedRatioRounds.push(Number(pair.value.ratio.toFixed(2)));
    for (let k = 0; k < SIGN_VARIANTS.length; k++) {
      const variant = SIGN_VARIANTS[(k + round) % SIGN_VARIANTS.length]!;
      if (out.errors[variant]) continue;
      try {
        const { value } = await runChild<{ opsPerSec: number }>('sign-child.js', [variant, String(options.ms)]);
        (samples[variant] ??= []).push(value.opsPerSec);
        thisRound[variant] = value.opsPerSec;
      } catch (e) {
        if (REQUIRED.has(variant)) throw e;
        out.errors[variant] = (e as Error).message.split('\n').slice(0, 3).join(' ');
      }
    }
  }
  for (const [variant, xs] of Object.entries(samples) as [SignVariant, number[]][]) {
    out.opsPerSec[variant] = median(xs);
    out.usPerOp[variant] = 1e6 / median(xs);
    out.ratioToAli[variant] = median(rounds.filter((r) => r[variant] && r['ali-oss']).map((r) => r[variant]! / r['ali-oss']!));
  }
  out.oursRatioRounds = rounds.filter((r) => r.ours && r['ali-oss']).map((r) => Number((r.ours! / r['ali-oss']!).toFixed(2)));
  try {
    out.boundary = (await runChild<NonNullable<SignResult['boundary']>>('sign-child.js', ['boundary'])).value;
  } catch (e) {
    out.errors.ours = `boundary: ${(e as Error).message.split('\n')[0]}`;
  }
  return out;
}
