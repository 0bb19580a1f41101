/**
 * One phase of the server-scale scenario, in its own process (run with --expose-gc), printing one
 * JSON line:
 *
 *   node --expose-gc dist/bench/store-scale-child.js fill DIR N    stores links 0..N-1 in DIR
 *   node --expose-gc dist/bench/store-scale-child.js reopen DIR N  opens DIR and reads every link back
 *
 * `fill` writes through the server's Store (the code every PutSymlink ends in) with the record a
 * PutSymlink of the bulk command makes: a ~40-byte key and target, ETag, Last-Modified and a
 * write-id in user metadata, acknowledged in group commits. `reopen` measures what a restarted
 * `serve --data` pays: time to open and the memory the store holds per link, then checks that
 * every link is there with its target. Up to 2M links it also measures the peer: a JS Map from
 * the same keys to a number, the obvious in-memory index.
 */
import { Store, type ObjectVersion } from '../server/store.js';

const [phase, dir, countArg] = process.argv.slice(2);
const count = Number(countArg);
if ((phase !== 'fill' && phase !== 'reopen') || !dir || !Number.isInteger(count) || count < 1) {
  console.error('usage: store-scale-child.js fill|reopen DIR N');
  process.exit(2);
}

const BUCKET = 'scale';
const BATCH = 8192;
/** The Map peer is measured up to this size (it costs ~100 B a link and stops at 2^24 keys). */
const MAP_PEER_MAX = 2_000_000;
const key = (i: number) => `links/${String(i).padStart(9, '0')}/photo-${i}.jpg`;
const target = (i: number) => `photos/2026/${String(i).padStart(9, '0')}/原图 ${i}.jpg`;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
function settledMemory(): { rss: number; held: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  // Heap plus Buffers/typed arrays (arrayBuffers is part of external).
  return { rss: m.rss, held: m.heapUsed + m.external };
}

function linkVersion(i: number, now: number): ObjectVersion {
  return {
    versionId: 'null',
    deleteMarker: false,
    symlinkTarget: target(i),
    body: Buffer.alloc(0),
    contentType: 'application/octet-stream',
    etag: (i.toString(16).padStart(8, '0') + 'A'.repeat(24)).toUpperCase(),
    crc64: '0',
    lastModified: now,
    acl: 'default',
    storageClass: 'Standard',
    meta: { 'oss-symlink-write-id': i.toString(16).padStart(32, '0') },
    tagging: '',
    httpHeaders: {},
  };
}

async function fill(): Promise<Record<string, number>> {
  const started = performance.now();
  const store = await Store.open(dir);
  const bucket = await store.ensureBucket(BUCKET, false, Date.now());
  for (let from = 0; from < count; from += BATCH) {
    const now = Date.now();
    const commits: Promise<void>[] = [];
    for (let i = from; i < Math.min(count, from + BATCH); i++) commits.push(store.put(bucket, key(i), linkVersion(i, now)));
    await Promise.all(commits);
  }
  const stats = store.stats();
  await store.close();
  const ms = performance.now() - started;
  return { fill_ms: Math.round(ms), fill_per_s: Math.round(count / (ms / 1000)), log_bytes: stats.logBytes };
}

async function reopen(): Promise<Record<string, number>> {
  const before = settledMemory();
  const started = performance.now();
  const store = await Store.open(dir);
  const openMs = performance.now() - started;
  const after = settledMemory();
  const bucket = store.getBucket(BUCKET);
  if (!bucket) throw new Error(`no bucket ${BUCKET} in ${dir}`);
  const checkStarted = performance.now();
  let missing = 0;
  for (let i = 0; i < count; i++) {
    if (store.current(bucket, key(i))?.symlinkTarget !== target(i)) missing++;
  }
  const checkMs = performance.now() - checkStarted;
  const stats = store.stats();
  await store.close();
  return {
    stored: stats.keys,
    open_ms: Math.round(openMs),
    rss_bytes_per_link: Number(((after.rss - before.rss) / count).toFixed(1)),
    held_bytes_per_link: Number(((after.held - before.held) / count).toFixed(1)),
    index_bytes: stats.indexBytes,
    rss_mb: Math.round(after.rss / 1048576),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    log_bytes: stats.logBytes,
    check_ms: Math.round(checkMs),
    missing,
    ...(count <= MAP_PEER_MAX ? { map_bytes_per_link: mapBytesPerLink() } : {}),
  };
}

/** The peer: what a JS Map from each key to a number (an offset) holds per link, keys included. */
function mapBytesPerLink(): number {
  const before = settledMemory();
  const map = new Map<string, number>();
  for (let i = 0; i < count; i++) map.set(key(i), i * 300);
  const after = settledMemory();
  if (map.size !== count) throw new Error('map lost keys');
  return Number(((after.held - before.held) / count).toFixed(1));
}

console.log(JSON.stringify(phase === 'fill' ? await fill() : await reopen()));
