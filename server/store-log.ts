// The server's append-only record log: one file, read back by offset, scanned as a stream at start.
//
// File: an 8-byte magic, then records. A record is a 24-byte header, then the bucket name, the key
// and the version id (UTF-8), the version's other fields (JSON) and the body:
//
//   0 u32 record length   4 u32 CRC-32 of bytes 8..end   8 u8 kind   9 u8 0
//  10 u16 bucket bytes   12 u16 key bytes   14 u16 version id bytes   16 u32 fields bytes   20 u32 body bytes
//
// Appends go to the file at once (write(2), in the page cache); `commit()` resolves when an
// fdatasync begun after the append has finished. One fdatasync serves every append made before it
// started (group commit), so an acknowledged write is on disk while many requests share a sync.
// A record cut short by a crash fails its length or CRC check and ends the scan; the file is
// truncated there before new appends, so nothing is ever written after a torn record.
import fs from 'node:fs';
import zlib from 'node:zlib';

export const MAGIC = Buffer.from('OSSLOG1\n');
export const HEADER_BYTES = 24;

export const enum RecordKind {
  Bucket = 1,
  Version = 2,
  Delete = 3,
}

export interface RecordParts {
  kind: RecordKind;
  bucket: Buffer;
  key: Buffer;
  versionId: Buffer;
  fields: Buffer;
  body: Buffer;
}

/** Header fields of a record, with the offsets of its parts relative to the record start. */
export interface RecordHeader {
  length: number;
  kind: RecordKind;
  bucketBytes: number;
  keyBytes: number;
  versionIdBytes: number;
  fieldsBytes: number;
  bodyBytes: number;
}

export const keyStart = (h: RecordHeader) => HEADER_BYTES + h.bucketBytes;
export const versionIdStart = (h: RecordHeader) => keyStart(h) + h.keyBytes;
export const fieldsStart = (h: RecordHeader) => versionIdStart(h) + h.versionIdBytes;
export const bodyStart = (h: RecordHeader) => fieldsStart(h) + h.fieldsBytes;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (zlib's); zlib.crc32 exists from Node 20.15, older Nodes use the table. */
const crc32: (data: Uint8Array) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data) => (zlib as unknown as { crc32: (d: Uint8Array) => number }).crc32(data)
    : (data) => {
        let c = 0xffffffff;
        for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
        return (c ^ 0xffffffff) >>> 0;
      };

export function encodeRecord(parts: RecordParts): Buffer {
  const { bucket, key, versionId, fields, body } = parts;
  const length = HEADER_BYTES + bucket.length + key.length + versionId.length + fields.length + body.length;
  const record = Buffer.allocUnsafe(length);
  record.writeUInt32LE(length, 0);
  record.writeUInt8(parts.kind, 8);
  record.writeUInt8(0, 9);
  record.writeUInt16LE(bucket.length, 10);
  record.writeUInt16LE(key.length, 12);
  record.writeUInt16LE(versionId.length, 14);
  record.writeUInt32LE(fields.length, 16);
  record.writeUInt32LE(body.length, 20);
  let at = HEADER_BYTES;
  for (const part of [bucket, key, versionId, fields, body]) at += part.copy(record, at);
  record.writeUInt32LE(crc32(record.subarray(8)), 4);
  return record;
}

/** The header at `at` in `buf` (valid up to `limit`), or undefined when it cannot be a record (torn or zeroed). */
export function decodeHeader(buf: Buffer, at: number, limit = buf.length): RecordHeader | undefined {
  if (limit - at < HEADER_BYTES) return undefined;
  const header: RecordHeader = {
    length: buf.readUInt32LE(at),
    kind: buf.readUInt8(at + 8),
    bucketBytes: buf.readUInt16LE(at + 10),
    keyBytes: buf.readUInt16LE(at + 12),
    versionIdBytes: buf.readUInt16LE(at + 14),
    fieldsBytes: buf.readUInt32LE(at + 16),
    bodyBytes: buf.readUInt32LE(at + 20),
  };
  const sum = HEADER_BYTES + header.bucketBytes + header.keyBytes + header.versionIdBytes + header.fieldsBytes + header.bodyBytes;
  const knownKind = header.kind >= RecordKind.Bucket && header.kind <= RecordKind.Delete;
  return knownKind && header.length === sum && buf.readUInt8(at + 9) === 0 ? header : undefined;
}

function checksumMatches(buf: Buffer, at: number, length: number): boolean {
  return crc32(buf.subarray(at + 8, at + length)) === buf.readUInt32LE(at + 4);
}

interface Waiter {
  end: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const SPECULATIVE_READ = 1024;
const SCAN_CHUNK = 4 * 1024 * 1024;

export class RecordLog {
  /** End of the last record: where the next append goes. */
  private end: number;
  private syncing = false;
  private waiters: Waiter[] = [];
  private readonly scratch = Buffer.allocUnsafe(SPECULATIVE_READ);
  private closed = false;
  private lastHead: { offset: number; header: RecordHeader; buf: Buffer } | undefined;

  private constructor(
    private readonly fd: number,
    private readonly durable: boolean,
    end: number,
  ) {
    this.end = end;
  }

  /** Opens (creating when missing) a log file; `durable` makes commit() wait for fdatasync. */
  static open(file: string, durable: boolean): RecordLog {
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      let size = fs.fstatSync(fd).size;
      if (size < MAGIC.length) {
        fs.ftruncateSync(fd, 0);
        fs.writeSync(fd, MAGIC, 0, MAGIC.length, 0);
        if (durable) fs.fdatasyncSync(fd);
        size = MAGIC.length;
      } else {
        const magic = Buffer.alloc(MAGIC.length);
        fs.readSync(fd, magic, 0, MAGIC.length, 0);
        if (!magic.equals(MAGIC)) throw new Error(`${file} is not an oss-symlink server log`);
      }
      return new RecordLog(fd, durable, size);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  get size(): number {
    return this.end;
  }

  /** Writes a record at the end and returns its offset (not yet durable: see commit). */
  append(record: Buffer): number {
    const offset = this.end;
    let written = 0;
    try {
      while (written < record.length) written += fs.writeSync(this.fd, record, written, record.length - written, offset + written);
    } catch (error) {
      // Leave no partial record behind, or later appends would sit after a torn one.
      fs.ftruncateSync(this.fd, offset);
      throw error;
    }
    this.end += record.length;
    return offset;
  }

  /** Resolves once every record appended so far is on disk (at once when not durable). */
  commit(): Promise<void> {
    if (!this.durable) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ end: this.end, resolve, reject });
      this.syncSoon();
    });
  }

  private syncSoon(): void {
    if (this.syncing || this.waiters.length === 0) return;
    this.syncing = true;
    const target = this.end;
    fs.fdatasync(this.fd, (error) => {
      this.syncing = false;
      const done = this.waiters.filter((w) => w.end <= target);
      this.waiters = this.waiters.filter((w) => w.end > target);
      for (const waiter of done) {
        if (error) waiter.reject(error);
        else waiter.resolve();
      }
      this.syncSoon();
    });
  }

  /**
   * The record at `offset`: its header and a buffer holding at least the parts before the body.
   * The buffer may be reused by the next call: copy what must outlive it.
   */
  readHead(offset: number): { header: RecordHeader; buf: Buffer } {
    // Offsets are never rewritten (append-only), so the last read can be served again.
    if (this.lastHead?.offset === offset) return this.lastHead;
    let buf = this.scratch;
    const got = fs.readSync(this.fd, buf, 0, buf.length, offset);
    const header = decodeHeader(buf, 0, got);
    if (!header) throw new Error(`server log: no record at offset ${offset}`);
    const needed = bodyStart(header);
    if (needed > got) {
      buf = Buffer.allocUnsafe(needed);
      fs.readSync(this.fd, buf, 0, needed, offset);
    }
    this.lastHead = { offset, header, buf };
    return this.lastHead;
  }

  read(offset: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(this.fd, buf, got, length - got, offset + got);
      if (n === 0) throw new Error(`server log: short read at offset ${offset + got}`);
      got += n;
    }
    return buf;
  }

  /**
   * Streams every intact record from the start, in order: `visit(offset, header, record)` where
   * `record` is valid only during the call. Stops at the first torn record and truncates the file
   * there; returns the number of bytes cut.
   */
  scan(visit: (offset: number, header: RecordHeader, record: Buffer) => void): number {
    const fileSize = fs.fstatSync(this.fd).size;
    let chunk = Buffer.allocUnsafe(SCAN_CHUNK);
    let chunkStart = MAGIC.length;
    let chunkBytes = 0;
    let offset = MAGIC.length;
    const fill = () => {
      const keep = chunkStart + chunkBytes - offset;
      chunk.copy(chunk, 0, offset - chunkStart, offset - chunkStart + keep);
      chunkStart = offset;
      chunkBytes = keep;
      while (chunkBytes < chunk.length) {
        const n = fs.readSync(this.fd, chunk, chunkBytes, chunk.length - chunkBytes, chunkStart + chunkBytes);
        if (n === 0) break;
        chunkBytes += n;
      }
    };
    while (offset < fileSize) {
      let at = offset - chunkStart;
      if (chunkBytes - at < HEADER_BYTES) {
        fill();
        at = 0;
      }
      const header = decodeHeader(chunk, at, chunkBytes);
      if (!header || offset + header.length > fileSize) break;
      if (header.length > chunk.length) {
        const bigger = Buffer.allocUnsafe(header.length);
        chunk.copy(bigger, 0, at, chunkBytes);
        chunk = bigger;
        chunkBytes -= at;
        chunkStart = offset;
        at = 0;
      }
      if (chunkBytes - at < header.length) {
        fill();
        at = 0;
      }
      if (!checksumMatches(chunk, at, header.length)) break;
      visit(offset, header, chunk.subarray(at, at + header.length));
      offset += header.length;
    }
    this.end = offset;
    if (offset < fileSize) fs.ftruncateSync(this.fd, offset);
    return fileSize - offset;
  }

  /** Waits for pending commits, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.syncing || this.waiters.length > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
