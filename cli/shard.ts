// `--shard K/N`: a deterministic share of a manifest's rows, chosen by the link key alone, so a
// link lands in the same shard whatever the row order and every row of one link goes to one shard
// (which keeps "the last good row of a link wins" true inside each shard).
import { createHash } from 'node:crypto';
import { UsageError } from './common.js';

export interface Shard {
  /** 0-based, as Kubernetes' JOB_COMPLETION_INDEX. */
  index: number;
  count: number;
}

export const MAX_SHARDS = 100_000;

/**
 * The shard of `key` among `n`: the first 6 bytes of SHA-256(key as UTF-8), big-endian, modulo n.
 * Stable across machines, Node versions and releases (documented in the README, so other tools can
 * compute it too).
 */
export function shardOf(key: string, n: number): number {
  if (n === 1) return 0;
  return createHash('sha256').update(key, 'utf8').digest().readUIntBE(0, 6) % n;
}

/** Parses `K/N` (0 ≤ K < N); `command` names the command in the usage error. */
export function parseShard(text: string, command = 'bulk'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const fail = (why: string) => new UsageError(`--shard takes K/N with 0 ≤ K < N ≤ ${MAX_SHARDS}, e.g. 0/4 (K is 0-based, as JOB_COMPLETION_INDEX): ${why} (got '${text}')`, command);
  if (!m) throw fail('not of the form K/N');
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw fail(`N must be from 1 to ${MAX_SHARDS}`);
  if (index >= count) throw fail('K must be less than N');
  return { index, count };
}

export const inShard = (key: string, shard: Shard | undefined): boolean => !shard || shardOf(key, shard.count) === shard.index;

/** `shard-K-of-N`, for file names. */
export const shardLabel = (shard: Shard): string => `shard-${shard.index}-of-${shard.count}`;
