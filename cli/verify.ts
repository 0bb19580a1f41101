// `oss-symlink verify MANIFEST`: checks, after the fact, that every link of a manifest works.
//
// One pass over the manifest, a bounded number of rows in flight, and results streamed to two
// files, so memory stays flat however long the manifest is. Per row: one GetSymlink (the link
// exists, is a symlink, points to the row's target) and, when it does, one HEAD of the target
// (it exists and is not itself a symlink).
//
// A link listed on several rows is checked against each: only the last of them can be right.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { access, constants, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { OssClient, OssError, type OssClientOptions } from '../ts/node.js';
import { createNodeFetch } from '../ts/node-transport.js';
import {
  CONNECTION_OPTIONS, EXIT, Output, UsageError, clientOptions, describeError, intFlag, isConfigError, onInterrupt, parse, secondsFlag, str,
} from './common.js';
import { csvField, isBad, linkRowCells, manifestRows, type ManifestFormat, type RowCells } from './manifest.js';
import { Progress, formatDuration, type Counts, type ProgressMode } from './progress.js';
import { VERIFY_USAGE } from './usage.js';

const VERIFY_OPTIONS = {
  ...CONNECTION_OPTIONS,
  concurrency: { type: 'string' },
  repair: { type: 'string' },
  dangling: { type: 'string' },
  format: { type: 'string' },
  shard: { type: 'string' },
  progress: { type: 'string' },
  'progress-interval': { type: 'string' },
} as const;

/**
 * What a row's check found. The first three a `bulk` run of the repair manifest fixes (NotSymlink
 * only on purpose: it replaces an object); the others are in the dangling report.
 */
export type Outcome =
  | 'ok'
  | 'NoSuchLink' // no object at the link's key
  | 'WrongTarget' // a link, to another target
  | 'NotSymlink' // an object that is not a link
  | 'DanglingLink' // the right link, to a target that does not exist
  | 'TargetIsSymlink' // the right link, to another link (OSS follows one level only)
  | 'Error' // could not be checked (access denied, network, ...): see the code
  | 'BadRow'; // the manifest row cannot be used

const REPAIRABLE = new Set<Outcome>(['NoSuchLink', 'WrongTarget']);

/** Counts by outcome, as the summary prints them. */
const OUTCOME_WORDS: [Outcome, string, string][] = [
  ['ok', 'ok', 'ok'],
  ['NoSuchLink', 'missing link', 'missing links'],
  ['WrongTarget', 'wrong target', 'wrong targets'],
  ['NotSymlink', 'not a symlink', 'not symlinks'],
  ['DanglingLink', 'dangling', 'dangling'],
  ['TargetIsSymlink', 'link to a link', 'links to links'],
  ['Error', 'error', 'errors'],
  ['BadRow', 'bad row', 'bad rows'],
];

/** A row as verify needs it: where it is, the link, the target, and its cells to write back. */
export interface VerifyRow {
  line: number;
  link: string;
  target: string;
  cells: RowCells;
}

/** A row that cannot be checked. */
export interface VerifyBadRow {
  line: number;
  code: string;
  message: string;
  link?: string;
  cells?: RowCells;
}

/** The rows of a manifest, read as a stream: the interface verify needs of the manifest reader. */
export async function* verifyRows(chunks: AsyncIterable<string>, name: string, format?: ManifestFormat): AsyncGenerator<VerifyRow | VerifyBadRow> {
  for await (const item of manifestRows(chunks, name, format)) {
    if (isBad(item)) yield { line: item.row, code: item.code, message: item.message, ...(item.link !== undefined ? { link: item.link } : {}), ...(item.cells ? { cells: item.cells } : {}) };
    else yield { line: item.row, link: item.link, target: item.target, cells: linkRowCells(item) };
  }
}

export interface RowResult {
  outcome: Outcome;
  /** The OSS or row error code behind an `Error` or `BadRow`; the outcome otherwise. */
  code: string;
  /** What was found, for a person. */
  message: string;
  /** The link's actual target, when it is a link. */
  actual?: string;
}

/** Checks one row against OSS. Rejects only with configuration errors (keys, bucket) and aborts. */
export async function checkRow(client: OssClient, row: VerifyRow, signal: AbortSignal): Promise<RowResult> {
  const result = (outcome: Outcome, message: string, actual?: string): RowResult => ({ outcome, code: outcome, message, ...(actual !== undefined ? { actual } : {}) });
  try {
    // One GetSymlink and one HEAD of the target: most rows are right, so the HEAD is rarely wasted.
    const checked = await client.getSymlink(row.link, { signal, checkTarget: true });
    if (checked.target !== row.target) return result('WrongTarget', `the link points to ${JSON.stringify(checked.target)}`, checked.target);
    switch (checked.targetState) {
      case 'exists': return result('ok', 'the link works', checked.target);
      case 'missing': return result('DanglingLink', 'the target does not exist: reads through the link answer 404 (EC 0026-00000012)', checked.target);
      default: return result('TargetIsSymlink', 'the target is itself a symlink: OSS follows one level only', checked.target);
    }
  } catch (e) {
    if (signal.aborted || isConfigError(e) || !(e instanceof OssError)) throw e;
    if (e.status === 404 && e.code === 'NoSuchKey') return result('NoSuchLink', 'there is no object at the link\'s key');
    if (e.code === 'NotSymlink') return result('NotSymlink', 'the key holds an object that is not a symlink (not repaired: bulk would replace it)');
    return { outcome: 'Error', code: e.code, message: `could not check: ${describeError(e).split('\n')[0]}` };
  }
}

const REPORT_HEADER = 'row,error,link,target,forbidOverwrite,acl,storageClass,meta,tags,message';

/**
 * A CSV file written as rows arrive (with backpressure) to a temporary name, renamed into place
 * at the end; one with no rows is not kept, and an older one from an earlier run is removed.
 */
class ReportFile {
  rows = 0;
  readonly #tmp: string;
  readonly #stream: WriteStream;

  constructor(readonly path: string) {
    this.#tmp = `${path}.${process.pid}.tmp`;
    this.#stream = createWriteStream(this.#tmp, { encoding: 'utf8' });
    this.#stream.write(`${REPORT_HEADER}\r\n`);
  }

  async add(line: number, code: string, cells: RowCells, message: string): Promise<void> {
    this.rows++;
    const fields = [String(line), code, cells.link ?? '', cells.target ?? '', cells.forbidOverwrite ?? '', cells.acl ?? '', cells.storageClass ?? '', cells.meta ?? '', cells.tags ?? '', message.replace(/\s+/g, ' ')];
    if (!this.#stream.write(`${fields.map(csvField).join(',')}\r\n`)) await once(this.#stream, 'drain');
  }

  async close(keep: boolean): Promise<void> {
    this.#stream.end();
    await once(this.#stream, 'close');
    if (keep && this.rows > 0) await rename(this.#tmp, this.path);
    else await Promise.all([rm(this.#tmp, { force: true }), keep ? rm(this.path, { force: true }) : undefined]);
  }
}

/** `--shard K/N`: this run checks only the rows whose link falls in shard K (1-based) of N. */
export function parseShard(spec: string | undefined, command: string): { index: number; count: number } | undefined {
  if (spec === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > 1_000_000 || index < 1 || index > count) {
    throw new UsageError(`--shard takes K/N with 1 <= K <= N, e.g. 2/8 (got '${spec}')`, command);
  }
  return { index, count };
}

/** The shard (1..n) of a link key: FNV-1a over its UTF-8 bytes, so every run and machine agrees. */
export function shardOf(key: string, n: number): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % n) + 1;
}

/** Rows in a manifest file, estimated from its line breaks (for the progress display only). */
async function estimateRows(path: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
    last = chunk[chunk.length - 1] ?? last;
  }
  return lines + (last === 0x0a ? 0 : 1);
}

interface Settings {
  manifest: string;
  fromStdin: boolean;
  format: ManifestFormat | undefined;
  concurrency: number;
  shard: { index: number; count: number } | undefined;
  mode: ProgressMode;
  intervalMs: number;
  json: boolean;
  repairPath: string;
  danglingPath: string;
  client: OssClientOptions;
}

function settingsFrom(argv: string[], env: NodeJS.ProcessEnv): Settings | undefined {
  const { values, positionals } = parse('verify', argv, VERIFY_OPTIONS);
  if (values.help) return undefined;
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0
      ? 'missing MANIFEST: the CSV or JSON Lines manifest given to bulk, or - for standard input'
      : `expected one MANIFEST, got ${positionals.length} arguments`, 'verify');
  }
  const manifest = positionals[0]!;
  const fromStdin = manifest === '-';
  const format = str(values, 'format');
  if (format !== undefined && format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl (got '${format}')`, 'verify');
  const progress = str(values, 'progress') ?? 'auto';
  if (!['auto', 'bar', 'lines', 'none'].includes(progress)) throw new UsageError(`--progress must be auto, bar, lines or none (got '${progress}')`, 'verify');
  const shard = parseShard(str(values, 'shard'), 'verify');
  const base = fromStdin ? 'stdin' : manifest;
  const suffix = shard ? `.shard-${shard.index}-of-${shard.count}` : '';
  return {
    manifest,
    fromStdin,
    format: format as ManifestFormat | undefined,
    concurrency: intFlag(values, 'concurrency', 1, 1000, 16, 'verify'),
    shard,
    mode: progress === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : progress as ProgressMode,
    intervalMs: secondsFlag(values, 'progress-interval', 0.05, 3600, 5000, 'verify'),
    json: values.json === true,
    repairPath: str(values, 'repair') ?? `${base}${suffix}.repair.csv`,
    danglingPath: str(values, 'dangling') ?? `${base}${suffix}.dangling.csv`,
    client: clientOptions(values, env, 'verify', { maxAttempts: 5 }),
  };
}

/** The manifest as a stream of text; problems with files are usage errors, found before any request. */
async function openSource(s: Settings): Promise<AsyncIterable<string>> {
  if (s.fromStdin) return process.stdin.setEncoding('utf8') as AsyncIterable<string>;
  const info = await stat(s.manifest).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the manifest ${s.manifest}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, 'verify');
  });
  if (!info.isFile()) throw new UsageError(`the manifest ${s.manifest} is not a file`, 'verify');
  for (const [flag, path] of [['--repair', s.repairPath], ['--dangling', s.danglingPath]] as const) {
    await access(dirname(resolve(path)), constants.W_OK).catch(() => {
      throw new UsageError(`cannot write ${path} (${flag}): its directory does not exist or is not writable`, 'verify');
    });
  }
  return createReadStream(s.manifest, { encoding: 'utf8', highWaterMark: 1 << 16 });
}

const MAX_ROW_MESSAGES = 20;
const MAX_JSON_PROBLEMS = 100;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export async function verifyCommand(argv: string[], output: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const s = settingsFrom(argv, env);
  if (!s) {
    output.out(VERIFY_USAGE);
    return EXIT.ok;
  }
  const source = await openSource(s);
  const json = s.json;
  const name = s.fromStdin ? 'standard input' : s.manifest;
  let retries = 0;
  const client = new OssClient({ ...s.client, fetch: createNodeFetch({ maxSockets: s.concurrency }), onRetry: () => { retries++; } });

  const byOutcome = Object.fromEntries(OUTCOME_WORDS.map(([o]) => [o, 0])) as Record<Outcome, number>;
  const estimate = s.fromStdin ? 0 : await estimateRows(s.manifest);
  // The progress display's view: done = ok, failed = not right, bad = bad rows.
  const counts: Counts = { total: s.shard ? Math.ceil(estimate / s.shard.count) : estimate, done: 0, skipped: 0, superseded: 0, failed: 0, bad: 0 };
  const progress = new Progress(s.mode, s.intervalMs, output, counts, { done: 'ok', failed: 'not right' });
  const repair = new ReportFile(s.repairPath);
  const dangling = new ReportFile(s.danglingPath);
  const problems: Record<string, unknown>[] = [];
  let rowMessages = 0;
  let rows = 0;
  let otherShards = 0;

  const startedAt = Date.now();
  let stopped: { signal?: NodeJS.Signals; error?: OssError } | undefined;
  const controller = new AbortController();
  const stop = (why: NonNullable<typeof stopped>) => {
    if (stopped) return;
    stopped = why;
    controller.abort(new Error('stopped'));
  };
  const removeInterrupt = onInterrupt((signal) => {
    progress.note(`${signal}: stopping (press Ctrl-C again to quit at once)`);
    stop({ signal });
  });

  async function record(line: number, link: string | undefined, cells: RowCells, expected: string | undefined, r: RowResult): Promise<void> {
    byOutcome[r.outcome]++;
    if (r.outcome === 'ok') {
      counts.done++;
      return;
    }
    if (r.outcome === 'BadRow') counts.bad++;
    else counts.failed++;
    if (REPAIRABLE.has(r.outcome)) {
      // A wrong link must be replaced: the repair row may not forbid overwriting.
      await repair.add(line, r.code, r.outcome === 'WrongTarget' ? { ...cells, forbidOverwrite: 'false' } : cells, r.message);
    } else {
      await dangling.add(line, r.code, cells, r.message);
    }
    if (problems.length < MAX_JSON_PROBLEMS) {
      problems.push({ row: line, link: link ?? null, outcome: r.outcome, code: r.code, expected: expected ?? null, actual: r.actual ?? null, message: r.message });
    }
    if (!json && rowMessages++ < MAX_ROW_MESSAGES) progress.note(`line ${line}${link !== undefined ? ` ${JSON.stringify(link)}` : ''}: ${r.code}: ${r.message}`);
  }

  async function check(row: VerifyRow): Promise<void> {
    try {
      await record(row.line, row.link, row.cells, row.target, await checkRow(client, row, controller.signal));
    } catch (e) {
      if (controller.signal.aborted) return;
      if (isConfigError(e)) return stop({ error: e });
      throw e;
    }
  }

  if (!s.json) {
    output.err(`verify: checking the links of ${name}${s.shard ? ` (shard ${s.shard.index}/${s.shard.count})` : ''}, up to ${s.concurrency} at a time`);
  }
  progress.start();
  const inFlight = new Set<Promise<void>>();
  try {
    for await (const row of verifyRows(source, name, s.format)) {
      if (stopped) break;
      const link = row.link;
      // A bad row without a link is reported by shard 1 only.
      if (s.shard && (link === undefined ? 1 : shardOf(link, s.shard.count)) !== s.shard.index) {
        otherShards++;
        continue;
      }
      rows++;
      counts.total = Math.max(counts.total, rows);
      if ('code' in row) {
        await record(row.line, link, row.cells ?? {}, undefined, { outcome: 'BadRow', code: row.code, message: row.message });
        continue;
      }
      while (inFlight.size >= s.concurrency) await Promise.race(inFlight);
      if (stopped) break;
      const task: Promise<void> = check(row).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  } finally {
    removeInterrupt();
    counts.total = rows;
    progress.stop();
    // An interrupted run's files are partial: kept, since what they list is wrong all the same.
    await repair.close(true);
    await dangling.close(true);
  }

  const right = byOutcome.ok;
  const exitCode = stopped?.signal ? EXIT.interrupted : stopped?.error ? EXIT.usage : right === rows ? EXIT.ok : EXIT.failed;
  const elapsedMs = Date.now() - startedAt;
  if (s.json) {
    const summary: Record<string, unknown> = {
      manifest: s.fromStdin ? '-' : s.manifest,
      bucket: s.client.bucket,
      ok: exitCode === EXIT.ok,
      rows,
      counts: byOutcome,
      repairFile: repair.rows > 0 ? s.repairPath : null,
      danglingFile: dangling.rows > 0 ? s.danglingPath : null,
      problems,
      retries,
      elapsedMs,
      exitCode,
    };
    if (s.shard) Object.assign(summary, { shard: `${s.shard.index}/${s.shard.count}`, otherShards });
    if (stopped?.signal) summary.interrupted = stopped.signal;
    if (stopped?.error) summary.stopped = { code: stopped.error.code, status: stopped.error.status, message: stopped.error.message };
    output.json(summary);
    return exitCode;
  }

  const took = elapsedMs < 60_000 ? `${(elapsedMs / 1000).toFixed(1)}s` : formatDuration(elapsedMs);
  const parts = OUTCOME_WORDS.filter(([o]) => o === 'ok' || byOutcome[o] > 0).map(([o, one, many]) => plural(byOutcome[o], one, many));
  output.out(`verify: ${plural(rows, 'row', 'rows')} in ${took}${retries > 0 ? `, ${plural(retries, 'retry', 'retries')}` : ''}: ${parts.join(', ')}`);
  if (repair.rows > 0) output.out(`verify: ${plural(repair.rows, 'link', 'links')} to repair are in ${s.repairPath}; to fix them: oss-symlink bulk ${s.repairPath}`);
  if (dangling.rows > 0) output.out(`verify: ${plural(dangling.rows, 'row', 'rows')} that bulk cannot repair (dangling links, links to links, other problems) are in ${s.danglingPath}`);
  if (stopped?.signal) output.out(`verify: interrupted by ${stopped.signal}; the counts and files cover the rows checked so far.`);
  if (stopped?.error) output.err(`verify: stopped, OSS refused the configuration: ${describeError(stopped.error)}`);
  return exitCode;
}
