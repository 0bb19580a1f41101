// `oss-symlink bulk MANIFEST`: many links, a bounded number at a time, resumable through a journal.
//
// Two passes over the manifest keep memory small for large ones: the first parses and checks
// every row (nothing is sent) and notes, for each link, the last good row naming it; the second
// sends the rows, skipping those the journal has as done and those a later row supersedes.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OssClient, OssError, type ObjectAcl, type OssClientOptions, type PutSymlinkOptions, type StorageClass } from '../ts/node.js';
import { createNodeFetch } from '../ts/node-transport.js';
import {
  CONNECTION_OPTIONS, EXIT, LINK_OPTIONS, Output, UsageError, clientOptions, describeError, intFlag, isConfigError,
  onInterrupt, parse, secondsFlag, str,
} from './common.js';
import { Journal } from './journal.js';
import { csvField, isBad, linkRowCells, manifestRows, type LinkRow, type ManifestFormat, type ManifestItem, type RowCells } from './manifest.js';
import { Progress, formatDuration, processed, type Counts, type ProgressMode } from './progress.js';
import { BULK_USAGE } from './usage.js';

const BULK_OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...LINK_OPTIONS,
  concurrency: { type: 'string' },
  journal: { type: 'string' },
  'no-journal': { type: 'boolean' },
  failed: { type: 'string' },
  format: { type: 'string' },
  'dry-run': { type: 'boolean' },
  progress: { type: 'string' },
  'progress-interval': { type: 'string' },
} as const;

/** Messages about single rows printed as they happen; the rest are in the failed-rows file. */
const MAX_ROW_MESSAGES = 20;
/** Failures listed in the --json summary. */
const MAX_JSON_FAILURES = 100;

/** A row that did not get done: bad (never sent) or failed (OSS or the network said no). */
interface Failure {
  row: number;
  code: string;
  message: string;
  link?: string;
  /** The row as written, for the failed-rows file. */
  cells?: RowCells;
}

interface Defaults {
  forbidOverwrite: boolean;
  acl?: string;
  storageClass?: string;
}

class JournalWriteError extends Error {}

/** The options PutSymlink gets for a row: the row's own, else the command's defaults. */
function putOptions(item: LinkRow, defaults: Defaults): PutSymlinkOptions {
  const o: PutSymlinkOptions = {};
  if (item.forbidOverwrite ?? defaults.forbidOverwrite) o.forbidOverwrite = true;
  const acl = item.acl ?? defaults.acl;
  if (acl !== undefined) o.acl = acl as ObjectAcl;
  const storageClass = item.storageClass ?? defaults.storageClass;
  if (storageClass !== undefined) o.storageClass = storageClass as StorageClass;
  if (item.meta) o.meta = item.meta;
  if (item.tags) o.tagging = item.tags;
  return o;
}

/** Identifies the exact request of a row, for the journal: same bucket, link, target and options. */
function rowId(scope: string, item: LinkRow, o: PutSymlinkOptions): string {
  const what = [scope, item.key, item.target, o.forbidOverwrite ?? false, o.acl ?? '', o.storageClass ?? '', Object.entries(o.meta ?? {}), Object.entries(o.tagging ?? {})];
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 32);
}

const FAILED_HEADER = 'row,error,link,target,forbidOverwrite,acl,storageClass,meta,tags,message';

/** The failed rows as a manifest (extra columns row, error and message are ignored when read back). */
function failedCsv(failures: Failure[]): string {
  const lines = [FAILED_HEADER];
  for (const f of [...failures].sort((a, b) => a.row - b.row)) {
    const c = f.cells ?? {};
    lines.push([String(f.row), f.code, c.link ?? '', c.target ?? '', c.forbidOverwrite ?? '', c.acl ?? '', c.storageClass ?? '', c.meta ?? '', c.tags ?? '', f.message.replace(/\s+/g, ' ')]
      .map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
}

async function readStdin(): Promise<string> {
  process.stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of process.stdin) text += chunk as string;
  return text;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the command line asks for. */
interface Settings {
  manifest: string;
  fromStdin: boolean;
  format: ManifestFormat | undefined;
  concurrency: number;
  mode: ProgressMode;
  intervalMs: number;
  dryRun: boolean;
  json: boolean;
  journalPath: string | undefined;
  failedPath: string;
  defaults: Defaults;
  client: OssClientOptions;
}

function settingsFrom(argv: string[], env: NodeJS.ProcessEnv): Settings | undefined {
  const { values, positionals } = parse('bulk', argv, BULK_OPTIONS);
  if (values.help) return undefined;
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0
      ? 'missing MANIFEST: a CSV or JSON Lines file, or - for standard input'
      : `expected one MANIFEST, got ${positionals.length} arguments: ${positionals.map((p) => JSON.stringify(p)).join(' ')}`, 'bulk');
  }
  const manifest = positionals[0]!;
  const fromStdin = manifest === '-';
  const format = str(values, 'format');
  if (format !== undefined && format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl (got '${format}')`, 'bulk');
  const progress = str(values, 'progress') ?? 'auto';
  if (!['auto', 'bar', 'lines', 'none'].includes(progress)) throw new UsageError(`--progress must be auto, bar, lines or none (got '${progress}')`, 'bulk');
  if (values['no-journal'] && values.journal !== undefined) throw new UsageError('--journal and --no-journal contradict each other: pick one', 'bulk');
  const defaults: Defaults = { forbidOverwrite: values['forbid-overwrite'] === true };
  const acl = str(values, 'acl');
  if (acl !== undefined) defaults.acl = acl;
  const storageClass = str(values, 'storage-class');
  if (storageClass !== undefined) defaults.storageClass = storageClass;
  return {
    manifest,
    fromStdin,
    format: format as ManifestFormat | undefined,
    concurrency: intFlag(values, 'concurrency', 1, 1000, 16, 'bulk'),
    mode: progress === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : progress as ProgressMode,
    intervalMs: secondsFlag(values, 'progress-interval', 0.05, 3600, 5000, 'bulk'),
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    journalPath: values['no-journal'] ? undefined : str(values, 'journal') ?? (fromStdin ? undefined : `${manifest}.journal`),
    failedPath: str(values, 'failed') ?? (fromStdin ? 'stdin.failed.csv' : `${manifest}.failed.csv`),
    defaults,
    client: clientOptions(values, env, 'bulk', { maxAttempts: 5 }),
  };
}

/** The manifest as text chunks, as many times as asked; problems with files are usage errors, found up front. */
async function openSources(s: Settings): Promise<() => AsyncIterable<Uint8Array>> {
  if (s.fromStdin) {
    const text = await readStdin();
    return () => (async function* () { yield Buffer.from(text); })();
  }
  const info = await stat(s.manifest).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the manifest ${s.manifest}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, 'bulk');
  });
  if (!info.isFile()) throw new UsageError(`the manifest ${s.manifest} is not a file`, 'bulk');
  for (const [flag, path] of [['--failed', s.failedPath], ['--journal', s.journalPath]] as const) {
    if (path === undefined || s.dryRun) continue;
    await access(dirname(resolve(path)), constants.W_OK).catch(() => {
      throw new UsageError(`cannot write ${path} (${flag}): its directory does not exist or is not writable`, 'bulk');
    });
  }
  return () => createReadStream(s.manifest, { highWaterMark: 1 << 16 });
}

interface Scan {
  total: number;
  bad: Map<number, Failure>;
  /** For each link, the last good row naming it: earlier rows for the same link are superseded. */
  lastRowOf: Map<string, number>;
}

/** Pass 1: parses and checks every row; nothing is sent. */
async function scan(rows: AsyncIterable<ManifestItem>, client: OssClient, defaults: Defaults): Promise<Scan> {
  const result: Scan = { total: 0, bad: new Map(), lastRowOf: new Map() };
  for await (const item of rows) {
    result.total++;
    if (isBad(item)) {
      result.bad.set(item.line, { row: item.line, code: item.code, message: item.error, ...(item.key !== undefined ? { link: item.key } : {}), ...(item.cells ? { cells: item.cells } : {}) });
      continue;
    }
    try {
      // Presigning runs every check a request gets (key, target, options), without sending anything.
      await client.presignPutSymlink(item.key, item.target, putOptions(item, defaults));
    } catch (e) {
      if (!(e instanceof OssError && e.status === 0)) throw e;
      result.bad.set(item.line, { row: item.line, code: e.code, message: e.message, link: item.key, cells: linkRowCells(item) });
      continue;
    }
    result.lastRowOf.set(item.key, item.line);
  }
  return result;
}

/** Why the run ended early. */
interface Stop {
  signal?: NodeJS.Signals;
  /** OSS refused the keys or the bucket. */
  error?: OssError;
  journalError?: Error;
}

export async function bulkCommand(argv: string[], output: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const s = settingsFrom(argv, env);
  if (!s) {
    output.out(BULK_USAGE);
    return EXIT.ok;
  }
  const source = await openSources(s);
  const name = s.fromStdin ? 'standard input' : s.manifest;
  const rows = () => manifestRows(source(), name, s.format);
  let retries = 0;
  const client = new OssClient({
    ...s.client,
    fetch: createNodeFetch({ maxSockets: s.concurrency }),
    onRetry: () => { retries++; },
  });
  const scope = JSON.stringify([s.client.region, s.client.bucket, s.client.endpoint ?? '']);

  const startedAt = Date.now();
  if (s.mode === 'bar') output.errRaw('checking the manifest...');
  const { total, bad, lastRowOf } = await scan(rows(), client, s.defaults);
  if (s.mode === 'bar') output.errRaw('\r\x1b[K');

  let journal: Journal;
  try {
    journal = s.journalPath === undefined
      ? Journal.none()
      : await Journal.open(s.journalPath, { manifest: s.fromStdin ? '-' : s.manifest, bucket: s.client.bucket }, { write: !s.dryRun });
  } catch (e) {
    throw new UsageError(`cannot use the journal ${s.journalPath}: ${(e as Error).message}`, 'bulk');
  }

  const counts: Counts = { total, done: 0, skipped: 0, superseded: 0, failed: 0, bad: bad.size };
  const failures: Failure[] = [...bad.values()];
  const progress = new Progress(s.mode, s.intervalMs, output, counts);
  let rowMessages = 0;
  const report = (f: Failure, what: string) => {
    if (s.json) return;
    if (rowMessages++ < MAX_ROW_MESSAGES) progress.note(`line ${f.row}${f.link !== undefined ? ` ${JSON.stringify(f.link)}` : ''}: ${what}: ${f.code}: ${f.message}`);
    else if (rowMessages === MAX_ROW_MESSAGES + 1) progress.note(s.dryRun ? '... more bad rows (--json lists up to 100)' : `... more in ${s.failedPath}`);
  };
  if (!s.json) {
    output.err(`bulk: ${plural(total, 'row')} in ${name}${s.journalPath ? `, ${journal.done.size} done earlier per ${s.journalPath}` : ''}; `
      + `${s.dryRun ? 'dry run, nothing is sent' : `up to ${s.concurrency} at a time`}`);
  }
  for (const f of bad.values()) report(f, 'bad row');

  let toLink = 0;
  let alreadyExisted = 0;
  let stopped: Stop | undefined;
  const controller = new AbortController();
  const stop = (why: Stop) => {
    if (stopped) return;
    stopped = why;
    controller.abort(new Error('stopped'));
  };
  const removeInterrupt = onInterrupt((signal) => {
    progress.note(`${signal}: stopping; rows in flight will be redone next time (press Ctrl-C again to quit at once)`);
    stop({ signal });
  });

  /** Sends one row; it counts as done once its success is in the journal. Never rejects. */
  async function send(item: LinkRow, id: string, o: PutSymlinkOptions): Promise<void> {
    const signal = controller.signal;
    const journaled = (p: Promise<void>) => p.catch((e: Error) => { throw new JournalWriteError(e.message); });
    try {
      if (o.forbidOverwrite) await journaled(journal.recordStart(id, item.line));
      try {
        await client.putSymlink(item.key, item.target, { ...o, signal });
      } catch (e) {
        // An interrupted earlier run may have created this link and lost the answer: if it points
        // where the row asks, that run's request succeeded.
        if (!(o.forbidOverwrite && e instanceof OssError && e.code === 'FileAlreadyExists' && journal.started.has(id))) throw e;
        const link = await client.getSymlink(item.key, { signal }).catch(() => undefined);
        if (link?.target !== item.target) throw e;
        alreadyExisted++;
      }
      await journaled(journal.recordDone(id, item.line, item.key));
      counts.done++;
    } catch (e) {
      if (e instanceof JournalWriteError) return stop({ journalError: e });
      if (signal.aborted) return; // not done: redone on the next run
      if (isConfigError(e)) return stop({ error: e });
      const failure: Failure = {
        row: item.line, code: e instanceof OssError ? e.code : 'Error', message: e instanceof Error ? e.message : String(e),
        link: item.key, cells: linkRowCells(item),
      };
      counts.failed++;
      failures.push(failure);
      report(failure, 'failed');
    }
  }

  // Pass 2: send what is left, `concurrency` at a time.
  progress.start();
  const inFlight = new Set<Promise<void>>();
  try {
    for await (const item of rows()) {
      if (stopped) break;
      if (isBad(item) || bad.has(item.line)) continue;
      if (lastRowOf.get(item.key) !== item.line) {
        counts.superseded++;
        continue;
      }
      const o = putOptions(item, s.defaults);
      const id = rowId(scope, item, o);
      if (journal.done.has(id)) {
        counts.skipped++;
        continue;
      }
      if (s.dryRun) {
        toLink++;
        continue;
      }
      while (inFlight.size >= s.concurrency) await Promise.race(inFlight);
      if (stopped) break;
      const task: Promise<void> = send(item, id, o).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  } finally {
    removeInterrupt();
    progress.stop();
    await journal.close();
  }

  // A failed-rows file left by an earlier run is replaced even when nothing failed this time.
  if (!s.dryRun && (failures.length > 0 || (await stat(s.failedPath).then(() => true, () => false)))) {
    await writeAtomically(s.failedPath, failedCsv(failures));
  }
  const exitCode = stopped?.signal ? EXIT.interrupted
    : stopped?.error ? EXIT.usage
      : stopped?.journalError || failures.length > 0 ? EXIT.failed : EXIT.ok;
  const elapsedMs = Date.now() - startedAt;

  if (s.json) {
    const summary: Record<string, unknown> = {
      manifest: s.fromStdin ? '-' : s.manifest,
      bucket: s.client.bucket,
      ok: exitCode === EXIT.ok,
      dryRun: s.dryRun,
      total,
      linked: counts.done,
      alreadyDone: counts.skipped,
      superseded: counts.superseded,
      failed: counts.failed,
      bad: counts.bad,
      notAttempted: total - processed(counts) - toLink,
      retries,
      elapsedMs,
      journal: s.journalPath ?? null,
      failedFile: !s.dryRun && failures.length > 0 ? s.failedPath : null,
      failures: [...failures].sort((a, b) => a.row - b.row).slice(0, MAX_JSON_FAILURES)
        .map((f) => ({ row: f.row, link: f.link ?? null, code: f.code, message: f.message })),
      exitCode,
    };
    if (s.dryRun) summary.toLink = toLink;
    if (alreadyExisted > 0) summary.alreadyExisted = alreadyExisted;
    if (stopped?.signal) summary.interrupted = stopped.signal;
    if (stopped?.error) summary.stopped = { code: stopped.error.code, status: stopped.error.status, message: stopped.error.message };
    if (stopped?.journalError) summary.stopped = { code: 'JournalWriteError', message: stopped.journalError.message };
    output.json(summary);
    return exitCode;
  }

  const parts = [s.dryRun ? `${toLink} to link` : `${counts.done} linked`, `${counts.skipped} already done`,
    `${counts.superseded} superseded by a later row`, `${counts.failed} failed`, `${counts.bad} bad`];
  const speed = counts.done > 0 ? `, ${Math.round((counts.done * 1000) / Math.max(1, elapsedMs))} links/s` : '';
  const retried = retries > 0 ? `, ${plural(retries, 'retry', 'retries')}` : '';
  const took = elapsedMs < 60_000 ? `${(elapsedMs / 1000).toFixed(1)}s` : formatDuration(elapsedMs);
  output.out(`bulk: ${plural(total, 'row')} in ${took}${speed}${retried}: ${parts.join(', ')}`);
  if (stopped?.signal) {
    const left = total - processed(counts);
    output.out(`bulk: interrupted by ${stopped.signal}; ${plural(left, 'row')} not done. Run the same command again to resume`
      + `${s.journalPath ? ` (journal ${s.journalPath})` : ' (no journal: everything will be sent again)'}.`);
  }
  if (stopped?.error) {
    output.err(`bulk: stopped, OSS refused the configuration: ${describeError(stopped.error)}`);
    output.err('bulk: fix it and run the same command again; finished rows are not redone.');
  }
  if (stopped?.journalError) output.err(`bulk: stopped, cannot write the journal ${s.journalPath}: ${stopped.journalError.message}`);
  if (s.dryRun && counts.bad > 0) output.out(`bulk: ${plural(counts.bad, 'bad row')}: fix them before the real run.`);
  if (!s.dryRun && failures.length > 0) {
    output.out(`bulk: ${plural(failures.length, 'row')} not done are listed in ${s.failedPath}; fix what needs fixing and run: oss-symlink bulk ${s.failedPath}`);
  }
  return exitCode;
}
