// The resume journal of `bulk`: a small file of JSON lines that says how far a run got, in a size
// that does not grow with the manifest.
//
// Rows are taken in manifest order, so progress is a position: a checkpoint says "every row before
// byte B is finished" (done, superseded, or kept below), and names one row before B with a hash of
// its text, so a rerun can check that the manifest is still the same before skipping to B. Rows
// after B that finished out of order are listed by byte offset. Rows that failed or were bad are
// kept with their text, so a rerun tries them again (or reports them again) without reading the
// manifest up to them.
//
// Durability: the run appends a record and fdatasyncs it a few times a second (group commit), off
// the path of the requests. After kill -9 or a power cut, rows acknowledged in the last commit
// interval (COMMIT_INTERVAL_MS) may be sent again; nothing acknowledged earlier is, and nothing is
// lost. The file is rewritten compactly each time a run opens it.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Position } from './records.js';

export const COMMIT_INTERVAL_MS = 200;
const VERSION = 2;

/** What a journal is about: a rerun with other settings must not trust it. */
export interface JournalScope {
  region: string;
  bucket: string;
  /** The endpoint's host (lowercase, default port dropped), or the region's default endpoint. */
  endpoint: string;
  /** `K/N`, or null. */
  shard: string | null;
  format: string;
  /** A CSV manifest's header row, needed to read kept rows again. */
  csvHeader: string | null;
}

export interface Checkpoint {
  /** Every row whose offset is below this is finished. */
  before: number;
  /** The last finished row before `before`, with `rowHash` of its text. */
  verify: Position & { hash: string };
  /** Rows before `before` that were done and superseded, over every run so far. */
  done: number;
  superseded: number;
}

/** A row that failed or was bad, kept to be tried (or reported) again. */
export interface KeptRow {
  offset: number;
  line: number;
  code: string;
  error: string;
  key?: string;
  /** The row's text; absent when it could not be read at all. */
  raw?: string;
}

interface Header extends JournalScope {
  journal: 'oss-symlink bulk';
  version: number;
  runId: string;
}

interface Entry {
  c?: Checkpoint;
  /** Offsets of rows after the checkpoint that are done. */
  d?: number[];
  /** Rows newly kept. */
  k?: KeptRow[];
  /** Offsets of kept rows that are now done. */
  r?: number[];
}

export class JournalMismatch extends Error {}

export class Journal {
  readonly path: string | undefined;
  /** Identifies the job across reruns: the write-ids of --forbid-overwrite rows derive from it. */
  readonly runId: string;
  checkpoint: Checkpoint | undefined;
  /** Offsets of rows after the checkpoint that are done. */
  doneAfter = new Set<number>();
  /** Kept rows before the checkpoint: they are read from here, not from the manifest. */
  readonly kept = new Map<number, KeptRow>();
  #file: FileHandle | undefined;
  #pending: { k: KeptRow[]; r: number[] } = { k: [], r: [] };
  #writing: Promise<void> = Promise.resolve();
  #lastLine = '';
  #bytes = 0;

  private constructor(path: string | undefined, runId: string) {
    this.path = path;
    this.runId = runId;
  }

  /** A journal that remembers nothing (--no-journal). */
  static none(): Journal {
    return new Journal(undefined, randomBytes(16).toString('hex'));
  }

  /** Bytes the journal file holds now. */
  get size(): number {
    return this.#bytes;
  }

  /**
   * Reads what earlier runs recorded in `path` (throwing JournalMismatch when they ran with
   * another scope) and, unless `write` is false, rewrites it compactly and keeps it open for
   * appending.
   */
  static async open(path: string, scope: JournalScope, { write = true } = {}): Promise<Journal> {
    const earlier = await read(path);
    if (earlier) {
      const { header } = earlier;
      if (header.version !== VERSION) throw new JournalMismatch(`it was written by another version of oss-symlink (journal version ${String(header.version)})`);
      for (const field of ['region', 'bucket', 'endpoint', 'shard', 'format', 'csvHeader'] as const) {
        if (header[field] !== scope[field]) {
          throw new JournalMismatch(`it belongs to a run with another ${field === 'csvHeader' ? 'manifest header' : field} (${JSON.stringify(header[field])}, now ${JSON.stringify(scope[field])})`);
        }
      }
    }
    const journal = new Journal(path, earlier?.header.runId ?? randomBytes(16).toString('hex'));
    if (earlier) {
      journal.checkpoint = earlier.checkpoint;
      journal.doneAfter = new Set(earlier.doneAfter);
      const before = earlier.checkpoint?.before ?? 0;
      // Kept rows at or after the checkpoint are read again from the manifest.
      for (const [offset, row] of earlier.kept) if (offset < before) journal.kept.set(offset, row);
    }
    if (!write) return journal;
    // A compact copy: header and one entry with the whole state; then renamed over the old one.
    const header: Header = { journal: 'oss-symlink bulk', version: VERSION, runId: journal.runId, ...scope };
    const state: Entry = {};
    if (journal.checkpoint) state.c = journal.checkpoint;
    if (journal.doneAfter.size > 0) state.d = [...journal.doneAfter];
    if (journal.kept.size > 0) state.k = [...journal.kept.values()];
    const text = `${JSON.stringify(header)}\n${state.c || state.d || state.k ? `${JSON.stringify(state)}\n` : ''}`;
    const tmp = `${path}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    await syncDirectory(dirname(path));
    journal.#file = await open(path, 'a');
    journal.#bytes = Buffer.byteLength(text);
    return journal;
  }

  /** Keeps a failed or bad row (written with the next commit). */
  keep(row: KeptRow): void {
    if (!this.#file) return;
    this.#pending.k.push(row);
  }

  /** A kept row from an earlier run is done now. */
  resolve(offset: number): void {
    this.kept.delete(offset);
    if (this.#file) this.#pending.r.push(offset);
  }

  /**
   * Appends the state and syncs it to disk; resolves once it is there. Commits run one at a time;
   * the caller asks again on its next tick.
   */
  commit(checkpoint: Checkpoint | undefined, doneAfter: Iterable<number>): Promise<void> {
    if (!this.#file) return Promise.resolve();
    const entry: Entry = {};
    if (checkpoint) entry.c = checkpoint;
    // Rows an earlier run finished out of order that this run has not reached yet stay listed.
    const before = checkpoint?.before ?? 0;
    for (const offset of this.doneAfter) if (offset < before) this.doneAfter.delete(offset);
    const d = new Set(doneAfter);
    for (const offset of this.doneAfter) d.add(offset);
    if (d.size > 0) entry.d = [...d];
    if (this.#pending.k.length > 0) entry.k = this.#pending.k;
    if (this.#pending.r.length > 0) entry.r = this.#pending.r;
    this.#pending = { k: [], r: [] };
    const line = `${JSON.stringify(entry)}\n`;
    if (line === this.#lastLine) return this.#writing; // nothing moved since the last commit
    this.#lastLine = line;
    const file = this.#file;
    this.#writing = this.#writing.then(async () => {
      await file.appendFile(line);
      await file.datasync();
      this.#bytes += Buffer.byteLength(line);
    });
    return this.#writing;
  }

  async close(): Promise<void> {
    try {
      await this.#writing;
    } finally {
      await this.#file?.close();
      this.#file = undefined;
    }
  }
}

interface Earlier {
  header: Header;
  checkpoint: Checkpoint | undefined;
  doneAfter: number[];
  kept: Map<number, KeptRow>;
}

/** The state in a journal file, or undefined when there is none. A torn last line is ignored. */
async function read(path: string): Promise<Earlier | undefined> {
  let earlier: Earlier | undefined;
  try {
    const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // a line cut short by a crash
      }
      if (typeof value !== 'object' || value === null) continue;
      if (!earlier) {
        const header = value as Header;
        if (header.journal !== 'oss-symlink bulk') throw new JournalMismatch('it is not an oss-symlink bulk journal');
        earlier = { header, checkpoint: undefined, doneAfter: [], kept: new Map() };
        continue;
      }
      const entry = value as Entry;
      if (entry.c) earlier.checkpoint = entry.c;
      // Each entry holds the whole list for its checkpoint.
      earlier.doneAfter = entry.d ?? [];
      for (const row of entry.k ?? []) earlier.kept.set(row.offset, row);
      for (const offset of entry.r ?? []) earlier.kept.delete(offset);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return earlier;
}

/** Makes a newly created file's directory entry durable too. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported everywhere (e.g. Windows); the file's own sync still holds its contents.
  }
}
