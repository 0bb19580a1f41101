// `oss-symlink verify MANIFEST`: checks, after the fact, that every link of a manifest works.
//
// One pass over the manifest, a bounded number of rows in flight, and results streamed to two
// files, so memory stays flat however long the manifest is. Per row: one GetSymlink (the link
// exists, is a symlink, points to the row's target) and one HEAD of its target (it exists and is
// not itself a symlink).
//
// Rows are judged as bulk would have written them: a bad row is one bulk refuses, and a link listed
// again within DEDUP_WINDOW rows is checked once, against its last row (the others are
// superseded). Rows of one link further apart are each checked: only the last can be right.
import { setMaxListeners } from 'node:events';
import { access, constants } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OssClient, OssError, type OssClientOptions } from '../ts/node.js';
import { createNodeFetch } from '../ts/node-transport.js';
import {
  CONNECTION_OPTIONS, EXIT, Output, UsageError, clientOptions, describeError, isConfigError, onInterrupt, parse, str,
} from './common.js';
import { DEDUP_WINDOW, checkedClient, putOptions } from './bulk.js';
import { FailedFile } from './failed.js';
import { Manifest, isBad, linkRowCells, type BadRow, type LinkRow, type ManifestFormat } from './manifest.js';
import { Progress, formatDuration, type Counts } from './progress.js';
import { MANIFEST_OPTIONS, manifestRun, type ManifestRun } from './manifest-flags.js';
import { shardLabel } from './shard.js';
import { VERIFY_USAGE } from './usage.js';

const VERIFY_OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...MANIFEST_OPTIONS,
  repair: { type: 'string' },
  dangling: { type: 'string' },
} as const;

/**
 * What a row's check found. The first two a `bulk` run of the repair manifest fixes (NotSymlink
 * not on purpose: it would replace an object); the others go to the dangling report.
 */
export type Outcome =
  | 'ok'
  | 'NoSuchLink' // no object at the link's key
  | 'WrongTarget' // a link, to another target
  | 'NotSymlink' // an object that is not a link
  | 'DanglingLink' // the right link, to a target that does not exist
  | 'TargetIsSymlink' // the right link, to another link (OSS follows one level only)
  | 'Error' // could not be checked (access denied, network, ...): see the code
  | 'BadRow' // the manifest row cannot be used
  | 'Superseded'; // a later row (within DEDUP_WINDOW rows) names the same link: not checked

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
  ['Superseded', 'superseded by a later row', 'superseded by a later row'],
];

export interface RowResult {
  outcome: Outcome;
  /** The OSS error code behind an `Error`; the outcome otherwise. */
  code: string;
  /** What was found, for a person. */
  message: string;
  /** The link's actual target, when it is a link. */
  actual?: string;
}

/** Checks one row against OSS. Rejects only with configuration errors (keys, bucket) and aborts. */
export async function checkRow(client: OssClient, row: LinkRow, signal: AbortSignal): Promise<RowResult> {
  const result = (outcome: Outcome, message: string, actual?: string): RowResult => ({ outcome, code: outcome, message, ...(actual !== undefined ? { actual } : {}) });
  try {
    // One GetSymlink and one HEAD of the target: most rows are right, so the HEAD is rarely wasted.
    const link = await client.getSymlink(row.key, { signal, checkTarget: true });
    if (link.target !== row.target) return result('WrongTarget', `the link points to ${JSON.stringify(link.target)}`, link.target);
    switch (link.targetState) {
      case 'exists': return result('ok', 'the link works', link.target);
      case 'missing': return result('DanglingLink', 'the target does not exist: reads through the link answer 404 (EC 0026-00000012)', link.target);
      default: return result('TargetIsSymlink', 'the target is itself a symlink: OSS follows one level only', link.target);
    }
  } catch (e) {
    if (signal.aborted || isConfigError(e) || !(e instanceof OssError)) throw e;
    if (e.status === 404 && e.code === 'NoSuchKey') return result('NoSuchLink', 'there is no object at the link\'s key');
    if (e.code === 'NotSymlink') return result('NotSymlink', 'the key holds an object that is not a symlink (not repaired: bulk would replace it)');
    return { outcome: 'Error', code: e.code, message: `could not check: ${describeError(e).split('\n')[0]}` };
  }
}

/**
 * A row for the repair manifest or the dangling report: the manifest's row as it was, except that
 * a wrong link has to be replaced, so its repair row says not to forbid overwriting.
 */
function reportRow(row: LinkRow, r: RowResult): BadRow {
  const out: BadRow = { line: row.line, offset: row.offset, key: row.key, code: r.code, error: r.message, cells: linkRowCells(row), raw: row.raw };
  // Written out even when the row left it to the default: `bulk --forbid-overwrite` would skip it.
  if (r.outcome === 'WrongTarget') {
    out.cells!.forbidOverwrite = 'false';
    const { key: link, target, acl, storageClass, meta, tags } = row;
    out.raw = JSON.stringify({ link, target, forbidOverwrite: false, acl, storageClass, meta, tags });
  }
  return out;
}

interface Settings extends ManifestRun {
  json: boolean;
  repair: string | undefined;
  dangling: string | undefined;
  client: OssClientOptions;
}

function settingsFrom(argv: string[], env: NodeJS.ProcessEnv): Settings | undefined {
  const { values, positionals } = parse('verify', argv, VERIFY_OPTIONS);
  if (values.help) return undefined;
  return {
    ...manifestRun(values, positionals, 'verify', 'the manifest given to bulk (CSV or JSON Lines, plain or .gz), or - for standard input'),
    json: values.json === true,
    repair: str(values, 'repair'),
    dangling: str(values, 'dangling'),
    client: clientOptions(values, env, 'verify', { maxAttempts: 5 }),
  };
}

/** The two files, beside the manifest (per shard) unless named, in the manifest's format unless the name says. */
async function reportFiles(s: Settings, format: ManifestFormat): Promise<{ repair: FailedFile; dangling: FailedFile }> {
  const base = `${s.fromStdin ? 'stdin' : s.manifest.replace(/\.gz$/i, '')}${s.shard ? `.${shardLabel(s.shard)}` : ''}`;
  const file = async (flag: string, given: string | undefined, kind: string) => {
    const path = given ?? `${base}.${kind}.${format}`;
    await access(dirname(resolve(path)), constants.W_OK).catch(() => {
      throw new UsageError(`cannot write ${path} (${flag}): its directory does not exist or is not writable`, 'verify');
    });
    return new FailedFile(path, /\.csv$/i.test(path) ? 'csv' : /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : format);
  };
  return { repair: await file('--repair', s.repair, 'repair'), dangling: await file('--dangling', s.dangling, 'dangling') };
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
  const startedAt = Date.now();
  let retries = 0;
  const client = await checkedClient({ ...s.client, fetch: createNodeFetch({ maxSockets: s.concurrency }), onRetry: () => { retries++; } }, 'verify');
  const manifest = await Manifest.open(s.manifest, s.format ? { format: s.format } : {});
  const { repair, dangling } = await reportFiles(s, manifest.format);
  const name = s.fromStdin ? 'standard input' : s.manifest;
  const { json, concurrency } = s;

  const byOutcome = Object.fromEntries(OUTCOME_WORDS.map(([o]) => [o, 0])) as Record<Outcome, number>;
  // The progress display's view: done = ok, failed = not right, bad = bad rows.
  const counts: Counts = { read: 0, done: 0, skipped: 0, superseded: 0, failed: 0, bad: 0 };
  const progress = new Progress(s.mode, s.intervalMs, output, counts, () => (manifest.size ? manifest.bytesRead / manifest.size : undefined), { done: 'ok', failed: 'not right' });
  const problems: Record<string, unknown>[] = [];
  let rowMessages = 0;

  let stopped: { signal?: NodeJS.Signals; error?: OssError } | undefined;
  const controller = new AbortController();
  // Every request listens on this one signal.
  setMaxListeners(0, controller.signal);
  const stop = (why: NonNullable<typeof stopped>) => {
    if (stopped) return;
    stopped = why;
    controller.abort(new Error('stopped'));
  };
  const removeInterrupt = onInterrupt((signal) => {
    progress.note(`${signal}: stopping (press Ctrl-C again to quit at once)`);
    stop({ signal });
  });

  function record(row: BadRow, r: RowResult, expected?: string): void {
    byOutcome[r.outcome]++;
    if (r.outcome === 'ok') {
      counts.done++;
      return;
    }
    if (r.outcome === 'BadRow') counts.bad++;
    else counts.failed++;
    (REPAIRABLE.has(r.outcome) ? repair : dangling).add(row);
    if (problems.length < MAX_JSON_PROBLEMS) {
      problems.push({ row: row.line, link: row.key ?? null, outcome: r.outcome, code: r.code, expected: expected ?? null, actual: r.actual ?? null, message: r.message });
    }
    if (!json && rowMessages++ < MAX_ROW_MESSAGES) progress.note(`line ${row.line}${row.key !== undefined ? ` ${JSON.stringify(row.key)}` : ''}: ${r.code}: ${r.message}`);
  }

  async function check(row: LinkRow): Promise<void> {
    try {
      const r = await checkRow(client, row, controller.signal);
      record(reportRow(row, r), r, row.target);
    } catch (e) {
      if (controller.signal.aborted) return;
      if (isConfigError(e)) return stop({ error: e });
      throw e;
    }
  }

  if (!json) {
    output.err(`verify: checking the links of ${name}${s.shard ? ` (shard ${s.shard.index}/${s.shard.count})` : ''}, up to ${s.concurrency} at a time`);
  }
  const inFlight = new Set<Promise<void>>();
  async function dispatch(row: LinkRow): Promise<void> {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (stopped) return;
    const task: Promise<void> = check(row).finally(() => inFlight.delete(task));
    inFlight.add(task);
  }

  // The window, as in bulk: a good row waits until DEDUP_WINDOW more rows were read, so that a
  // later row for the same link supersedes it.
  const window = new Map<string, { row: LinkRow; superseded: boolean }>();
  const queue: { row: LinkRow; superseded: boolean }[] = [];
  let queueHead = 0;
  async function takeFromQueue(all: boolean): Promise<void> {
    while (queue.length - queueHead > (all ? 0 : DEDUP_WINDOW) && !stopped) {
      const waiting = queue[queueHead++]!;
      if (waiting.superseded) continue;
      if (window.get(waiting.row.key) === waiting) window.delete(waiting.row.key);
      await dispatch(waiting.row);
    }
    if (queueHead > DEDUP_WINDOW && queueHead * 2 > queue.length) {
      queue.splice(0, queueHead);
      queueHead = 0;
    }
  }

  async function take(row: LinkRow | BadRow): Promise<void> {
    counts.read++;
    if (isBad(row)) return record(row, { outcome: 'BadRow', code: row.code, message: row.error });
    try {
      // A row bulk would refuse (bad key, target or options) is a bad row here too.
      client.signPutSymlink(row.key, row.target, putOptions(row, { forbidOverwrite: false, requireTarget: false }));
    } catch (e) {
      if (!(e instanceof OssError && e.status === 0)) throw e;
      const bad: RowResult = { outcome: 'BadRow', code: e.code, message: e.message };
      return record(reportRow(row, bad), bad);
    }
    const waiting = { row, superseded: false };
    const earlier = window.get(row.key);
    if (earlier) {
      earlier.superseded = true;
      byOutcome.Superseded++;
      counts.superseded++;
    }
    window.set(row.key, waiting);
    queue.push(waiting);
    await takeFromQueue(false);
  }

  progress.start();
  try {
    for await (const row of manifest.rows(s.shard ? { shard: s.shard } : {})) {
      if (stopped) break;
      await take(row);
    }
    await takeFromQueue(true);
    await Promise.all(inFlight);
  } finally {
    removeInterrupt();
    progress.stop();
    // An interrupted run's files are partial but true: what they list is not right.
    await repair.finish();
    await dangling.finish();
  }

  const rows = Object.values(byOutcome).reduce((a, b) => a + b, 0);
  const exitCode = stopped?.signal ? EXIT.interrupted : stopped?.error ? EXIT.usage : byOutcome.ok + byOutcome.Superseded === rows ? EXIT.ok : EXIT.failed;
  const elapsedMs = Date.now() - startedAt;
  if (json) {
    const summary: Record<string, unknown> = {
      manifest: s.fromStdin ? '-' : s.manifest,
      bucket: s.client.bucket,
      ok: exitCode === EXIT.ok,
      rows,
      counts: byOutcome,
      repairFile: repair.count > 0 ? repair.path : null,
      danglingFile: dangling.count > 0 ? dangling.path : null,
      problems,
      retries,
      elapsedMs,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      exitCode,
    };
    if (s.shard) summary.shard = `${s.shard.index}/${s.shard.count}`;
    if (stopped?.signal) summary.interrupted = stopped.signal;
    if (stopped?.error) summary.stopped = { code: stopped.error.code, status: stopped.error.status, message: stopped.error.message };
    output.json(summary);
    return exitCode;
  }

  const took = elapsedMs < 60_000 ? `${(elapsedMs / 1000).toFixed(1)}s` : formatDuration(elapsedMs);
  const parts = OUTCOME_WORDS.filter(([o]) => o === 'ok' || byOutcome[o] > 0).map(([o, one, many]) => plural(byOutcome[o], one, many));
  output.out(`verify: ${plural(rows, 'row', 'rows')} in ${took}${retries > 0 ? `, ${plural(retries, 'retry', 'retries')}` : ''}: ${parts.join(', ')}`);
  if (repair.count > 0) output.out(`verify: ${plural(repair.count, 'link', 'links')} to repair are in ${repair.path}; to fix them: oss-symlink bulk ${repair.path}`);
  if (dangling.count > 0) output.out(`verify: ${plural(dangling.count, 'row', 'rows')} that bulk cannot repair (dangling links, links to links, other problems) are in ${dangling.path}`);
  if (stopped?.signal) output.out(`verify: interrupted by ${stopped.signal}; the counts and files cover the rows checked so far.`);
  if (stopped?.error) output.err(`verify: stopped, OSS refused the configuration: ${describeError(stopped.error)}`);
  return exitCode;
}
