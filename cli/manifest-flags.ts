// The manifest argument and the flags shared by the commands that stream a manifest (`bulk`,
// `verify`), read and checked in one place so both accept and refuse the same things.
import { UsageError, intFlag, secondsFlag, str, type Values } from './common.js';
import type { ManifestFormat } from './manifest.js';
import type { ProgressMode } from './progress.js';
import { parseShard, type Shard } from './shard.js';

export const MANIFEST_OPTIONS = {
  concurrency: { type: 'string' },
  format: { type: 'string' },
  shard: { type: 'string' },
  progress: { type: 'string' },
  'progress-interval': { type: 'string' },
} as const;

export interface ManifestRun {
  manifest: string;
  fromStdin: boolean;
  format: ManifestFormat | undefined;
  concurrency: number;
  shard: Shard | undefined;
  mode: ProgressMode;
  intervalMs: number;
}

/** `missing` says what MANIFEST is when none was given. */
export function manifestRun(values: Values, positionals: string[], command: string, missing: string): ManifestRun {
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0
      ? `missing MANIFEST: ${missing}`
      : `expected one MANIFEST, got ${positionals.length} arguments: ${positionals.map((p) => JSON.stringify(p)).join(' ')}`, command);
  }
  const manifest = positionals[0]!;
  const format = str(values, 'format');
  if (format !== undefined && format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl (got '${format}')`, command);
  const progress = str(values, 'progress') ?? 'auto';
  if (!['auto', 'bar', 'lines', 'none'].includes(progress)) throw new UsageError(`--progress must be auto, bar, lines or none (got '${progress}')`, command);
  const shard = str(values, 'shard');
  return {
    manifest,
    fromStdin: manifest === '-',
    format: format as ManifestFormat | undefined,
    concurrency: intFlag(values, 'concurrency', 1, 1000, 16, command),
    shard: shard === undefined ? undefined : parseShard(shard, command),
    mode: progress === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : progress as ProgressMode,
    intervalMs: secondsFlag(values, 'progress-interval', 0.05, 3600, 5000, command),
  };
}
