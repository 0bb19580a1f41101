// The failed-rows file of `bulk`: every row that was bad or failed, with its line and why, written
// as it happens and in the manifest's own format, so it can be fixed and fed back as a manifest.
// JSON Lines rows are written from their original text, so keys survive exactly (a lone surrogate
// stays a \ud800 escape instead of becoming U+FFFD).
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { csvField, type BadRow, type ManifestFormat } from './manifest.js';

const CSV_HEADER = 'row,error,link,target,forbidOverwrite,acl,storageClass,meta,tags,message';

/** One line of the failed-rows file for `row`. */
export function failedLine(row: BadRow, format: ManifestFormat): string {
  const message = row.error.replace(/\s+/g, ' ');
  if (format === 'jsonl') {
    const head = JSON.stringify({ row: row.line, error: row.code, message });
    const body = row.raw?.trim();
    if (body === undefined || !body.startsWith('{') || !body.endsWith('}') || row.code === 'UnparsableRow') {
      return `${head.slice(0, -1)}${row.raw !== undefined ? `,"raw":${JSON.stringify(row.raw)}` : ''}}`;
    }
    const inner = body.slice(1, -1).trim();
    return `${head.slice(0, -1)}${inner ? `,${inner}` : ''}}`;
  }
  const c = row.cells ?? {};
  return [String(row.line), row.code, c.link ?? '', c.target ?? '', c.forbidOverwrite ?? '', c.acl ?? '', c.storageClass ?? '', c.meta ?? '', c.tags ?? '', message]
    .map(csvField).join(',');
}

/** The failed-rows file: written to a temporary file, moved into place by `finish`. */
export class FailedFile {
  readonly path: string;
  readonly #format: ManifestFormat;
  #stream: WriteStream | undefined;
  readonly #tmp: string;
  count = 0;

  constructor(path: string, format: ManifestFormat) {
    this.path = path;
    this.#format = format;
    this.#tmp = `${path}.${process.pid}.tmp`;
  }

  #open(): WriteStream {
    if (!this.#stream) {
      this.#stream = createWriteStream(this.#tmp, { encoding: 'utf8' });
      if (this.#format === 'csv') this.#stream.write(`${CSV_HEADER}\r\n`);
    }
    return this.#stream;
  }

  add(row: BadRow): void {
    this.count++;
    this.#open().write(`${failedLine(row, this.#format)}${this.#format === 'csv' ? '\r\n' : '\n'}`);
  }

  /**
   * Puts the file in place. A failed-rows file left by an earlier run is replaced even when
   * nothing failed this time (by an empty one), so it never lists rows that are done.
   */
  async finish(): Promise<void> {
    if (!this.#stream && !(await stat(this.path).then(() => true, () => false))) return;
    const stream = this.#open();
    stream.end();
    await once(stream, 'finish');
    await rename(this.#tmp, this.path);
  }
}
