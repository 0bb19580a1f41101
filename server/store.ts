// Buckets, object versions and symlinks; in memory, optionally made durable in a directory.
//
// Durability design: an append-only journal of JSON lines (`journal.jsonl`) plus one file per object
// body under `blobs/`. A write is applied in memory at once (so checks and writes stay atomic in the
// single-threaded event loop) and its promise resolves only after the body file and the journal line
// are fsynced; handlers answer after that, so an acknowledged write survives kill -9. Journal
// appends are grouped: one write + fsync serves every request queued meanwhile.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

export type Acl = 'default' | 'private' | 'public-read' | 'public-read-write';

export interface ObjectVersion {
  /** `null` in buckets without versioning, as OSS reports it. */
  versionId: string;
  deleteMarker: boolean;
  /** Decoded target key when the version is a symlink. */
  symlinkTarget?: string | undefined;
  body: Buffer;
  /** File name under blobs/ holding the body, when persisted and non-empty. */
  blob?: string | undefined;
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
  /** Versions per key, oldest first; unversioned buckets keep at most one. */
  objects: Map<string, ObjectVersion[]>;
}

type PersistedVersion = Omit<ObjectVersion, 'body'>;
type JournalRecord =
  | { t: 'bucket'; name: string; versioned: boolean; created: number }
  | { t: 'put'; bucket: string; key: string; v: PersistedVersion }
  | { t: 'del'; bucket: string; key: string; versionId: string };

export function newVersionId(): string {
  // OSS version ids are opaque base64-like strings starting with CAEQ.
  return 'CAEQ' + randomBytes(24).toString('base64url');
}

interface QueuedLine {
  line: string;
  blobWritten: Promise<void>;
  hasBlob: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

class Journal {
  private queue: QueuedLine[] = [];
  private flushing = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly blobDir: string,
  ) {}

  /** Appends a record once `blobWritten` settles; resolves when the line is on disk. */
  append(record: JournalRecord, blobWritten: Promise<void> = Promise.resolve(), hasBlob = false): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ line: JSON.stringify(record) + '\n', blobWritten, hasBlob, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await Promise.all(batch.map((entry) => entry.blobWritten));
        if (batch.some((entry) => entry.hasBlob)) await fsyncPath(this.blobDir);
        await this.handle.write(batch.map((entry) => entry.line).join(''));
        await this.handle.datasync();
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = false;
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.handle.close();
  }
}

async function fsyncPath(target: string): Promise<void> {
  const handle = await fs.open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeFileDurably(file: string, data: Buffer | string): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class Store {
  private readonly buckets = new Map<string, Bucket>();
  private journal: Journal | undefined;
  private blobDir = '';

  private constructor() {}

  /** Opens an in-memory store, or replays and compacts the one kept in `dataDir`. */
  static async open(dataDir?: string): Promise<Store> {
    const store = new Store();
    if (dataDir) await store.load(dataDir);
    return store;
  }

  getBucket(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()];
  }

  /** Creates the bucket if missing and turns versioning on when asked (it is never turned off). */
  async ensureBucket(name: string, versioned: boolean, now: number): Promise<Bucket> {
    let bucket = this.buckets.get(name);
    if (bucket && (bucket.versioned || !versioned)) return bucket;
    if (bucket) bucket.versioned = true;
    else {
      bucket = { name, versioned, created: now, objects: new Map() };
      this.buckets.set(name, bucket);
    }
    await this.journal?.append({ t: 'bucket', name, versioned: bucket.versioned, created: bucket.created });
    return bucket;
  }

  /** The newest version of a key (possibly a delete marker). */
  current(bucket: Bucket, key: string): ObjectVersion | undefined {
    const versions = bucket.objects.get(key);
    return versions?.[versions.length - 1];
  }

  version(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined {
    return bucket.objects.get(key)?.find((v) => v.versionId === versionId);
  }

  /** Adds a version (replacing the key in unversioned buckets); resolves once durable. */
  put(bucket: Bucket, key: string, version: ObjectVersion): Promise<void> {
    const replaced = this.applyPut(bucket, key, version);
    if (!this.journal) return Promise.resolve();
    let blobWritten = Promise.resolve();
    if (version.body.length > 0) {
      version.blob = randomBytes(16).toString('hex');
      blobWritten = writeFileDurably(path.join(this.blobDir, version.blob), version.body);
    }
    const { body: _body, ...persisted } = version;
    const committed = this.journal.append({ t: 'put', bucket: bucket.name, key, v: persisted }, blobWritten, version.blob !== undefined);
    return committed.then(() => this.removeBlobs(replaced));
  }

  /** Removes one version (or the key, in unversioned buckets); resolves once durable. */
  remove(bucket: Bucket, key: string, versionId: string): Promise<ObjectVersion | undefined> {
    const removed = this.applyDelete(bucket, key, versionId);
    if (!removed || !this.journal) return Promise.resolve(removed);
    return this.journal
      .append({ t: 'del', bucket: bucket.name, key, versionId })
      .then(() => this.removeBlobs([removed]))
      .then(() => removed);
  }

  async close(): Promise<void> {
    await this.journal?.close();
    this.journal = undefined;
  }

  private applyPut(bucket: Bucket, key: string, version: ObjectVersion): ObjectVersion[] {
    if (!bucket.versioned) {
      const replaced = bucket.objects.get(key) ?? [];
      bucket.objects.set(key, [version]);
      return replaced;
    }
    const versions = bucket.objects.get(key);
    if (versions) versions.push(version);
    else bucket.objects.set(key, [version]);
    return [];
  }

  private applyDelete(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined {
    const versions = bucket.objects.get(key);
    const index = versions?.findIndex((v) => v.versionId === versionId) ?? -1;
    if (!versions || index < 0) return undefined;
    const [removed] = versions.splice(index, 1);
    if (versions.length === 0) bucket.objects.delete(key);
    return removed;
  }

  private async removeBlobs(versions: ObjectVersion[]): Promise<void> {
    // Best effort: a leftover file is only garbage, collected at the next start.
    await Promise.all(
      versions.filter((v) => v.blob).map((v) => fs.unlink(path.join(this.blobDir, v.blob!)).catch(() => undefined)),
    );
  }

  private async load(dataDir: string): Promise<void> {
    this.blobDir = path.join(dataDir, 'blobs');
    await fs.mkdir(this.blobDir, { recursive: true });
    const journalPath = path.join(dataDir, 'journal.jsonl');
    let text = '';
    try {
      text = await fs.readFile(journalPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const records: JournalRecord[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        records.push(JSON.parse(line) as JournalRecord);
      } catch {
        break; // A torn last line from a crash mid-append: it was never acknowledged.
      }
    }
    for (const record of records) this.replay(record);
    // Bodies are read only for live versions: blobs of replaced ones may already be gone.
    for (const bucket of this.buckets.values()) {
      for (const [key, versions] of bucket.objects) {
        for (const version of versions) {
          if (!version.blob) continue;
          try {
            version.body = await fs.readFile(path.join(this.blobDir, version.blob));
          } catch (error) {
            throw new Error(`${dataDir}: the body of ${bucket.name}/${key} (blobs/${version.blob}) is missing: ${String(error)}`);
          }
        }
      }
    }

    // Compact: rewrite the journal as the live state, atomically, then drop unreferenced blobs.
    const live: string[] = [];
    const referenced = new Set<string>();
    for (const bucket of this.buckets.values()) {
      live.push(JSON.stringify({ t: 'bucket', name: bucket.name, versioned: bucket.versioned, created: bucket.created }));
      for (const [key, versions] of bucket.objects) {
        for (const version of versions) {
          const { body: _body, ...persisted } = version;
          if (version.blob) referenced.add(version.blob);
          live.push(JSON.stringify({ t: 'put', bucket: bucket.name, key, v: persisted }));
        }
      }
    }
    const tmp = journalPath + '.tmp';
    await writeFileDurably(tmp, live.map((line) => line + '\n').join(''));
    await fs.rename(tmp, journalPath);
    await fsyncPath(dataDir);
    for (const name of await fs.readdir(this.blobDir)) {
      if (!referenced.has(name)) await fs.unlink(path.join(this.blobDir, name)).catch(() => undefined);
    }
    this.journal = new Journal(await fs.open(journalPath, 'a'), this.blobDir);
  }

  private replay(record: JournalRecord): void {
    if (record.t === 'bucket') {
      const existing = this.buckets.get(record.name);
      if (existing) existing.versioned = existing.versioned || record.versioned;
      else this.buckets.set(record.name, { name: record.name, versioned: record.versioned, created: record.created, objects: new Map() });
      return;
    }
    const bucket = this.buckets.get(record.bucket);
    if (!bucket) return;
    if (record.t === 'del') {
      this.applyDelete(bucket, record.key, record.versionId);
      return;
    }
    this.applyPut(bucket, record.key, { ...record.v, body: Buffer.alloc(0) });
  }
}
