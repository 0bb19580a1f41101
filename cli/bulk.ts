// `oss-symlink bulk MANIFEST`: many links, a bounded number at a time, resumable through a journal,
// in memory that does not grow with the manifest.
//
// One pass: rows stream from the manifest and are checked as they come. A row waits in a window
// of the next DEDUP_WINDOW rows before it is sent, so a link listed again within the window is sent
// once, by its last good row; rows of one link further apart are sent one after the other in
// manifest order (never two of one link in flight), so the last good row still decides. The
// journal records how far the run got as a position (journal.ts).
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { access, constants } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OssClient, OssError, type ObjectAcl, type OssClientOptions, type PutSymlinkOptions, type StorageClass } from '../ts/node.js';
import { createNodeFetch } from '../ts/node-transport.js';
import { WRITE_ID_META } from '../ts/write-id.js';
import {
  CONNECTION_OPTIONS, EXIT, LINK_OPTIONS, Output, UsageError, clientOptions, describeError, isConfigError,
  onInterrupt, parse, str,
} from './common.js';
import { FailedFile } from './failed.js';
import { COMMIT_INTERVAL_MS, Journal, JournalMismatch, type Checkpoint, type JournalScope } from './journal.js';
import { takeLock } from './lock.js';
import { Manifest, isBad, linkRowCells, rowHash, type BadRow, type LinkRow, type ManifestFormat, type ManifestItem } from './manifest.js';
import { Progress, formatDuration, processed, type Counts } from './progress.js';
import { MANIFEST_OPTIONS, manifestRun, type ManifestRun } from './manifest-flags.js';
import { shardLabel } from './shard.js';
import { BULK_USAGE } from './usage.js';

const BULK_OPTIONS = {
  ...CONNECTION_OPTIONS,
  ...LINK_OPTIONS,
  ...MANIFEST_OPTIONS,
  journal: { type: 'string' },
  'no-journal': { type: 'boolean' },
  failed: { type: 'string' },
  'dry-run': { type: 'boolean' },
  check: { type: 'boolean' },
} as const;

/** Rows read ahead of sending: a link listed again within this many rows is sent once. */
export const DEDUP_WINDOW = 4096;
/** Longest a row waits in the window for more rows while a request slot is free (input that trickles in). */
const MAX_WAIT_MS = 1000;
/** Rows read but not finished at most (a row stuck in retries holds back the checkpoint). */
const MAX_LAG = 100_000;
/** Messages about single rows printed as they happen; the rest are in the failed-rows file. */
const MAX_ROW_MESSAGES = 20;
/** Failures listed in the --json summary. */
const MAX_JSON_FAILURES = 100;

export interface Defaults {
  forbidOverwrite: boolean;
  /** --require-target: every row's target is checked (one HEAD) before its link is written. */
  requireTarget: boolean;
  acl?: string;
  storageClass?: string;
}

class JournalWriteError extends Error {}

/** The options PutSymlink gets for a row: the row's own, else the command's defaults. */
export function putOptions(item: LinkRow, defaults: Defaults): PutSymlinkOptions {
  const o: PutSymlinkOptions = {};
  if (item.forbidOverwrite ?? defaults.forbidOverwrite) o.forbidOverwrite = true;
  if (defaults.requireTarget) o.requireTarget = true;
  const acl = item.acl ?? defaults.acl;
  if (acl !== undefined) o.acl = acl as ObjectAcl;
  const storageClass = item.storageClass ?? defaults.storageClass;
  if (storageClass !== undefined) o.storageClass = storageClass as StorageClass;
  if (item.meta) o.meta = item.meta;
  if (item.tags) o.tagging = item.tags;
  return o;
}

/**
 * The write-id of a --forbid-overwrite row: derived from the journal's run id and the link, so a
 * rerun after kill -9 can prove that a link it finds was written by the killed run (same target,
 * same write-id) rather than by someone else.
 */
export function writeIdFor(runId: string, key: string): string {
  return createHash('sha256').update(`${runId}\n${key}`, 'utf8').digest('hex').slice(0, 32);
}

/** The endpoint as the journal compares it: host (with a port other than the default), lowercase. */
export function endpointIdentity(endpoint: string | undefined, region: string): string {
  if (!endpoint) return `oss-${region}.aliyuncs.com`;
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
  return url.host.toLowerCase();
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the command line asks for. */
interface Settings extends ManifestRun {
  dryRun: boolean;
  json: boolean;
  /** undefined: none; a path; or 'default' (beside the manifest, none for standard input). */
  journal: string | undefined;
  failed: string | undefined;
  defaults: Defaults;
  client: OssClientOptions;
}

function settingsFrom(argv: string[], env: NodeJS.ProcessEnv): Settings | undefined {
  const { values, positionals } = parse('bulk', argv, BULK_OPTIONS);
  if (values.help) return undefined;
  const run = manifestRun(values, positionals, 'bulk', 'a CSV or JSON Lines file (plain or .gz), or - for standard input');
  if (values['no-journal'] && values.journal !== undefined) throw new UsageError('--journal and --no-journal contradict each other: pick one', 'bulk');
  const defaults: Defaults = { forbidOverwrite: values['forbid-overwrite'] === true, requireTarget: values['require-target'] === true };
  const acl = str(values, 'acl');
  if (acl !== undefined) defaults.acl = acl;
  const storageClass = str(values, 'storage-class');
  if (storageClass !== undefined) defaults.storageClass = storageClass;
  return {
    ...run,
    dryRun: values['dry-run'] === true || values.check === true,
    json: values.json === true,
    journal: values['no-journal'] ? undefined : str(values, 'journal') ?? (run.fromStdin ? undefined : 'default'),
    failed: str(values, 'failed'),
    defaults,
    client: clientOptions(values, env, 'bulk', { maxAttempts: 5 }),
  };
}

/**
 * A client whose settings are known to work for signing, before any row is read: a bad bucket
 * name, region or endpoint, or keys that cannot be used, stop the command here with exit 2
 * instead of marking every row bad.
 */
export async function checkedClient(options: OssClientOptions, command = 'bulk'): Promise<OssClient> {
  try {
    const client = new OssClient(options);
    await client.presignPutSymlink('oss-symlink-configuration-check', 'oss-symlink-configuration-check');
    return client;
  } catch (e) {
    if (!(e instanceof OssError)) throw e;
    throw new UsageError(`the configuration cannot be used: ${e.field ? `${e.field}: ` : ''}${describeError(e)}`, command);
  }
}

/** Where the journal and the failed-rows file go by default: beside the manifest, per shard. */
function filePaths(s: Settings, format: ManifestFormat): { journal: string | undefined; failed: string } {
  const base = `${s.fromStdin ? 'stdin' : s.manifest}${s.shard ? `.${shardLabel(s.shard)}` : ''}`;
  return {
    journal: s.journal === 'default' ? `${base}.journal` : s.journal,
    failed: s.failed ?? `${base}.failed.${format}`,
  };
}

type Outcome = 'done' | 'skipped' | 'superseded' | 'failed' | 'bad';

/** A row read from the manifest, until the checkpoint passes it. */
interface Slot {
  offset: number;
  line: number;
  raw: string | undefined;
  outcome?: Outcome;
}

/** A good row waiting in the window or in flight. */
interface Pending {
  item: LinkRow;
  /** Undefined for a kept row of an earlier run (it is before the checkpoint). */
  slot: Slot | undefined;
  superseded?: boolean;
  /** When it was read (Date.now()). */
  readAt: number;
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
  const startedAt = Date.now();
  let retries = 0;
  const client = await checkedClient({
    ...s.client,
    fetch: createNodeFetch({ maxSockets: s.concurrency }),
    onRetry: () => { retries++; },
  });
  const manifest = await Manifest.open(s.manifest, s.format ? { format: s.format } : {});
  const paths = filePaths(s, manifest.format);
  if (!s.dryRun) {
    for (const [flag, path] of [['--failed', paths.failed], ['--journal', paths.journal]] as const) {
      if (path === undefined) continue;
      await access(dirname(resolve(path)), constants.W_OK).catch(() => {
        throw new UsageError(`cannot write ${path} (${flag}): its directory does not exist or is not writable`, 'bulk');
      });
    }
  }
  const releaseLock = s.dryRun ? async () => undefined
    : await takeLock(`${paths.journal ?? paths.failed}.lock`, paths.journal ? `the journal ${paths.journal}` : `the failed-rows file ${paths.failed}`);
  try {
    return await run(s, client, manifest, paths, output, startedAt, () => retries);
  } finally {
    await releaseLock();
  }
}

async function run(
  s: Settings, client: OssClient, manifest: Manifest, paths: { journal: string | undefined; failed: string },
  output: Output, startedAt: number, retries: () => number,
): Promise<number> {
  const scope: JournalScope = {
    region: s.client.region, bucket: s.client.bucket, endpoint: endpointIdentity(s.client.endpoint, s.client.region),
    shard: s.shard ? `${s.shard.index}/${s.shard.count}` : null, format: manifest.format, csvHeader: manifest.headerText ?? null,
  };
  let journal: Journal;
  try {
    journal = paths.journal === undefined ? Journal.none() : await Journal.open(paths.journal, scope, { write: !s.dryRun });
  } catch (e) {
    const why = e instanceof JournalMismatch ? `${e.message}; use another --journal (or delete it to start over)` : (e as Error).message;
    throw new UsageError(`cannot use the journal ${paths.journal}: ${why}`, 'bulk');
  }
  // The failed-rows file's name decides its format when it says; else the manifest's.
  const failedFormat: ManifestFormat = /\.csv$/i.test(paths.failed) ? 'csv' : /\.(jsonl|ndjson)$/i.test(paths.failed) ? 'jsonl' : manifest.format;
  const failedFile = new FailedFile(paths.failed, failedFormat);
  const name = s.fromStdin ? 'standard input' : s.manifest;

  const counts: Counts = { read: 0, done: 0, skipped: 0, superseded: 0, failed: 0, bad: 0 };
  /** Rows an earlier run finished before the checkpoint (not read again). */
  const earlier = { done: journal.checkpoint?.done ?? 0, superseded: journal.checkpoint?.superseded ?? 0 };
  const progress = new Progress(s.mode, s.intervalMs, output, counts, () => (manifest.size ? manifest.bytesRead / manifest.size : undefined));
  let rowMessages = 0;
  const report = (f: BadRow, what: string) => {
    if (s.json) return;
    if (rowMessages++ < MAX_ROW_MESSAGES) progress.note(`line ${f.line}${f.key !== undefined ? ` ${JSON.stringify(f.key)}` : ''}: ${what}: ${f.code}: ${f.error}`);
    else if (rowMessages === MAX_ROW_MESSAGES + 1) progress.note(s.dryRun ? '... more bad rows (--json lists up to 100)' : `... more in ${paths.failed}`);
  };
  if (!s.json) {
    const resumed = journal.checkpoint || journal.doneAfter.size > 0
      ? `, resuming per ${paths.journal} (${plural(earlier.done + journal.doneAfter.size, 'row')} done earlier${journal.kept.size > 0 ? `, ${journal.kept.size} to try again` : ''})` : '';
    output.err(`bulk: ${name}${s.shard ? ` shard ${s.shard.index}/${s.shard.count}` : ''}${resumed}; `
      + `${s.dryRun ? 'dry run, nothing is sent' : `up to ${s.concurrency} at a time`}`);
  }

  let toLink = 0;
  let alreadyExisted = 0;
  let stopped: Stop | undefined;
  const controller = new AbortController();
  // Every request listens on this one signal.
  setMaxListeners(0, controller.signal);
  const stop = (why: Stop) => {
    if (stopped) return;
    stopped = why;
    controller.abort(new Error('stopped'));
  };
  const removeInterrupt = onInterrupt((signal) => {
    progress.note(`${signal}: stopping; rows in flight will be redone next time (press Ctrl-C again to quit at once)`);
    stop({ signal });
  });

  // --- The checkpoint: rows in manifest order, dropped from the front once finished.
  const slots: Slot[] = [];
  let head = 0;
  let checkpoint: Checkpoint | undefined = journal.checkpoint ? { ...journal.checkpoint } : undefined;
  let lastFinished: Slot | undefined;
  const advance = () => {
    while (head < slots.length && slots[head]!.outcome) {
      const slot = slots[head++]!;
      const cp = checkpoint ??= { before: 0, verify: { offset: 0, line: 0, hash: '' }, done: 0, superseded: 0 };
      cp.before = slot.offset + 1;
      if (slot.outcome === 'done' || slot.outcome === 'skipped') cp.done++;
      if (slot.outcome === 'superseded') cp.superseded++;
      if (slot.raw !== undefined) lastFinished = slot;
    }
    if (head > 4096 && head * 2 > slots.length) {
      slots.splice(0, head);
      head = 0;
    }
  };
  const finish = (slot: Slot | undefined, outcome: Outcome) => {
    if (!slot) return;
    slot.outcome = outcome;
    if (slot === slots[head]) advance();
  };
  let committing: Promise<void> | undefined;
  const commit = (): Promise<void> => {
    if (committing) return committing;
    if (checkpoint && lastFinished) {
      checkpoint.verify = { offset: lastFinished.offset, line: lastFinished.line, hash: rowHash(lastFinished.raw!) };
      lastFinished = undefined;
    }
    const doneAfter: number[] = [];
    for (let i = head; i < slots.length; i++) if (slots[i]!.outcome === 'done' || slots[i]!.outcome === 'skipped') doneAfter.push(slots[i]!.offset);
    const snapshot = checkpoint && checkpoint.verify.hash ? { ...checkpoint, verify: { ...checkpoint.verify } } : undefined;
    committing = journal.commit(snapshot, doneAfter)
      .catch((e: Error) => stop({ journalError: new JournalWriteError(e.message) }))
      .finally(() => { committing = undefined; });
    return committing;
  };
  const commitTimer = s.dryRun ? undefined : setInterval(() => void commit(), COMMIT_INTERVAL_MS).unref();

  // --- Failures: kept in memory (as many as there are), written sorted at the end.
  const failures = new Map<number, BadRow>();
  const failedOffsetsByKey = new Map<string, number[]>();
  const fail = (item: ManifestItem, code: string, error: string, outcome: 'failed' | 'bad', slot: Slot | undefined, replayed: boolean) => {
    const row: BadRow = {
      line: item.line, offset: item.offset, code, error,
      ...(item.key !== undefined ? { key: item.key } : {}),
      ...(isBad(item) ? (item.cells ? { cells: item.cells } : {}) : { cells: linkRowCells(item) }),
      ...(item.raw !== undefined ? { raw: item.raw } : {}),
    };
    counts[outcome]++;
    failures.set(row.offset, row);
    if (outcome === 'failed' && row.key !== undefined) failedOffsetsByKey.set(row.key, [...(failedOffsetsByKey.get(row.key) ?? []), row.offset]);
    if (!s.dryRun && !replayed) {
      journal.keep({ offset: row.offset, line: row.line, code, error, ...(row.key !== undefined ? { key: row.key } : {}), ...(row.raw !== undefined ? { raw: row.raw } : {}) });
    }
    report(row, outcome === 'bad' ? 'bad row' : 'failed');
    finish(slot, outcome);
  };
  /**
   * A later row of `key` is done: rows of it that failed before are superseded (listing them in
   * the failed-rows file, or trying them again, would undo the later row).
   */
  const supersedeFailures = (key: string, offset: number) => {
    const earlier = failedOffsetsByKey.get(key);
    if (!earlier) return;
    failedOffsetsByKey.delete(key);
    for (const o of earlier) {
      if (o > offset || !failures.delete(o)) continue;
      journal.resolve(o);
      counts.failed--;
      counts.superseded++;
    }
  };

  // --- Sending
  const inFlight = new Set<Promise<void>>();
  const byLink = new Map<string, Promise<void>>();

  /** Sends one row. Never rejects. */
  async function send(p: Pending): Promise<void> {
    const { item } = p;
    const signal = controller.signal;
    if (signal.aborted) return;
    const o = putOptions(item, s.defaults);
    const writeId = o.forbidOverwrite ? writeIdFor(journal.runId, item.key) : undefined;
    if (writeId) o.writeId = writeId;
    try {
      try {
        // The client proves a lost answer of its own attempts; the read-back below covers a killed run's.
        if ((await client.putSymlink(item.key, item.target, { ...o, signal })).createdByEarlierAttempt) alreadyExisted++;
      } catch (e) {
        // A link with this row's target and this job's write-id was made by an earlier attempt
        // whose answer was lost (this run's, or a killed run's): the row is done.
        if (!(writeId && e instanceof OssError && e.code === 'FileAlreadyExists')) throw e;
        const link = await client.getSymlink(item.key, { signal }).catch(() => undefined);
        if (!(link && link.target === item.target && link.meta[WRITE_ID_META] === writeId)) throw e;
        alreadyExisted++;
      }
      counts.done++;
      if (!p.slot) {
        journal.resolve(item.offset);
        if (checkpoint) checkpoint.done++;
      }
      supersedeFailures(item.key, item.offset);
      finish(p.slot, 'done');
    } catch (e) {
      if (signal.aborted) return; // not finished: sent again next time
      if (isConfigError(e)) return stop({ error: e });
      fail(item, e instanceof OssError ? e.code : 'Error', e instanceof Error ? e.message : String(e), 'failed', p.slot, !p.slot);
    }
  }

  async function dispatch(p: Pending): Promise<void> {
    if (p.superseded) return;
    if (waitingByLink.get(p.item.key) === p) waitingByLink.delete(p.item.key);
    if (s.dryRun) {
      toLink++;
      return finish(p.slot, 'done');
    }
    while (inFlight.size >= s.concurrency) await Promise.race(inFlight);
    if (stopped) return;
    // Rows of one link go one after the other, in manifest order.
    const key = p.item.key;
    if (p.item.offset < lastDoneAfter) sentBeforeDone.add(key);
    const previous = byLink.get(key);
    const task: Promise<void> = (previous ? previous.then(() => send(p)) : send(p)).finally(() => {
      inFlight.delete(task);
      if (byLink.get(key) === task) byLink.delete(key);
    });
    inFlight.add(task);
    byLink.set(key, task);
  }

  // Rows an earlier run finished out of order lie between its checkpoint and `lastDoneAfter`:
  // the links this run sends there, so that a later row found done is not taken as the last word.
  let lastDoneAfter = -1;
  for (const offset of journal.doneAfter) lastDoneAfter = Math.max(lastDoneAfter, offset);
  const sentBeforeDone = new Set<string>();

  // --- The window: good rows wait here until DEDUP_WINDOW more rows were read.
  const waitingByLink = new Map<string, Pending>();
  const queue: Pending[] = [];
  let queueHead = 0;
  /**
   * Rows leave the window when it is full. Until it first fills in this run (so the first request
   * does not wait for it), and when its oldest row has waited MAX_WAIT_MS (input that trickles
   * in), they also leave while a request slot is free. A dry run always waits for the window, so
   * its counts do not depend on timing. One drain at a time, so rows leave in manifest order.
   */
  let draining: Promise<void> | undefined;
  const drainQueue = (all: boolean): Promise<void> => {
    if (draining) return draining.then(() => drainQueue(all));
    const waiting = () => queue.length - queueHead;
    const ready = () => {
      if (waiting() === 0 || stopped) return false;
      if (all || waiting() > DEDUP_WINDOW) return true;
      if (s.dryRun || inFlight.size >= s.concurrency) return false;
      return counts.read <= DEDUP_WINDOW || Date.now() - queue[queueHead]!.readAt >= MAX_WAIT_MS;
    };
    draining = (async () => {
      while (ready()) await dispatch(queue[queueHead++]!);
      if (queueHead > 4096 && queueHead * 2 > queue.length) {
        queue.splice(0, queueHead);
        queueHead = 0;
      }
    })().finally(() => { draining = undefined; });
    return draining;
  };
  const drainTimer = s.dryRun ? undefined : setInterval(() => { if (!draining) void drainQueue(false); }, 100).unref();

  /** One row, from the manifest or kept by an earlier run (`replayed`). */
  async function take(item: ManifestItem, replayed: boolean): Promise<void> {
    let slot: Slot | undefined;
    counts.read++;
    if (!replayed) {
      slot = { offset: item.offset, line: item.line, raw: item.raw };
      slots.push(slot);
    }
    if (isBad(item)) return fail(item, item.code, item.error, 'bad', slot, replayed);
    // Done by an earlier run, unless this run already sent an earlier row of its link (that write
    // landed after it: the row is sent again, after that one).
    if (!replayed && journal.doneAfter.has(item.offset) && !sentBeforeDone.has(item.key)) {
      // An earlier row of its link still waiting must not be sent after it either.
      supersedeWaiting(item.key);
      supersedeFailures(item.key, item.offset);
      counts.skipped++;
      return finish(slot, 'skipped');
    }
    try {
      // Signing runs every check a request gets (key, target, options), without sending anything.
      client.signPutSymlink(item.key, item.target, putOptions(item, s.defaults));
    } catch (e) {
      if (!(e instanceof OssError && e.status === 0)) throw e;
      return fail(item, e.code, e.message, 'bad', slot, replayed);
    }
    const p: Pending = { item, slot, readAt: Date.now() };
    supersedeWaiting(item.key);
    waitingByLink.set(item.key, p);
    queue.push(p);
    await drainQueue(false);
  }

  /** A later row of `key` was read: the row of it still waiting in the window is not sent. */
  function supersedeWaiting(key: string): void {
    const earlierRow = waitingByLink.get(key);
    if (!earlierRow) return;
    waitingByLink.delete(key);
    earlierRow.superseded = true;
    counts.superseded++;
    if (!earlierRow.slot) {
      // A kept row of an earlier run, before the checkpoint: no longer to be tried again.
      journal.resolve(earlierRow.item.offset);
      if (checkpoint) checkpoint.superseded++;
    }
    finish(earlierRow.slot, 'superseded');
  }

  progress.start();
  let readError: unknown;
  try {
    // Rows kept by earlier runs (failed or bad, before the checkpoint) first, then the manifest from the checkpoint.
    for (const kept of [...journal.kept.values()].sort((a, b) => a.offset - b.offset)) {
      if (stopped) break;
      const item: ManifestItem = kept.raw !== undefined
        ? manifest.parseRecord({ offset: kept.offset, line: kept.line, text: kept.raw })
        : { line: kept.line, offset: kept.offset, code: kept.code, error: kept.error, ...(kept.key !== undefined ? { key: kept.key } : {}) };
      await take(item, true);
    }
    const from = checkpoint ? { offset: checkpoint.before, line: checkpoint.verify.line } : undefined;
    const rows = manifest.rows({
      ...(from ? { from, verify: checkpoint!.verify } : {}),
      ...(s.shard ? { shard: s.shard } : {}),
    });
    let sinceYield = 0;
    for await (const item of rows) {
      if (stopped) break;
      const sentBefore = inFlight.size;
      await take(item, false);
      // Rows of a chunk are parsed without going back to the event loop: let requests just
      // started reach the network (the first one at once), and the timers run.
      if (++sinceYield >= 256 || inFlight.size > sentBefore) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      // A row stuck in retries holds the checkpoint: do not read too far past it.
      while (slots.length - head > MAX_LAG && inFlight.size > 0 && !stopped) await Promise.race(inFlight);
    }
    await drainQueue(true);
    await Promise.all(inFlight);
  } catch (e) {
    readError = e;
    stop({});
    await Promise.all(inFlight);
  } finally {
    removeInterrupt();
    progress.stop();
    if (commitTimer) clearInterval(commitTimer);
    if (drainTimer) clearInterval(drainTimer);
    if (!s.dryRun) {
      await committing;
      await commit();
    }
    await journal.close();
    if (!s.dryRun) {
      for (const f of [...failures.values()].sort((a, b) => a.offset - b.offset)) failedFile.add(f);
      await failedFile.finish();
    }
  }
  if (readError) throw readError;

  const exitCode = stopped?.signal ? EXIT.interrupted
    : stopped?.error ? EXIT.usage
      : stopped?.journalError || counts.failed + counts.bad > 0 ? EXIT.failed : EXIT.ok;
  const elapsedMs = Date.now() - startedAt;
  const unfinished = slots.length - head - (slots.slice(head).filter((x) => x.outcome).length);
  const total = earlier.done + earlier.superseded + processed(counts) + (s.dryRun ? toLink : unfinished);
  const failuresSorted = [...failures.values()].sort((a, b) => a.offset - b.offset).slice(0, MAX_JSON_FAILURES);

  if (s.json) {
    const summary: Record<string, unknown> = {
      manifest: s.fromStdin ? '-' : s.manifest,
      bucket: s.client.bucket,
      shard: s.shard ? `${s.shard.index}/${s.shard.count}` : null,
      ok: exitCode === EXIT.ok,
      dryRun: s.dryRun,
      total,
      linked: counts.done,
      alreadyDone: earlier.done + counts.skipped,
      superseded: counts.superseded + earlier.superseded,
      failed: counts.failed,
      bad: counts.bad,
      notAttempted: s.dryRun ? 0 : unfinished,
      retries: retries(),
      elapsedMs,
      journal: paths.journal ?? null,
      journalBytes: paths.journal && !s.dryRun ? journal.size : null,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
      failedFile: !s.dryRun && failedFile.count > 0 ? paths.failed : null,
      failures: failuresSorted.map((f) => ({ row: f.line, link: f.key ?? null, code: f.code, message: f.error })),
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

  const parts = [s.dryRun ? `${toLink} to link` : `${counts.done} linked`, `${earlier.done + counts.skipped} already done`,
    `${counts.superseded + earlier.superseded} superseded by a later row`, `${counts.failed} failed`, `${counts.bad} bad`];
  const speed = counts.done > 0 ? `, ${Math.round((counts.done * 1000) / Math.max(1, elapsedMs))} links/s` : '';
  const retried = retries() > 0 ? `, ${plural(retries(), 'retry', 'retries')}` : '';
  const took = elapsedMs < 60_000 ? `${(elapsedMs / 1000).toFixed(1)}s` : formatDuration(elapsedMs);
  output.out(`bulk: ${plural(total, 'row')} in ${took}${speed}${retried}: ${parts.join(', ')}`);
  if (stopped?.signal) {
    output.out(`bulk: interrupted by ${stopped.signal}. Run the same command again to resume`
      + `${paths.journal ? ` (journal ${paths.journal})` : ' (no journal: everything will be sent again)'}.`);
  }
  if (stopped?.error) {
    output.err(`bulk: stopped, OSS refused the configuration: ${describeError(stopped.error)}`);
    output.err('bulk: fix it and run the same command again; finished rows are not redone.');
  }
  if (stopped?.journalError) output.err(`bulk: stopped, cannot write the journal ${paths.journal}: ${stopped.journalError.message}`);
  if (s.dryRun && counts.bad > 0) output.out(`bulk: ${plural(counts.bad, 'bad row')}: fix them before the real run.`);
  if (!s.dryRun && failedFile.count > 0) {
    output.out(`bulk: ${plural(failedFile.count, 'row')} not done are listed in ${paths.failed}; fix what needs fixing and run: oss-symlink bulk ${paths.failed}`);
  }
  return exitCode;
}
