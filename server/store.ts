// Buckets, object versions and symlinks, held in a record log with a compact index in memory.
//
// Every version is one record in an append-only log file (store-log.ts): metadata and body. Memory
// holds only, per bucket, a hash index from key to the record's offset (store-index.ts: ~12 bytes a
// slot, the key is read back from the log to confirm a match) and, for keys with more than one
// version, the list of their offsets. Reads are positioned reads of the file (served by the page
// cache), so the server's memory grows by 16 to 32 bytes a key, whatever the records hold.
//
// With a data directory the log is `store.log` there: a write is applied at once (so checks and
// writes stay atomic in the single-threaded event loop) and its promise resolves only after an
// fdatasync that began after it (group commit), so every acknowledged write survives kill -9 and
// power loss. Opening streams through the log to rebuild the index, drops a torn tail left by a
// crash, and rewrites the log without dead records when they are more than half of it.
// Without a data directory the log is an unlinked temporary file and nothing is synced.
// In discard mode nothing is kept at all: writes are acknowledged and forgotten (for benchmarks).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashBytes, KeyIndex } from './store-index.js';
import {
  bodyStart,
  encodeRecord,
  fieldsStart,
  HEADER_BYTES,
  keyStart,
  MAGIC,
  RecordKind,
  RecordLog,
  versionIdStart,
  type RecordHeader,
} from './store-log.js';

export type Acl = 'default' | 'private' | 'public-read' | 'public-read-write';

export interface ObjectVersion {
  /** `null` in buckets without versioning, as OSS reports it. */
  versionId: string;
  deleteMarker: boolean;
  /** Decoded target key when the version is a symlink. */
  symlinkTarget?: string | undefined;
  /** Read from the log on first access for stored versions. */
  body: Buffer;
  contentType: string;
  /** Upper-case hex, unquoted. */
  etag: string;
  /** CRC-64/ECMA-182 of the body, decimal, as x-oss-hash-crc64ecma. */
  crc64: string;
  lastModified: number;
  acl: Acl;
  storageClass: string;
  /** User metadata: lower-case names without the x-oss-meta- prefix. */
  meta: Record<string, string>;
  /** Tags in canonical query form, '' when none. */
  tagging: string;
  /** Standard headers kept with the object (cache-control, content-disposition, ...). */
  httpHeaders: Record<string, string>;
}

export interface Bucket {
  name: string;
  versioned: boolean;
  created: number;
}

export interface StoreOptions {
  /** Accept writes and keep nothing: reads find no object. For load tests of everything else. */
  discard?: boolean;
}

export interface StoreStats {
  /** Keys with at least one version (delete markers included), over all buckets. */
  keys: number;
  /** Size of the log file. */
  logBytes: number;
  /** Bytes of the log held by replaced or deleted records (dropped at the next compaction). */
  deadBytes: number;
  /** Bytes of the in-memory index tables. */
  indexBytes: number;
  /** Bytes of a torn tail cut at open (a write that crashed before it was acknowledged). */
  tornTailBytes: number;
  /** Whether open rewrote the log without its dead records. */
  compacted: boolean;
}

export function newVersionId(): string {
  // OSS version ids are opaque base64-like strings starting with CAEQ.
  return 'CAEQ' + randomBytes(24).toString('base64url');
}

const LOG_FILE = 'store.log';
const LOCK_FILE = 'store.lock';
/** The first server's journal format; converted on first open. */
const LEGACY_JOURNAL = 'journal.jsonl';
/** Compaction at open needs at least this much dead data, and more dead than live. */
const COMPACT_MIN_DEAD_BYTES = 1024 * 1024;
const EMPTY_BODY = Buffer.alloc(0);

/** What a version record keeps besides key, version id and body; fields at their default are left out. */
type StoredFields = Partial<Omit<ObjectVersion, 'versionId' | 'body'>>;
const FIELD_DEFAULTS = {
  deleteMarker: false,
  contentType: 'application/octet-stream',
  crc64: '0',
  acl: 'default',
  storageClass: 'Standard',
  tagging: '',
} as const;

function storedFields(version: ObjectVersion): StoredFields {
  const { versionId: _id, body: _body, ...fields } = version;
  const stored: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || FIELD_DEFAULTS[name as keyof typeof FIELD_DEFAULTS] === value) continue;
    if (typeof value === 'object' && Object.keys(value).length === 0) continue;
    stored[name] = value;
  }
  return stored;
}

interface BucketState {
  bucket: Bucket;
  index: KeyIndex;
}

export class Store {
  private readonly buckets = new Map<string, BucketState>();
  /** Offsets of the versions of keys that have more than one, oldest first; index value -(i + 1). */
  private lists: (number[] | undefined)[] = [];
  private freeLists: number[] = [];
  private log: RecordLog | undefined;
  private deadBytes = 0;
  private tornTailBytes = 0;
  private compacted = false;
  private release: (() => void) | undefined;

  private constructor(private readonly discard: boolean) {}

  /** Opens an in-memory store, or the one kept in `dataDir` (created when missing). */
  static async open(dataDir?: string, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(options.discard === true);
    if (store.discard) return store;
    if (dataDir) await store.openDurable(dataDir);
    else store.openTemporary();
    return store;
  }

  getBucket(name: string): Bucket | undefined {
    return this.buckets.get(name)?.bucket;
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()];
  }

  stats(): StoreStats {
    let keys = 0;
    let indexBytes = 0;
    for (const { index } of this.buckets.values()) {
      keys += index.size;
      indexBytes += index.byteLength;
    }
    return { keys, logBytes: this.log?.size ?? 0, deadBytes: this.deadBytes, indexBytes, tornTailBytes: this.tornTailBytes, compacted: this.compacted };
  }

  /** Creates the bucket if missing and turns versioning on when asked (it is never turned off). */
  async ensureBucket(name: string, versioned: boolean, now: number): Promise<Bucket> {
    let state = this.buckets.get(name);
    if (state && (state.bucket.versioned || !versioned)) return state.bucket;
    if (!this.discard && !this.log) throw new Error('the store is closed');
    if (state) state.bucket.versioned = true;
    else state = this.addBucket({ name, versioned, created: now });
    if (this.log) {
      this.log.append(bucketRecord(state.bucket));
      await this.log.commit();
    }
    return state.bucket;
  }

  /** The newest version of a key (possibly a delete marker). */
  current(bucket: Bucket, key: string): ObjectVersion | undefined {
    const offsets = this.offsetsOf(bucket, Buffer.from(key));
    return offsets && this.versionAt(offsets[offsets.length - 1]!);
  }

  version(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined {
    const offset = this.offsetsOf(bucket, Buffer.from(key))?.find((o) => this.versionIdAt(o) === versionId);
    return offset === undefined ? undefined : this.versionAt(offset);
  }

  /** Whether the key has any version, delete markers included. */
  hasKey(bucket: Bucket, key: string): boolean {
    return this.offsetsOf(bucket, Buffer.from(key)) !== undefined;
  }

  /** Adds a version (replacing the key in unversioned buckets); resolves once durable. */
  put(bucket: Bucket, key: string, version: ObjectVersion): Promise<void> {
    if (this.discard) return Promise.resolve();
    if (!this.log) return Promise.reject(new Error('the store is closed'));
    const keyBytes = Buffer.from(key);
    const record = encodeRecord({
      kind: RecordKind.Version,
      bucket: Buffer.from(bucket.name),
      key: keyBytes,
      versionId: Buffer.from(version.versionId),
      fields: Buffer.from(JSON.stringify(storedFields(version))),
      body: version.body,
    });
    const offset = this.log.append(record);
    this.applyPut(this.stateOf(bucket), keyBytes, hashBytes(keyBytes), offset);
    return this.log.commit();
  }

  /** Removes one version (or the key, in unversioned buckets); resolves once durable. */
  async remove(bucket: Bucket, key: string, versionId: string): Promise<ObjectVersion | undefined> {
    if (this.discard) return undefined;
    if (!this.log) throw new Error('the store is closed');
    const keyBytes = Buffer.from(key);
    const removedAt = this.applyDelete(this.stateOf(bucket), keyBytes, hashBytes(keyBytes), versionId);
    if (removedAt === undefined) return undefined;
    const removed = this.versionAt(removedAt);
    const record = encodeRecord({
      kind: RecordKind.Delete,
      bucket: Buffer.from(bucket.name),
      key: keyBytes,
      versionId: Buffer.from(versionId),
      fields: EMPTY_BODY,
      body: EMPTY_BODY,
    });
    this.log.append(record);
    this.deadBytes += record.length;
    await this.log.commit();
    return removed;
  }

  async close(): Promise<void> {
    const log = this.log;
    this.log = undefined;
    await log?.close();
    this.release?.();
    this.release = undefined;
  }

  // ---- index maintenance (shared by live writes and the replay at open) ----

  private addBucket(bucket: Bucket): BucketState {
    const state = { bucket, index: new KeyIndex() };
    this.buckets.set(bucket.name, state);
    return state;
  }

  private stateOf(bucket: Bucket): BucketState {
    const state = this.buckets.get(bucket.name);
    if (!state) throw new Error(`unknown bucket ${bucket.name}`);
    return state;
  }

  /** Whether the version(s) an index value points at belong to `key`. */
  private isKey(key: Buffer): (value: number) => boolean {
    return (value) => {
      const offset = value > 0 ? value : this.lists[-value - 1]![0]!;
      const { header, buf } = this.log!.readHead(offset);
      const start = keyStart(header);
      return header.keyBytes === key.length && buf.compare(key, 0, key.length, start, start + key.length) === 0;
    };
  }

  private offsetsOf(bucket: Bucket, key: Buffer): number[] | undefined {
    const state = this.buckets.get(bucket.name);
    if (!state || !this.log) return undefined;
    const slot = state.index.find(hashBytes(key), this.isKey(key));
    if (slot < 0) return undefined;
    const value = state.index.valueAt(slot);
    return value > 0 ? [value] : this.lists[-value - 1]!;
  }

  private applyPut(state: BucketState, key: Buffer, hash: number, offset: number): void {
    const { index } = state;
    const slot = index.find(hash, this.isKey(key));
    if (slot < 0) return index.insert(hash, offset, slot);
    const value = index.valueAt(slot);
    if (!state.bucket.versioned) {
      for (const old of value > 0 ? [value] : this.freeList(value)) this.deadBytes += this.log!.readHead(old).header.length;
      return index.setAt(slot, offset);
    }
    if (value < 0) {
      this.lists[-value - 1]!.push(offset);
      return;
    }
    const free = this.freeLists.pop();
    const listIndex = free ?? this.lists.length;
    this.lists[listIndex] = [value, offset];
    index.setAt(slot, -(listIndex + 1));
  }

  /** Unlinks one version from the index; returns its offset. */
  private applyDelete(state: BucketState, key: Buffer, hash: number, versionId: string): number | undefined {
    const { index } = state;
    const slot = index.find(hash, this.isKey(key));
    if (slot < 0) return undefined;
    const value = index.valueAt(slot);
    const offsets = value > 0 ? [value] : this.lists[-value - 1]!;
    const at = offsets.findIndex((o) => this.versionIdAt(o) === versionId);
    if (at < 0) return undefined;
    const removed = offsets[at]!;
    if (value > 0) index.deleteAt(slot);
    else {
      offsets.splice(at, 1);
      if (offsets.length === 1) index.setAt(slot, this.freeList(value)[0]!);
    }
    this.deadBytes += this.log!.readHead(removed).header.length;
    return removed;
  }

  private freeList(value: number): number[] {
    const listIndex = -value - 1;
    const list = this.lists[listIndex]!;
    this.lists[listIndex] = undefined;
    this.freeLists.push(listIndex);
    return list;
  }

  // ---- reading records back ----

  private versionIdAt(offset: number): string {
    const { header, buf } = this.log!.readHead(offset);
    const start = versionIdStart(header);
    return buf.toString('utf8', start, start + header.versionIdBytes);
  }

  private versionAt(offset: number): ObjectVersion {
    const log = this.log!;
    const { header, buf } = log.readHead(offset);
    const idStart = versionIdStart(header);
    const fieldStart = fieldsStart(header);
    const fields = JSON.parse(buf.toString('utf8', fieldStart, fieldStart + header.fieldsBytes)) as StoredFields;
    const version = {
      versionId: buf.toString('utf8', idStart, idStart + header.versionIdBytes),
      ...FIELD_DEFAULTS,
      etag: '',
      lastModified: 0,
      meta: {},
      httpHeaders: {},
      ...fields,
    } as Omit<ObjectVersion, 'body'> as ObjectVersion;
    if (header.bodyBytes === 0) version.body = EMPTY_BODY;
    else {
      // Bodies can be large and most reads (existence checks, GetSymlink) never look at them.
      const at = offset + bodyStart(header);
      const length = header.bodyBytes;
      let body: Buffer | undefined;
      Object.defineProperty(version, 'body', { enumerable: true, get: () => (body ??= log.read(at, length)) });
    }
    return version;
  }

  // ---- opening ----

  private openTemporary(): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oss-symlink-store-'));
    const file = path.join(dir, LOG_FILE);
    this.log = RecordLog.open(file, false);
    // Unlinked while open, the file goes away with the process however it ends (POSIX); where an
    // open file cannot be removed (Windows) it is removed on close instead.
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    try {
      remove();
    } catch {
      this.release = remove;
    }
  }

  private async openDurable(dataDir: string): Promise<void> {
    fs.mkdirSync(dataDir, { recursive: true });
    this.release = lockDirectory(dataDir);
    try {
      const file = path.join(dataDir, LOG_FILE);
      // The old journal is renamed once imported: if it is still there, an import was cut short.
      const importing = fs.existsSync(path.join(dataDir, LEGACY_JOURNAL));
      if (importing) fs.rmSync(file, { force: true });
      const fresh = !fs.existsSync(file);
      this.log = RecordLog.open(file, true);
      if (fresh) fsyncDirectory(dataDir);
      if (importing) await this.importLegacyJournal(dataDir);
      this.replayLog();
      if (this.deadBytes > COMPACT_MIN_DEAD_BYTES && this.deadBytes * 2 > this.log.size) {
        await this.compact(file);
        this.compacted = true;
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Rebuilds buckets and index from the log, cutting a torn tail. */
  private replayLog(): void {
    const log = this.log!;
    // Runs of records in one bucket are the rule: its name is decoded only when it changes.
    let lastName = '';
    let lastNameBytes = EMPTY_BODY;
    this.tornTailBytes += log.scan((offset, header, record) => {
      const nameEnd = HEADER_BYTES + header.bucketBytes;
      if (lastNameBytes.length !== header.bucketBytes || record.compare(lastNameBytes, 0, lastNameBytes.length, HEADER_BYTES, nameEnd) !== 0) {
        lastNameBytes = Buffer.from(record.subarray(HEADER_BYTES, nameEnd));
        lastName = lastNameBytes.toString('utf8');
      }
      const bucketName = lastName;
      if (header.kind === RecordKind.Bucket) return this.replayBucket(bucketName, header, record);
      const state = this.buckets.get(bucketName);
      const key = record.subarray(keyStart(header), keyStart(header) + header.keyBytes);
      if (!state) {
        this.deadBytes += header.length;
        return;
      }
      if (header.kind === RecordKind.Version) return this.applyPut(state, key, hashBytes(key), offset);
      const idStart = versionIdStart(header);
      this.applyDelete(state, key, hashBytes(key), record.toString('utf8', idStart, idStart + header.versionIdBytes));
      this.deadBytes += header.length;
    });
  }

  private replayBucket(name: string, header: RecordHeader, record: Buffer): void {
    const start = fieldsStart(header);
    const { versioned, created } = JSON.parse(record.toString('utf8', start, start + header.fieldsBytes)) as Omit<Bucket, 'name'>;
    const existing = this.buckets.get(name);
    if (existing) {
      existing.bucket.versioned ||= versioned;
      this.deadBytes += header.length;
    } else this.addBucket({ name, versioned, created });
  }

  /** Rewrites the log with only its live records (in their order), then reopens it. */
  private async compact(file: string): Promise<void> {
    const log = this.log!;
    const live: number[] = [];
    for (const { index } of this.buckets.values()) {
      index.forEachValue((value) => {
        if (value > 0) live.push(value);
        else live.push(...this.lists[-value - 1]!);
      });
    }
    const offsets = Float64Array.from(live).sort();
    live.length = 0;
    const tmp = `${file}.compacting`;
    const out = fs.openSync(tmp, 'w');
    try {
      const writer = new BufferedWriter(out);
      writer.write(MAGIC);
      for (const { bucket } of this.buckets.values()) writer.write(bucketRecord(bucket));
      for (const offset of offsets) writer.write(log.read(offset, log.readHead(offset).header.length));
      writer.flush();
      fs.fdatasyncSync(out);
    } finally {
      fs.closeSync(out);
    }
    fs.renameSync(tmp, file);
    fsyncDirectory(path.dirname(file));
    await log.close();
    this.buckets.clear();
    this.lists = [];
    this.freeLists = [];
    this.deadBytes = 0;
    this.log = RecordLog.open(file, true);
    this.replayLog();
  }

  /** Converts the first server's `journal.jsonl` + `blobs/` into log records (read as a stream). */
  private async importLegacyJournal(dataDir: string): Promise<void> {
    const { createInterface } = await import('node:readline');
    const lines = createInterface({ input: fs.createReadStream(path.join(dataDir, LEGACY_JOURNAL)), crlfDelay: Infinity });
    type Legacy =
      | { t: 'bucket'; name: string; versioned: boolean; created: number }
      | { t: 'put'; bucket: string; key: string; v: Omit<ObjectVersion, 'body'> & { blob?: string } }
      | { t: 'del'; bucket: string; key: string; versionId: string };
    const log = this.log!;
    for await (const line of lines) {
      let record: Legacy;
      try {
        record = JSON.parse(line) as Legacy;
      } catch {
        break; // a torn last line: never acknowledged
      }
      if (record.t === 'bucket') {
        log.append(bucketRecord(record));
        continue;
      }
      const common = { bucket: Buffer.from(record.bucket), key: Buffer.from(record.key) };
      if (record.t === 'del') {
        log.append(encodeRecord({ kind: RecordKind.Delete, ...common, versionId: Buffer.from(record.versionId), fields: EMPTY_BODY, body: EMPTY_BODY }));
        continue;
      }
      const { blob, ...version } = record.v;
      let body = EMPTY_BODY;
      try {
        if (blob) body = fs.readFileSync(path.join(dataDir, 'blobs', blob));
      } catch {
        continue; // the old server removed a body only once a later line had replaced its version
      }
      const fields = Buffer.from(JSON.stringify(storedFields({ ...version, body })));
      log.append(encodeRecord({ kind: RecordKind.Version, ...common, versionId: Buffer.from(version.versionId), fields, body }));
    }
    await log.commit();
    fs.renameSync(path.join(dataDir, LEGACY_JOURNAL), path.join(dataDir, `${LEGACY_JOURNAL}.imported`));
    fsyncDirectory(dataDir);
  }
}

function bucketRecord(bucket: Bucket): Buffer {
  return encodeRecord({
    kind: RecordKind.Bucket,
    bucket: Buffer.from(bucket.name),
    key: EMPTY_BODY,
    versionId: EMPTY_BODY,
    fields: Buffer.from(JSON.stringify({ versioned: bucket.versioned, created: bucket.created })),
    body: EMPTY_BODY,
  });
}

function fsyncDirectory(dir: string): void {
  if (process.platform === 'win32') return; // directories cannot be opened there; NTFS journals renames
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Takes `store.lock` in the directory (holding this process id); returns its release. */
function lockDirectory(dataDir: string): () => void {
  const lock = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lock, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new Error(`${dataDir} is in use by process ${holder} (remove ${lock} if that process is not a server)`);
      }
      fs.rmSync(lock, { force: true }); // left by a process that died (kill -9)
    }
  }
  throw new Error(`${dataDir}: could not take ${LOCK_FILE}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sequential writes in 1 MiB blocks. */
class BufferedWriter {
  private readonly buffer = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;

  constructor(private readonly fd: number) {}

  write(data: Buffer): void {
    if (this.used + data.length > this.buffer.length) this.flush();
    if (data.length > this.buffer.length) {
      writeAll(this.fd, data);
      return;
    }
    this.used += data.copy(this.buffer, this.used);
  }

  flush(): void {
    writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

function writeAll(fd: number, data: Buffer): void {
  for (let written = 0; written < data.length; ) written += fs.writeSync(fd, data, written, data.length - written);
}
