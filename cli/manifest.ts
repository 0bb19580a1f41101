// Manifests for `bulk` and `verify`: CSV (RFC 4180) or JSON Lines, plain or gzip, from a file or
// standard input, read as a stream of rows in constant memory. Each row is either a link with its
// line number and byte offset, or a bad row saying what is wrong with it.
//
//   for await (const row of readManifest('links.csv.gz')) {
//     if (isBad(row)) console.log(row.line, row.code, row.error);
//     else console.log(row.line, row.key, row.target);
//   }
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UsageError } from './common.js';
import { RecordSplitter, csvFields, type Position, type RawRecord } from './records.js';
import { inShard, type Shard } from './shard.js';

export { csvField, csvRecords, parseCsvRecord, type Position } from './records.js';

export type ManifestFormat = 'csv' | 'jsonl';

/** A link to create, as the manifest asks for it. `line` is where the row starts; `offset` its first byte. */
export interface LinkRow {
  line: number;
  offset: number;
  key: string;
  target: string;
  forbidOverwrite?: boolean;
  acl?: string;
  storageClass?: string;
  meta?: Record<string, string>;
  tags?: Record<string, string>;
  /** The row's text as written (without its line break). */
  raw: string;
}

/** A row's values as a manifest holds them (CSV cells), to write it back out. */
export type RowCells = Partial<Record<Field, string>>;

/** A row that cannot be used: unparsable, or missing or invalid fields. */
export interface BadRow {
  line: number;
  offset: number;
  code: string;
  error: string;
  key?: string;
  /** The row's values, when it could be read at all. */
  cells?: RowCells;
  raw?: string;
}

export type ManifestItem = LinkRow | BadRow;

export const isBad = (item: ManifestItem): item is BadRow => 'error' in item;

// ---------------------------------------------------------------------------------------------
// Rows from records

export type Field = 'link' | 'target' | 'forbidOverwrite' | 'acl' | 'storageClass' | 'meta' | 'tags';
const FIELDS: Record<string, Field | null> = {
  link: 'link', key: 'link', target: 'target', forbidoverwrite: 'forbidOverwrite', acl: 'acl', storageclass: 'storageClass',
  meta: 'meta', tags: 'tags', tagging: 'tags',
  // Written by --failed, so that file can be fed back as a manifest.
  row: null, error: null, message: null,
};
const COLUMN_LIST = 'link,target[,forbidOverwrite,acl,storageClass,meta,tags]';
const fieldOf = (name: string): Field | null | undefined => FIELDS[name.trim().toLowerCase().replace(/[-_ ]/g, '')];

class RowError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function bool(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const s = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (s === 'true' || s === '1' || s === 'yes') return true;
  if (s === 'false' || s === '0' || s === 'no') return false;
  throw new RowError('InvalidOption', `${name} must be true or false (got ${JSON.stringify(value)})`);
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new RowError('InvalidOption', `${name} must be a string (got ${JSON.stringify(value)})`);
  const s = value.trim();
  return s === '' ? undefined : s;
}

/** `{"k":"v"}` (JSON), or `k=v;k2=v2` in a string; an object as is (JSON Lines). */
function pairs(value: unknown, name: string): Record<string, string> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let obj: unknown = value;
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return undefined;
    if (s.startsWith('{')) {
      try {
        obj = JSON.parse(s);
      } catch {
        throw new RowError('InvalidOption', `${name} looks like JSON but does not parse: ${s}`);
      }
    } else {
      const out: Record<string, string> = {};
      for (const item of s.split(';')) {
        if (item.trim() === '') continue;
        const eq = item.indexOf('=');
        if (eq < 0 || item.slice(0, eq).trim() === '') {
          throw new RowError('InvalidOption', `${name} must be NAME=VALUE;NAME=VALUE or a JSON object (got ${JSON.stringify(item.trim())})`);
        }
        out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
      }
      return out;
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new RowError('InvalidOption', `${name} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new RowError('InvalidOption', `${name}.${k} must be a string (got ${JSON.stringify(v)})`);
    }
    out[k] = String(v);
  }
  return out;
}

/** A row from named raw values (CSV strings or JSON values). Keys are kept exactly, spaces included. */
function buildRow(at: RawRecord & { text: string }, raw: Partial<Record<Field, unknown>>): ManifestItem {
  const { line, offset, text: rawText } = at;
  const key = typeof raw.link === 'string' ? raw.link : undefined;
  const target = typeof raw.target === 'string' ? raw.target : undefined;
  try {
    if (raw.link !== undefined && raw.link !== null && typeof raw.link !== 'string') throw new RowError('InvalidOption', 'link must be a string');
    if (raw.target !== undefined && raw.target !== null && typeof raw.target !== 'string') throw new RowError('InvalidOption', 'target must be a string');
    if (!key) throw new RowError('MissingLink', 'the link is missing');
    if (!target) throw new RowError('MissingTarget', 'the target is missing');
    const out: LinkRow = { line, offset, key, target, raw: rawText };
    const forbid = bool(raw.forbidOverwrite, 'forbidOverwrite');
    if (forbid !== undefined) out.forbidOverwrite = forbid;
    const acl = text(raw.acl, 'acl');
    if (acl !== undefined) out.acl = acl;
    const storageClass = text(raw.storageClass, 'storageClass');
    if (storageClass !== undefined) out.storageClass = storageClass;
    const meta = pairs(raw.meta, 'meta');
    if (meta) out.meta = meta;
    const tags = pairs(raw.tags, 'tags');
    if (tags) out.tags = tags;
    return out;
  } catch (e) {
    if (!(e instanceof RowError)) throw e;
    const cells: RowCells = {};
    for (const [field, value] of Object.entries(raw) as [Field, unknown][]) {
      if (value === undefined || value === null || value === '') continue;
      cells[field] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    return { line, offset, ...(key ? { key } : {}), code: e.code, error: e.message, cells, raw: rawText };
  }
}

/** The cells of a good row, as a manifest would hold them. */
export function linkRowCells(r: LinkRow): RowCells {
  const cells: RowCells = { link: r.key, target: r.target };
  if (r.forbidOverwrite !== undefined) cells.forbidOverwrite = String(r.forbidOverwrite);
  if (r.acl !== undefined) cells.acl = r.acl;
  if (r.storageClass !== undefined) cells.storageClass = r.storageClass;
  if (r.meta) cells.meta = JSON.stringify(r.meta);
  if (r.tags) cells.tags = JSON.stringify(r.tags);
  return cells;
}

/** The columns a CSV header names (null: a column that is ignored); usage errors for a bad header. */
function csvColumns(header: RawRecord | undefined, name: string): (Field | null)[] {
  if (!header) throw new UsageError(`${name} is empty: expected a header row ${COLUMN_LIST} and then one row per link`, 'bulk');
  const record = csvFields(header);
  if ('error' in record) throw new UsageError(`${name}: line ${record.line}: the header row cannot be read: ${record.error}`, 'bulk');
  const fields = record.fields.map(fieldOf);
  const unknown = record.fields.filter((_, i) => fields[i] === undefined);
  if (!fields.includes('link') || !fields.includes('target')) {
    throw new UsageError(`${name}: the first line must be a header naming the columns, e.g. ${COLUMN_LIST} (got ${JSON.stringify(record.fields.join(','))})`, 'bulk');
  }
  if (unknown.length > 0) throw new UsageError(`${name}: unknown column ${JSON.stringify(unknown[0])} in the header; columns are ${COLUMN_LIST}`, 'bulk');
  const twice = fields.find((f, i) => f && fields.indexOf(f) !== i);
  if (twice) throw new UsageError(`${name}: the column ${twice} appears twice in the header`, 'bulk');
  return fields as (Field | null)[];
}

function csvRow(record: RawRecord, columns: (Field | null)[]): ManifestItem {
  const { line, offset } = record;
  const parsed = csvFields(record);
  if ('error' in parsed || record.text === undefined) {
    return { line, offset, code: 'UnparsableRow', error: 'error' in parsed ? parsed.error : 'unreadable', ...(record.text !== undefined ? { raw: record.text } : {}) };
  }
  const raw: Partial<Record<Field, string>> = {};
  parsed.fields.forEach((value, i) => {
    const field = columns[i];
    if (field) raw[field] = value;
  });
  if (parsed.fields.length > columns.length) {
    return {
      line, offset, code: 'UnparsableRow', raw: record.text,
      error: `${parsed.fields.length} fields but the header has ${columns.length} (put a field that contains a comma in double quotes)`,
      ...(raw.link ? { key: raw.link } : {}),
    };
  }
  return buildRow({ ...record, text: record.text }, raw);
}

function jsonlRow(record: RawRecord): ManifestItem {
  const { line, offset } = record;
  if (record.text === undefined) return { line, offset, code: 'UnparsableRow', error: record.error };
  let obj: unknown;
  try {
    obj = JSON.parse(record.text);
  } catch (e) {
    return { line, offset, code: 'UnparsableRow', error: `not valid JSON: ${(e as Error).message}`, raw: record.text };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return { line, offset, code: 'UnparsableRow', error: 'each line must be a JSON object {"link": ..., "target": ...}', raw: record.text };
  }
  const raw: Partial<Record<Field, unknown>> = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const field = fieldOf(k);
    if (field) raw[field] = v;
    else if (field === undefined) unknown.push(k);
  }
  if (unknown.length > 0) {
    return {
      line, offset, code: 'InvalidOption', raw: record.text,
      error: `unknown field ${JSON.stringify(unknown[0])}; fields are link, target, forbidOverwrite, acl, storageClass, meta, tags`,
      ...(typeof raw.link === 'string' && raw.link ? { key: raw.link } : {}),
    };
  }
  return buildRow({ ...record, text: record.text }, raw);
}

/** The format from the name (a `.gz` suffix aside), else from the first character ('{' is JSON Lines). */
export function guessFormat(name: string, firstByte: number | undefined): ManifestFormat {
  const base = name.replace(/\.gz$/i, '');
  if (/\.csv$/i.test(base)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(base)) return 'jsonl';
  return firstByte === 0x7b ? 'jsonl' : 'csv';
}

// ---------------------------------------------------------------------------------------------
// Sources: a file or standard input, plain or gzip (by name, or by its magic bytes)

export interface ManifestOptions {
  format?: ManifestFormat;
  /** Name for messages (default: the path, or "standard input"). */
  name?: string;
  /** The stream to read for `-` (default: process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

export interface RowsOptions {
  /** Start at this row (an offset and line an earlier read gave); rows before it are not parsed. */
  from?: Position;
  /**
   * With `from`: a row before it that an earlier read gave, with `rowHash` of its text. Reading
   * starts there and fails with a usage error unless that row is still there (the manifest did
   * not change).
   */
  verify?: Position & { hash: string };
  /** Only rows whose key is in this shard (rows that have no key at all go to shard 0). */
  shard?: Shard;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const CHUNK = 1 << 16;

/** Async iteration that counts the bytes it passes on. */
async function* counted(source: AsyncIterable<Uint8Array>, count: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    count.bytes += chunk.length;
    yield chunk;
  }
}

async function* replay(first: Uint8Array | undefined, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    if (first) yield first;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
  } finally {
    await rest.return?.();
  }
}

function gunzip(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  // Errors reach the reader through the iteration of the last stream.
  return pipeline(Readable.from(source), createGunzip(), () => undefined) as unknown as AsyncIterable<Uint8Array>;
}

/** An opened manifest: its format, and (once) its rows. */
export class Manifest {
  readonly name: string;
  readonly path: string;
  readonly format: ManifestFormat;
  readonly gzip: boolean;
  /** Size of the file in bytes (compressed, for gzip); undefined for standard input. */
  readonly size: number | undefined;
  /** Bytes read from the file or standard input so far (compressed, for gzip). */
  readonly #read: { bytes: number };
  /** Decompressed bytes read ahead while opening, from offset 0. */
  readonly #head: Uint8Array;
  readonly #rest: AsyncIterator<Uint8Array>;
  /** CSV: the header row's columns and where the first row after it starts. */
  readonly #columns: (Field | null)[] | undefined;
  readonly #dataStart: Position;
  readonly headerText: string | undefined;

  private constructor(init: {
    name: string; path: string; format: ManifestFormat; gzip: boolean; size: number | undefined; read: { bytes: number };
    head: Uint8Array; rest: AsyncIterator<Uint8Array>; columns: (Field | null)[] | undefined; dataStart: Position; headerText: string | undefined;
  }) {
    this.name = init.name;
    this.path = init.path;
    this.format = init.format;
    this.gzip = init.gzip;
    this.size = init.size;
    this.#read = init.read;
    this.#head = init.head;
    this.#rest = init.rest;
    this.#columns = init.columns;
    this.#dataStart = init.dataStart;
    this.headerText = init.headerText;
  }

  get bytesRead(): number {
    return this.#read.bytes;
  }

  /**
   * Opens `path` (`-`: standard input) and reads as far as the format and, for CSV, the header
   * row. Problems with the file or the header are usage errors.
   */
  static async open(path: string, options: ManifestOptions = {}): Promise<Manifest> {
    const fromStdin = path === '-';
    const name = options.name ?? (fromStdin ? 'standard input' : path);
    let size: number | undefined;
    if (!fromStdin) {
      const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read the manifest ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, 'bulk');
      });
      if (!info.isFile()) throw new UsageError(`the manifest ${path} is not a file`, 'bulk');
      size = info.size;
    }
    const read = { bytes: 0 };
    const source = fromStdin ? (options.stdin ?? process.stdin) : createReadStream(path, { highWaterMark: CHUNK });
    const rawIterator = counted(source as AsyncIterable<Uint8Array>, read)[Symbol.asyncIterator]();
    const first = await rawIterator.next();
    const firstChunk = first.done ? undefined : first.value;
    const gzip = /\.gz$/i.test(name) || (firstChunk !== undefined && firstChunk[0] === GZIP_MAGIC[0] && firstChunk[1] === GZIP_MAGIC[1]);
    const bytes = gzip ? gunzip(replay(firstChunk, rawIterator)) : replay(firstChunk, rawIterator);
    const rest = bytes[Symbol.asyncIterator]();

    // Read ahead until the first non-blank byte (the format) and, for CSV, the whole header row.
    let head: Uint8Array = new Uint8Array(0);
    let format: ManifestFormat | undefined = options.format;
    let splitter: RecordSplitter | undefined;
    let header: RawRecord | undefined;
    let afterHeader: Position | undefined;
    let ended = false;
    const more = async (): Promise<boolean> => {
      const r = await rest.next().catch((e: Error) => {
        throw new UsageError(`cannot read the manifest ${name}: ${e.message}`, 'bulk');
      });
      if (r.done) return false;
      const joined = new Uint8Array(head.length + r.value.length);
      joined.set(head);
      joined.set(r.value, head.length);
      head = joined;
      return true;
    };
    while (!format) {
      const at = head.findIndex((b, i) => !(b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || (i < 3 && [0xef, 0xbb, 0xbf][i] === b)));
      if (at >= 0) format = guessFormat(name, head[at]);
      else if (!(await more())) format = guessFormat(name, undefined);
    }
    if (format === 'csv') {
      splitter = new RecordSplitter(true);
      let fed = 0;
      for (;;) {
        const records = splitter.push(head.subarray(fed));
        fed = head.length;
        if (records.length > 0) {
          header = records[0];
          // Rows already cut after the header: the first of them is where the data starts.
          if (records[1]) afterHeader = { offset: records[1].offset, line: records[1].line };
          break;
        }
        if (ended) break;
        if (!(await more())) {
          ended = true;
          header = splitter.end()[0];
          break;
        }
      }
    }
    const columns = format === 'csv' ? csvColumns(header, name) : undefined;
    let dataStart: Position = { offset: 0, line: 1 };
    if (header) dataStart = afterHeader ?? { ...splitter!.position };
    return new Manifest({
      name, path, format, gzip, size, read, head, rest, columns, dataStart, headerText: header?.text,
    });
  }

  /** Parses one record's text (e.g. a row kept in a journal) as a row of this manifest. */
  parseRecord(record: RawRecord): ManifestItem {
    return this.#columns ? csvRow(record, this.#columns) : jsonlRow(record);
  }

  #rowsStarted = false;

  /** The rows, in order. Can be called once. */
  async *rows(options: RowsOptions = {}): AsyncGenerator<ManifestItem> {
    if (this.#rowsStarted) throw new Error('Manifest.rows() can be called once');
    this.#rowsStarted = true;
    const { from, verify, shard } = options;
    // Reading starts at the row to verify (a row boundary), else at `from`, else after the header.
    const useVerify = verify !== undefined && verify.offset >= this.#dataStart.offset;
    const start = useVerify ? verify : from && from.offset > this.#dataStart.offset ? from : this.#dataStart;
    const skipBefore = from?.offset ?? 0;
    let verified = !useVerify;
    const splitter = new RecordSplitter(this.format === 'csv', start);
    const emit = function* (this: Manifest, records: RawRecord[]): Generator<ManifestItem> {
      for (const record of records) {
        if (!verified) {
          verified = true;
          if (record.offset !== verify!.offset || record.text === undefined || rowHash(record.text) !== verify!.hash) throw changed(this.name, verify!);
          continue;
        }
        if (record.offset < skipBefore) continue;
        const item = this.parseRecord(record);
        if (shard && !(item.key === undefined ? shard.index === 0 : inShard(item.key, shard))) continue;
        yield item;
      }
    }.bind(this);

    let source: AsyncIterable<Uint8Array>;
    if (!this.gzip && this.path !== '-' && start.offset > this.#head.length) {
      // A plain file: go straight to the resume point.
      await this.#rest.return?.();
      this.#read.bytes = start.offset;
      source = counted(createReadStream(this.path, { start: start.offset, highWaterMark: CHUNK }) as AsyncIterable<Uint8Array>, this.#read);
    } else {
      // Otherwise read on from what was read ahead, dropping the bytes before the start.
      source = dropBefore(start.offset, replay(this.#head, this.#rest));
    }
    for await (const chunk of source) yield* emit(splitter.push(chunk));
    yield* emit(splitter.end());
    if (!verified) throw changed(this.name, verify!);
  }
}

/** Identifies a row's text, to check that a manifest is still the one a journal was written for. */
export const rowHash = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 24);

const changed = (name: string, at: Position) =>
  new UsageError(`${name} changed since the journal was written (the row at line ${at.line}, byte ${at.offset}, is not the one it recorded): `
    + 'finish with the manifest as it was, or start over with another --journal', 'bulk');

async function* dropBefore(offset: number, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let at = 0;
  for await (const chunk of chunks) {
    const begin = at;
    at += chunk.length;
    if (at <= offset) continue;
    yield begin < offset ? chunk.subarray(offset - begin) : chunk;
  }
}

/**
 * The rows of the manifest at `path` (`-`: standard input), plain or gzip, CSV or JSON Lines, in
 * constant memory: `{ line, key, target, ... }` for a link, `{ line, code, error }` for a bad row.
 */
export async function* readManifest(path: string, options: ManifestOptions & RowsOptions = {}): AsyncGenerator<ManifestItem> {
  const manifest = await Manifest.open(path, options);
  yield* manifest.rows(options);
}

/** The rows of manifest text given in chunks (tests, and callers that already hold the text). */
export async function* manifestRows(chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>, name: string, format?: ManifestFormat): AsyncGenerator<ManifestItem> {
  const encoder = new TextEncoder();
  const stdin = Readable.from((async function* () {
    for await (const c of chunks) yield typeof c === 'string' ? encoder.encode(c) : c;
  })());
  yield* readManifest('-', { name, stdin, ...(format ? { format } : {}) });
}
