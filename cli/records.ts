// Records of a manifest, found in its bytes: CSV (RFC 4180) or JSON Lines, each with the line it
// starts on and its byte offset, so a run can resume at a byte and row numbers stay right for LF,
// CRLF and lone-CR line ends. Working on bytes (the delimiters are ASCII, and UTF-8 never uses
// ASCII bytes inside a multi-byte character) keeps offsets exact whatever the text holds.

/** Longest record accepted; keys are at most 1023 bytes and metadata 8 KB, so more means a stray quote. */
export const MAX_RECORD_BYTES = 64 * 1024;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Where a record is: its byte offset and the line it starts on (1-based). */
export interface Position {
  offset: number;
  line: number;
}

/** A record's text (without its line break), or why it cannot be read. */
export type RawRecord = Position & ({ text: string } | { text?: undefined; error: string });

type Scan =
  | { kind: 'more' }
  | { kind: 'record'; end: number; next: number; lines: number }
  | { kind: 'error'; message: string; next: number; lines: number };

/**
 * Finds where the record starting at `start` ends. A CSV quote opens a quoted field only at the
 * start of a field (as in RFC 4180); a quoted field may hold line breaks. `more` asks for more
 * bytes (never when `eof`). `lines` counts the line breaks consumed (CR, LF and CRLF count one).
 */
function scanRecord(buf: Uint8Array, start: number, csv: boolean, eof: boolean): Scan {
  const len = buf.length;
  let lines = 0;
  let fieldStart = true;
  let quoted = false;
  /** After the first line break inside quotes: where an unclosed quote's record is cut. */
  let firstLineNext = -1;
  for (let i = start; i < len; i++) {
    const c = buf[i]!;
    if (quoted) {
      if (c === QUOTE) {
        if (i + 1 >= len && !eof) return { kind: 'more' }; // `""` or the closing quote?
        if (buf[i + 1] === QUOTE) i++;
        else quoted = false;
      } else if (c === LF || c === CR) {
        if (c === CR && i + 1 >= len && !eof) return { kind: 'more' };
        if (c === CR && buf[i + 1] === LF) i++;
        lines++;
        if (firstLineNext < 0) firstLineNext = i + 1;
      }
      if (quoted && i - start > MAX_RECORD_BYTES && firstLineNext >= 0) {
        return { kind: 'error', message: `the row is longer than ${MAX_RECORD_BYTES} bytes: probably a quoted field that is never closed`, next: firstLineNext, lines: 1 };
      }
      continue;
    }
    if (c === LF) return { kind: 'record', end: i, next: i + 1, lines: lines + 1 };
    if (c === CR) {
      if (i + 1 >= len && !eof) return { kind: 'more' };
      return { kind: 'record', end: i, next: buf[i + 1] === LF ? i + 2 : i + 1, lines: lines + 1 };
    }
    if (!csv) continue;
    if (c === COMMA) fieldStart = true;
    else {
      if (c === QUOTE && fieldStart) quoted = true;
      fieldStart = false;
    }
  }
  if (!eof) return { kind: 'more' };
  if (quoted) {
    return firstLineNext >= 0
      ? { kind: 'error', message: 'a quoted field is never closed (a field that starts with " must end with ")', next: firstLineNext, lines: 1 }
      : { kind: 'error', message: 'a quoted field is never closed (a field that starts with " must end with ")', next: len, lines };
  }
  return { kind: 'record', end: len, next: len, lines };
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
};

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Cuts bytes pushed in any chunking into records. Blank records (nothing but spaces) are skipped;
 * a UTF-8 byte-order mark at offset 0 is dropped.
 */
export class RecordSplitter {
  readonly #csv: boolean;
  #buf: Uint8Array = new Uint8Array(0);
  #bomChecked: boolean;
  /** Where the first byte not yet cut into a record is. */
  readonly position: Position;

  constructor(csv: boolean, from: Position = { offset: 0, line: 1 }) {
    this.#csv = csv;
    this.position = { ...from };
    this.#bomChecked = from.offset > 0;
  }

  /** The records completed by `chunk`. */
  push(chunk: Uint8Array | string): RawRecord[] {
    this.#buf = concat(this.#buf, typeof chunk === 'string' ? this.#encode(chunk) : chunk);
    return this.#drain(false);
  }

  /** Text chunks may split a surrogate pair: the high half waits for the next chunk. */
  #highSurrogate = '';

  #encode(text: string): Uint8Array {
    let s = this.#highSurrogate + text;
    this.#highSurrogate = '';
    const last = s.charCodeAt(s.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.#highSurrogate = s.slice(-1);
      s = s.slice(0, -1);
    }
    return encoder.encode(s);
  }

  /** The last record, if the input did not end with a line break. */
  end(): RawRecord[] {
    if (this.#highSurrogate) this.#buf = concat(this.#buf, encoder.encode(this.#highSurrogate));
    return this.#drain(true);
  }

  #drain(eof: boolean): RawRecord[] {
    const buf = this.#buf;
    const out: RawRecord[] = [];
    let pos = 0;
    if (!this.#bomChecked) {
      if (buf.length < 3 && !eof) return out;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      this.#bomChecked = true;
    }
    while (pos < buf.length) {
      const r = scanRecord(buf, pos, this.#csv, eof);
      if (r.kind === 'more') break;
      const at = { offset: this.position.offset + pos, line: this.position.line };
      if (r.kind === 'error') out.push({ ...at, error: r.message });
      else {
        let blank = true;
        for (let i = pos; i < r.end && blank; i++) blank = buf[i] === 0x20 || buf[i] === 0x09;
        if (!blank) out.push({ ...at, text: utf8.decode(buf.subarray(pos, r.end)) });
      }
      this.position.line += r.lines;
      pos = r.next;
    }
    this.#buf = buf.subarray(pos);
    this.position.offset += pos;
    return out;
  }
}

/** The records in `chunks`, which start at `from` (default: the start of the file). */
export async function* rawRecords(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, csv: boolean, from?: Position): AsyncGenerator<RawRecord> {
  const splitter = new RecordSplitter(csv, from);
  for await (const chunk of chunks) yield* splitter.push(chunk);
  yield* splitter.end();
}

// ---------------------------------------------------------------------------------------------
// CSV fields

type FieldsResult =
  | { kind: 'incomplete' }
  | { kind: 'record'; fields: string[]; next: number }
  | { kind: 'error'; message: string; next: number };

/**
 * Parses one CSV record of `text` starting at `start` into fields. Fields are separated by commas
 * and records by LF, CRLF or CR; a field in double quotes may contain commas, line breaks and
 * doubled quotes (`""`). `incomplete` asks for more text (only when `eof` is false).
 */
export function parseCsvRecord(text: string, start: number, eof: boolean): FieldsResult {
  const incomplete = (): FieldsResult => (eof ? { kind: 'error', message: 'a quoted field is never closed (a field that starts with " must end with ")', next: text.length } : { kind: 'incomplete' });
  /** Skips to the end of the line where the error is. */
  const error = (message: string, at: number): FieldsResult => {
    let nl = at;
    while (nl < text.length && text.charCodeAt(nl) !== LF && text.charCodeAt(nl) !== CR) nl++;
    if (nl >= text.length && !eof) return { kind: 'incomplete' };
    return { kind: 'error', message, next: nl >= text.length ? text.length : nl + 1 };
  };
  const end = (fields: string[], at: number): FieldsResult => {
    if (at >= text.length) return eof ? { kind: 'record', fields, next: at } : { kind: 'incomplete' };
    if (text.charCodeAt(at) === LF) return { kind: 'record', fields, next: at + 1 };
    if (at + 1 >= text.length && !eof) return { kind: 'incomplete' };
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
        if (q < 0) return incomplete();
        value += text.slice(j, q);
        if (q + 1 >= text.length && !eof) return { kind: 'incomplete' }; // `""` or the closing quote?
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
    if (j >= text.length && !eof) return { kind: 'incomplete' };
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

export type CsvItem = { line: number; fields: string[] } | { line: number; error: string };

/** The fields of one record's text (as `rawRecords` gives it). */
export function csvFields(record: RawRecord): CsvItem {
  if (record.text === undefined) return { line: record.line, error: record.error };
  const r = parseCsvRecord(record.text, 0, true);
  return r.kind === 'record' ? { line: record.line, fields: r.fields } : { line: record.line, error: r.kind === 'error' ? r.message : 'incomplete' };
}

/** CSV records with the line each starts on; blank lines are skipped. */
export async function* csvRecords(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<CsvItem> {
  for await (const record of rawRecords(chunks, true)) yield csvFields(record);
}

/** Quotes a CSV field when it needs it. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
