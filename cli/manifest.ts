// Manifests for `bulk`: CSV (RFC 4180) or JSON Lines, read as a stream of rows, each either a
// link to create or a bad row with its line number and what is wrong with it.
import { UsageError } from './common.js';

export type ManifestFormat = 'csv' | 'jsonl';

/** A link to create, as the manifest asks for it. `row` is the line where the row starts. */
export interface LinkRow {
  row: number;
  link: string;
  target: string;
  forbidOverwrite?: boolean;
  acl?: string;
  storageClass?: string;
  meta?: Record<string, string>;
  tags?: Record<string, string>;
}

/** A row's values as a manifest holds them (CSV cells), to write it back out unchanged. */
export type RowCells = Partial<Record<Field, string>>;

/** A row that cannot be used: unparsable, or missing or invalid fields. */
export interface BadRow {
  row: number;
  code: string;
  message: string;
  link?: string;
  /** The row as written, when it could be read at all. */
  cells?: RowCells;
}

export type ManifestItem = LinkRow | BadRow;

export const isBad = (item: ManifestItem): item is BadRow => 'code' in item;

// ---------------------------------------------------------------------------------------------
// CSV

/** Longest record accepted; keys are at most 1023 bytes and metadata 8 KB, so more means a stray quote. */
const MAX_RECORD_CHARS = 64 * 1024;

type RecordResult =
  | { kind: 'incomplete' }
  | { kind: 'record'; fields: string[]; next: number }
  | { kind: 'error'; message: string; next: number };

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Parses one CSV record starting at `start`. Fields are separated by commas and records by LF
 * or CRLF; a field in double quotes may contain commas, line breaks and doubled quotes (`""`).
 * `incomplete` asks for more text (only when `eof` is false). After a syntax error, parsing
 * resumes on the next line; after an unclosed quote, on the line after the record's first.
 */
export function parseCsvRecord(text: string, start: number, eof: boolean): RecordResult {
  const incomplete = (): RecordResult =>
    !eof && text.length - start <= MAX_RECORD_CHARS ? { kind: 'incomplete' } : unclosed();
  const unclosed = (): RecordResult => {
    const nl = text.indexOf('\n', start);
    const message = eof
      ? 'a quoted field is never closed (a field that starts with " must end with ")'
      : `the row is longer than ${MAX_RECORD_CHARS} characters: probably a quoted field that is never closed`;
    return { kind: 'error', message, next: nl < 0 ? text.length : nl + 1 };
  };
  /** Skips to the end of the line where the error is. */
  const error = (message: string, at: number): RecordResult => {
    const nl = text.indexOf('\n', at);
    if (nl < 0 && !eof) return incomplete();
    return { kind: 'error', message, next: nl < 0 ? text.length : nl + 1 };
  };
  /** The record ends at the line break at `at` (or at the end of the text). */
  const end = (fields: string[], at: number): RecordResult => {
    if (at >= text.length) return eof ? { kind: 'record', fields, next: at } : incomplete();
    const c = text.charCodeAt(at);
    if (c === LF) return { kind: 'record', fields, next: at + 1 };
    // CR: CRLF, or a lone CR (old Mac line ends).
    if (at + 1 >= text.length && !eof) return incomplete();
    return { kind: 'record', fields, next: text.charCodeAt(at + 1) === LF ? at + 2 : at + 1 };
  };

  const fields: string[] = [];
  let i = start;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return eof ? unclosed() : incomplete();
        value += text.slice(j, q);
        if (q + 1 >= text.length && !eof) return incomplete(); // `""` or the closing quote?
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i >= text.length) return end(fields, i);
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === LF || c === CR) return end(fields, i);
      return error(`unexpected ${JSON.stringify(text[i])} after the closing quote of field ${fields.length} (inside quotes, write a quote as "")`, i);
    }
    let j = i;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
      j++;
    }
    if (j >= text.length && !eof) return incomplete();
    if (text.charCodeAt(j) === QUOTE) {
      return error(`a quote inside unquoted field ${fields.length + 1}: put the whole field in quotes and double the quote ("")`, j);
    }
    fields.push(text.slice(i, j));
    if (text.charCodeAt(j) === COMMA) {
      i = j + 1;
      continue;
    }
    return end(fields, j);
  }
}

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

type CsvItem = { line: number; fields: string[] } | { line: number; error: string };

/** CSV records with the line each starts on; blank lines are skipped. */
export async function* csvRecords(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<CsvItem> {
  let buffer = '';
  let line = 1;
  function* drain(eof: boolean): Generator<CsvItem> {
    let pos = 0;
    while (pos < buffer.length) {
      const r = parseCsvRecord(buffer, pos, eof);
      if (r.kind === 'incomplete') break;
      if (r.kind === 'error') yield { line, error: r.message };
      else if (!(r.fields.length === 1 && r.fields[0] === '')) yield { line, fields: r.fields };
      line += countLines(buffer, pos, r.next);
      pos = r.next;
    }
    buffer = buffer.slice(pos);
  }
  for await (const chunk of chunks) {
    buffer += chunk;
    yield* drain(false);
  }
  yield* drain(true);
}

/** The cells of a good row, as a manifest would hold them. */
export function linkRowCells(r: LinkRow): RowCells {
  const cells: RowCells = { link: r.link, target: r.target };
  if (r.forbidOverwrite !== undefined) cells.forbidOverwrite = String(r.forbidOverwrite);
  if (r.acl !== undefined) cells.acl = r.acl;
  if (r.storageClass !== undefined) cells.storageClass = r.storageClass;
  if (r.meta) cells.meta = JSON.stringify(r.meta);
  if (r.tags) cells.tags = JSON.stringify(r.tags);
  return cells;
}

/** Quotes a CSV field when it needs it. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

// ---------------------------------------------------------------------------------------------
// Rows

export type Field = 'link' | 'target' | 'forbidOverwrite' | 'acl' | 'storageClass' | 'meta' | 'tags';
const FIELDS: Record<string, Field | null> = {
  link: 'link', target: 'target', forbidoverwrite: 'forbidOverwrite', acl: 'acl', storageclass: 'storageClass',
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
function buildRow(row: number, raw: Partial<Record<Field, unknown>>): ManifestItem {
  const link = typeof raw.link === 'string' ? raw.link : undefined;
  const target = typeof raw.target === 'string' ? raw.target : undefined;
  try {
    if (raw.link !== undefined && raw.link !== null && typeof raw.link !== 'string') throw new RowError('InvalidOption', 'link must be a string');
    if (raw.target !== undefined && raw.target !== null && typeof raw.target !== 'string') throw new RowError('InvalidOption', 'target must be a string');
    if (!link) throw new RowError('MissingLink', 'the link is missing');
    if (!target) throw new RowError('MissingTarget', 'the target is missing');
    const out: LinkRow = { row, link, target };
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
    return { row, ...(link ? { link } : {}), code: e.code, message: e.message, cells };
  }
}

async function* csvRows(chunks: AsyncIterable<string>, name: string): AsyncGenerator<ManifestItem> {
  let columns: (Field | null)[] | undefined;
  for await (const record of csvRecords(chunks)) {
    if (!columns) {
      if ('error' in record) throw new UsageError(`${name}: line ${record.line}: the header row cannot be read: ${record.error}`, 'bulk');
      const fields = record.fields.map(fieldOf);
      const unknown = record.fields.filter((_, i) => fields[i] === undefined);
      if (!fields.includes('link') || !fields.includes('target')) {
        throw new UsageError(`${name}: the first line must be a header naming the columns, e.g. ${COLUMN_LIST} (got ${JSON.stringify(record.fields.join(','))})`, 'bulk');
      }
      if (unknown.length > 0) throw new UsageError(`${name}: unknown column ${JSON.stringify(unknown[0])} in the header; columns are ${COLUMN_LIST}`, 'bulk');
      const twice = fields.find((f, i) => f && fields.indexOf(f) !== i);
      if (twice) throw new UsageError(`${name}: the column ${twice} appears twice in the header`, 'bulk');
      columns = fields as (Field | null)[];
      continue;
    }
    if ('error' in record) {
      yield { row: record.line, code: 'UnparsableRow', message: record.error };
      continue;
    }
    const raw: Partial<Record<Field, string>> = {};
    record.fields.forEach((value, i) => {
      const field = columns![i];
      if (field) raw[field] = value;
    });
    if (record.fields.length > columns.length) {
      yield {
        row: record.line, code: 'UnparsableRow',
        message: `${record.fields.length} fields but the header has ${columns.length} (put a field that contains a comma in double quotes)`,
        ...(raw.link ? { link: raw.link } : {}),
      };
      continue;
    }
    yield buildRow(record.line, raw);
  }
  if (!columns) throw new UsageError(`${name} is empty: expected a header row ${COLUMN_LIST} and then one row per link`, 'bulk');
}

async function* jsonlRows(chunks: AsyncIterable<string>): AsyncGenerator<ManifestItem> {
  let buffer = '';
  let line = 0;
  function* lines(eof: boolean): Generator<ManifestItem> {
    let pos = 0;
    for (;;) {
      const nl = buffer.indexOf('\n', pos);
      if (nl < 0 && !(eof && pos < buffer.length)) break;
      const text = buffer.slice(pos, nl < 0 ? buffer.length : nl).trim();
      pos = nl < 0 ? buffer.length : nl + 1;
      line++;
      if (text === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        yield { row: line, code: 'UnparsableRow', message: `not valid JSON: ${(e as Error).message}` };
        continue;
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        yield { row: line, code: 'UnparsableRow', message: 'each line must be a JSON object {"link": ..., "target": ...}' };
        continue;
      }
      const raw: Partial<Record<Field, unknown>> = {};
      const unknown: string[] = [];
      for (const [k, v] of Object.entries(obj)) {
        const field = fieldOf(k);
        if (field) raw[field] = v;
        else if (field === undefined) unknown.push(k);
      }
      if (unknown.length > 0) {
        yield {
          row: line, code: 'InvalidOption',
          message: `unknown field ${JSON.stringify(unknown[0])}; fields are link, target, forbidOverwrite, acl, storageClass, meta, tags`,
          ...(typeof raw.link === 'string' && raw.link ? { link: raw.link } : {}),
        };
        continue;
      }
      yield buildRow(line, raw);
    }
    buffer = buffer.slice(pos);
  }
  for await (const chunk of chunks) {
    buffer += chunk;
    yield* lines(false);
  }
  yield* lines(true);
}

/** The format from the name, else from the first character ('{' is JSON Lines). */
export function guessFormat(name: string, firstText: string): ManifestFormat {
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(name)) return 'jsonl';
  return firstText.replace(/^\uFEFF/, '').trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/** The rows of a manifest. `name` is used in messages; the byte-order mark, if any, is dropped. */
export async function* manifestRows(chunks: AsyncIterable<string>, name: string, format?: ManifestFormat): AsyncGenerator<ManifestItem> {
  // Look at the first chunk to strip the BOM and guess the format, then replay it.
  const iterator = chunks[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && first.value === '') first = await iterator.next();
  const head = first.done ? '' : first.value.replace(/^\uFEFF/, '');
  async function* all(): AsyncGenerator<string> {
    try {
      if (head !== '') yield head;
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
    } finally {
      await iterator.return?.();
    }
  }
  const chosen = format ?? guessFormat(name, head);
  yield* chosen === 'csv' ? csvRows(all(), name) : jsonlRows(all());
}
