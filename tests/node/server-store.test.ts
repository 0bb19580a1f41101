// The local server's storage engine (server/store.ts): the compact key index, the record log's
// recovery (torn tails, compaction, the first server's journal), durability of acknowledged
// writes under kill -9 mid-stream, memory per stored link, and `serve --discard`.
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEV_CREDENTIALS, startServer } from '../../server/index.js';
import { parseServeArgs } from '../../server/serve-command.js';
import { KeyIndex } from '../../server/store-index.js';
import { Store, type Bucket, type ObjectVersion } from '../../server/store.js';
import { OssClient, OssError } from '../../ts/node.js';
import { rng } from './helpers/rng.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const serverMain = path.resolve(here, '../../server/main.js');
const scaleChild = path.resolve(here, '../../bench/store-scale-child.js');

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oss-store-test-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function version(fields: Partial<ObjectVersion> = {}): ObjectVersion {
  return {
    versionId: 'null', deleteMarker: false, body: Buffer.alloc(0), contentType: 'application/octet-stream', etag: 'E', crc64: '0',
    lastModified: 1_700_000_000_000, acl: 'default', storageClass: 'Standard', meta: {}, tagging: '', httpHeaders: {}, ...fields,
  };
}

test('KeyIndex agrees with a Map under heavy hash collisions, inserts and deletes', () => {
  const random = rng(14);
  const index = new KeyIndex(4);
  const model = new Map<string, number>();
  // Values point into `keys`, as offsets point into the log; 16 distinct hashes force long runs.
  const keys: string[] = [''];
  const hashOf = (key: string) => (key.length * 2654435761) % 16 >>> 0;
  const slotOf = (key: string) => index.find(hashOf(key), (value) => keys[value] === key);
  for (let step = 0; step < 20_000; step++) {
    const key = `k${Math.floor(random() * 600)}`;
    const slot = slotOf(key);
    assert.equal(slot >= 0, model.has(key), `presence of ${key} at step ${step}`);
    if (slot >= 0) assert.equal(keys[index.valueAt(slot)], key);
    if (random() < 0.45 && slot >= 0) {
      index.deleteAt(slot);
      model.delete(key);
    } else if (slot < 0) {
      keys.push(key);
      // Half the inserts reuse the free slot find() reported, as the store does.
      index.insert(hashOf(key), keys.length - 1, random() < 0.5 ? slot : undefined);
      model.set(key, keys.length - 1);
    }
    assert.equal(index.size, model.size);
  }
  for (const key of model.keys()) assert.ok(slotOf(key) >= 0, `${key} still found`);
});

test('a torn tail is cut at open, and writes made after it survive the next restart', async () => {
  const dir = tempDir();
  let store = await Store.open(dir);
  let bucket = await store.ensureBucket('b', false, 1);
  await store.put(bucket, 'before', version({ symlinkTarget: 't-before' }));
  await store.close();
  const log = path.join(dir, 'store.log');
  const intact = statSync(log).size;
  // A record header claiming 500 bytes with only 40 written, as a crash mid-write leaves.
  const torn = Buffer.alloc(40, 9);
  torn.writeUInt32LE(500, 0);
  appendFileSync(log, torn);

  store = await Store.open(dir);
  assert.equal(store.stats().tornTailBytes, 40);
  assert.equal(statSync(log).size, intact, 'the torn bytes are gone before anything is appended');
  bucket = store.getBucket('b')!;
  await store.put(bucket, 'after', version({ symlinkTarget: 't-after' }));
  await store.close();
  // A write after close is refused, never acknowledged and lost.
  await assert.rejects(store.put(bucket, 'late', version()), /closed/);

  store = await Store.open(dir);
  bucket = store.getBucket('b')!;
  assert.equal(store.stats().tornTailBytes, 0);
  assert.equal(store.current(bucket, 'before')?.symlinkTarget, 't-before');
  assert.equal(store.current(bucket, 'after')?.symlinkTarget, 't-after');
  await store.close();
});

test('open compacts a log that is mostly dead records, keeping versions, markers and bodies', async () => {
  const dir = tempDir();
  let store = await Store.open(dir);
  const plain = await store.ensureBucket('plain', false, 1);
  const vers = await store.ensureBucket('vers', true, 1);
  const big = (n: number) => Buffer.alloc(512 * 1024, n);
  for (let n = 0; n < 6; n++) await store.put(plain, 'big', version({ body: big(n), etag: `E${n}` }));
  await store.put(vers, 'v', version({ versionId: 'v1', body: Buffer.from('one') }));
  await store.put(vers, 'v', version({ versionId: 'v2', body: Buffer.from('two') }));
  await store.put(vers, 'v', version({ versionId: 'm3', deleteMarker: true }));
  await store.put(plain, 'gone', version({ body: Buffer.from('x') }));
  assert.ok(await store.remove(plain, 'gone', 'null'));
  await store.close();
  const before = statSync(path.join(dir, 'store.log')).size;

  store = await Store.open(dir);
  assert.equal(store.stats().compacted, true);
  const after = statSync(path.join(dir, 'store.log')).size;
  assert.ok(after < before / 4, `log ${before} → ${after} bytes`);
  const check = (s: Store, p: Bucket, v: Bucket) => {
    const current = s.current(p, 'big')!;
    assert.equal(current.etag, 'E5');
    assert.ok(current.body.equals(big(5)));
    assert.equal(s.current(p, 'gone'), undefined);
    assert.equal(s.current(v, 'v')?.deleteMarker, true);
    assert.equal(s.version(v, 'v', 'v1')?.body.toString(), 'one');
    assert.equal(s.version(v, 'v', 'v2')?.body.toString(), 'two');
    assert.equal(v.versioned, true);
  };
  check(store, store.getBucket('plain')!, store.getBucket('vers')!);
  await store.close();
  store = await Store.open(dir);
  assert.equal(store.stats().compacted, false, 'nothing left to compact');
  check(store, store.getBucket('plain')!, store.getBucket('vers')!);
  await store.close();
});

test('removing versions from the middle and the end of a key\'s history replays the same after a restart', async () => {
  const dir = tempDir();
  let store = await Store.open(dir);
  let vers = await store.ensureBucket('vers', true, 1);
  for (const id of ['v1', 'v2', 'v3']) await store.put(vers, 'k', version({ versionId: id, body: Buffer.from(id) }));
  assert.equal((await store.remove(vers, 'k', 'v2'))?.body.toString(), 'v2');
  assert.equal(await store.remove(vers, 'k', 'v2'), undefined, 'already gone');
  const check = async (expectCurrent: string, gone: string[]) => {
    assert.equal(store.current(vers, 'k')?.versionId, expectCurrent);
    for (const id of gone) assert.equal(store.version(vers, 'k', id), undefined, id);
    assert.equal(store.version(vers, 'k', 'v1')?.body.toString(), 'v1');
  };
  await check('v3', ['v2']);
  await store.close();
  store = await Store.open(dir);
  vers = store.getBucket('vers')!;
  await check('v3', ['v2']);
  await store.remove(vers, 'k', 'v3');
  await check('v1', ['v2', 'v3']);
  await store.close();
  store = await Store.open(dir);
  vers = store.getBucket('vers')!;
  await check('v1', ['v2', 'v3']);
  await store.remove(vers, 'k', 'v1');
  assert.equal(store.hasKey(vers, 'k'), false);
  await store.close();
});

test('a data directory of the first server (journal.jsonl + blobs/) is imported on first open', async () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'blobs'));
  writeFileSync(path.join(dir, 'blobs', 'b1'), 'old body');
  const v = (extra: object) => ({ versionId: 'null', deleteMarker: false, contentType: 'text/plain', etag: 'E', crc64: '0', lastModified: 5, acl: 'default', storageClass: 'Standard', meta: { a: 'b' }, tagging: '', httpHeaders: {}, ...extra });
  const lines = [
    { t: 'bucket', name: 'old', versioned: false, created: 3 },
    { t: 'put', bucket: 'old', key: 'obj', v: v({ blob: 'b1' }) },
    { t: 'put', bucket: 'old', key: 'link', v: v({ symlinkTarget: 'obj' }) },
    { t: 'put', bucket: 'old', key: 'del', v: v({}) },
    { t: 'del', bucket: 'old', key: 'del', versionId: 'null' },
  ];
  writeFileSync(path.join(dir, 'journal.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join('') + '{"t":"put","bu');
  // An import cut short by a crash left a log behind; the journal, still there, is imported again.
  const cut = await Store.open(path.join(dir, 'elsewhere'));
  await cut.put(await cut.ensureBucket('old', false, 1), 'stale', version());
  await cut.close();
  renameSync(path.join(dir, 'elsewhere', 'store.log'), path.join(dir, 'store.log'));
  const store = await Store.open(dir);
  const bucket = store.getBucket('old')!;
  assert.equal(store.current(bucket, 'obj')?.body.toString(), 'old body');
  assert.deepEqual(store.current(bucket, 'obj')?.meta, { a: 'b' });
  assert.equal(store.current(bucket, 'link')?.symlinkTarget, 'obj');
  assert.equal(store.current(bucket, 'del'), undefined);
  assert.equal(store.current(bucket, 'stale'), undefined);
  await store.close();
  assert.ok(readdirSync(dir).includes('journal.jsonl.imported'));
});

test('a data directory open in one server is refused by a second', async () => {
  const dir = tempDir();
  const first = await Store.open(dir);
  await assert.rejects(Store.open(dir), /in use by process/);
  await first.close();
  (await Store.open(dir)).close();
});

test('kill -9 mid-stream: every acknowledged PutSymlink is there after reopening', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const child = spawn(process.execPath, [serverMain, '--port', '0', '--data', dir, '--bucket', 'plain', '--versioned', 'history'], {
    env: { ...process.env, OSS_ACCESS_KEY_ID: DEV_CREDENTIALS.accessKeyId, OSS_ACCESS_KEY_SECRET: DEV_CREDENTIALS.accessKeySecret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`serve exited early: ${out}`)));
    });
    const clientAt = (endpoint: string) => (bucket: string) =>
      new OssClient({ region: 'cn-hangzhou', bucket, endpoint, credentials: DEV_CREDENTIALS, retry: { maxAttempts: 1 } });
    let client = clientAt(url);
    const acknowledged: Array<{ bucket: string; key: string; target: string; versionId?: string | undefined }> = [];
    let attempted = 0;
    let stop = false;
    // 24 writers in two buckets; the server is killed while they are in full flight.
    const writer = async (w: number) => {
      const bucket = w % 3 === 0 ? 'history' : 'plain';
      const c = client(bucket);
      for (let i = 0; !stop; i++) {
        const key = `w${w}/link-${i % 50}`; // overwrites and versions too, not only new keys
        const target = `targets/${w}/${i}`;
        attempted++;
        try {
          const r = await c.putSymlink(key, target);
          acknowledged.push({ bucket, key, target, versionId: r.versionId });
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: 24 }, (_, w) => writer(w));
    while (acknowledged.length < 400) await new Promise((resolve) => setTimeout(resolve, 5));
    // Counted when the signal is sent: answers already on their way may still arrive after it.
    const inFlightAtKill = attempted - acknowledged.length;
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await exited;
    assert.ok(inFlightAtKill > 0, 'requests were in flight at the kill');

    const restarted = await startServer({ dataDir: dir });
    client = clientAt(restarted.url);
    try {
      // The newest acknowledged write of each key is current; in the versioned bucket every
      // acknowledged version is kept.
      const newest = new Map<string, (typeof acknowledged)[number]>();
      for (const a of acknowledged) newest.set(`${a.bucket}/${a.key}`, a);
      for (const a of newest.values()) {
        const link = await client(a.bucket).getSymlink(a.key);
        // A write sent but unacknowledged at the kill may be newer; it can only be a later one.
        const [, w, n] = /^targets\/(\d+)\/(\d+)$/.exec(link.target) ?? [];
        assert.equal(`targets/${w}/`, a.target.replace(/\d+$/, ''), `${a.bucket}/${a.key}`);
        assert.ok(Number(n) >= Number(a.target.split('/')[2]), `${a.bucket}/${a.key}: ${link.target} is older than acknowledged ${a.target}`);
      }
      for (const a of acknowledged.filter((x) => x.bucket === 'history')) {
        assert.equal((await client('history').getSymlink(a.key, { versionId: a.versionId! })).target, a.target);
      }
    } finally {
      await restarted.close();
    }
  } finally {
    child.kill('SIGKILL');
  }
});

test('memory per stored link after a restart is small (50k links, measured in a child process)', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const run = promisify(execFile);
  const phase = async (name: string) => JSON.parse((await run(process.execPath, ['--expose-gc', scaleChild, name, dir, '50000'])).stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  await phase('fill');
  const reopened = await phase('reopen');
  assert.equal(reopened.missing, 0, 'every link reads back with its target');
  assert.equal(reopened.stored, 50_000);
  // The first server held each version as JS objects (~1.7 KB a link); the index is ~12-32 B.
  assert.ok(reopened.held_bytes_per_link! < 100, `heap + buffers per link: ${reopened.held_bytes_per_link} B`);
});

test('serve --discard checks signatures and answers writes without keeping them', async () => {
  const server = await startServer({ discard: true, buckets: ['plain'] });
  try {
    const client = new OssClient({ region: server.region, bucket: 'plain', endpoint: server.url, credentials: DEV_CREDENTIALS, retry: { maxAttempts: 1 } });
    const put = await client.putSymlink('a/link', 'a/target', { forbidOverwrite: true });
    assert.equal(put.status, 200);
    assert.match(put.etag, /^"[0-9A-F]{32}"$/);
    // Nothing is kept: the same forbid-overwrite write succeeds again, and reads find nothing.
    assert.equal((await client.putSymlink('a/link', 'a/target', { forbidOverwrite: true })).status, 200);
    await assert.rejects(client.getSymlink('a/link'), (e: unknown) => e instanceof OssError && e.code === 'NoSuchKey');
    const forged = new OssClient({ region: server.region, bucket: 'plain', endpoint: server.url, credentials: { ...DEV_CREDENTIALS, accessKeySecret: 'wrong' }, retry: { maxAttempts: 1 } });
    await assert.rejects(forged.putSymlink('a/link', 'a/target'), (e: unknown) => e instanceof OssError && e.code === 'SignatureDoesNotMatch');
  } finally {
    await server.close();
  }
  await assert.rejects(startServer({ discard: true, dataDir: tempDir() }), /cannot be used together/);
  assert.equal(parseServeArgs(['--discard']).options.discard, true);
  assert.throws(() => parseServeArgs(['--discard', '--data', 'dir']), /--discard and --data cannot be used together/);
});
