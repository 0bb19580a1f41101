// The streaming manifest reader (cli/manifest.ts) and shards (cli/shard.ts): line numbers and byte
// offsets for every kind of line end, gzip from a file or standard input, resuming at a row, and
// shards that split rows by key.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Manifest, isBad, readManifest, rowHash, type ManifestItem } from '../../cli/manifest.js';
import { parseShard, shardOf } from '../../cli/shard.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'oss-symlink-manifest-')); });
after(() => rm(dir, { recursive: true, force: true }));

async function all(rows: AsyncIterable<ManifestItem>): Promise<ManifestItem[]> {
  const out: ManifestItem[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

const brief = (r: ManifestItem) => (isBad(r) ? { line: r.line, code: r.code } : { line: r.line, key: r.key, target: r.target });
const stdinOf = (bytes: Uint8Array) => Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]);

describe('line numbers and offsets', () => {
  const csvLines = ['link,target', 'a,1', '"two', 'lines",2', '', 'bad"quote,3', 'd,4', '"é 😀",5'];
  const jsonLines = ['{"link":"a","target":"1"}', '', 'not json', '{"link":"d","target":"4"}', '{"link":"\\ud800 lone","target":"5"}'];

  for (const [ending, name] of [['\n', 'LF'], ['\r\n', 'CRLF'], ['\r', 'lone CR']] as const) {
    test(`CSV with ${name} line ends: each row on its own line, offsets point at its bytes`, async () => {
      const text = csvLines.join(ending) + ending;
      const bytes = Buffer.from(text);
      const path = join(dir, `lines-${name.replace(' ', '-')}.csv`);
      await writeFile(path, bytes);
      const rows = await all(readManifest(path));
      assert.deepEqual(rows.map(brief), [
        { line: 2, key: 'a', target: '1' },
        { line: 3, key: `two${ending}lines`, target: '2' },
        { line: 6, code: 'UnparsableRow' },
        { line: 7, key: 'd', target: '4' },
        { line: 8, key: 'é 😀', target: '5' },
      ]);
      for (const r of rows) assert.ok(bytes.subarray(r.offset).toString('utf8').startsWith(r.raw!), `row at line ${r.line}`);
    });

    test(`JSON Lines with ${name} line ends, a lone surrogate kept exactly`, async () => {
      const bytes = Buffer.from(jsonLines.join(ending));
      const rows = await all(readManifest('-', { stdin: stdinOf(bytes) }));
      assert.deepEqual(rows.map(brief), [
        { line: 1, key: 'a', target: '1' },
        { line: 3, code: 'UnparsableRow' },
        { line: 4, key: 'd', target: '4' },
        { line: 5, key: '\ud800 lone', target: '5' },
      ]);
      assert.equal(rows[3]!.raw, jsonLines[4]);
    });
  }
});

test('gzip manifests stream like plain ones: .csv.gz, .jsonl.gz, and gzip on standard input', async () => {
  const csv = 'link,target\n' + Array.from({ length: 5000 }, (_, i) => `k/${i},t/${i}`).join('\n') + '\n';
  const jsonl = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ link: `k/${i}`, target: `t/${i}` })).join('\n');
  await writeFile(join(dir, 'm.csv.gz'), gzipSync(csv));
  await writeFile(join(dir, 'm.jsonl.gz'), gzipSync(jsonl));
  const expected = Array.from({ length: 5000 }, (_, i) => ({ key: `k/${i}`, target: `t/${i}` }));
  const keys = (rows: ManifestItem[]) => rows.map((r) => ({ key: r.key, target: isBad(r) ? undefined : r.target }));
  assert.deepEqual(keys(await all(readManifest(join(dir, 'm.csv.gz')))), expected);
  assert.deepEqual(keys(await all(readManifest(join(dir, 'm.jsonl.gz')))), expected);
  // Standard input: gzip found by its magic bytes, the format by the first character.
  assert.deepEqual(keys(await all(readManifest('-', { stdin: stdinOf(gzipSync(jsonl)) }))), expected);
  const m = await Manifest.open('-', { stdin: stdinOf(gzipSync(csv)) });
  assert.deepEqual([m.gzip, m.format], [true, 'csv']);
  assert.deepEqual(keys(await all(m.rows())), expected);
  // A broken gzip stream is an error, not a silent end.
  const broken = gzipSync(csv).subarray(0, 2000);
  await assert.rejects(all(readManifest('-', { stdin: stdinOf(broken), format: 'csv' })), /unexpected end of file|incorrect header|invalid/i);
});

test('resuming at a row: rows before it are not parsed; a changed manifest is refused', async () => {
  const lines = ['link,target', ...Array.from({ length: 30_000 }, (_, i) => `k/${i},t/${i}`)];
  const path = join(dir, 'resume.csv');
  await writeFile(path, lines.join('\n') + '\n');
  const rows = await all(readManifest(path));
  const at = rows[25_000]!;
  const last = rows[24_999]!;
  const verify = { offset: last.offset, line: last.line, hash: rowHash(last.raw!) };
  // The bytes before the row that is verified are not even looked at: blank them out (same length).
  const text = lines.join('\n') + '\n';
  const blanked = Buffer.from(text);
  blanked.fill('x'.charCodeAt(0), rows[0]!.offset, last.offset - 1);
  for (const [file, bytes] of [[join(dir, 'blanked.csv'), blanked], [join(dir, 'blanked.csv.gz'), gzipSync(blanked)]] as const) {
    await writeFile(file, bytes);
    const rest = await all((await Manifest.open(file)).rows({ from: { offset: at.offset, line: at.line }, verify }));
    assert.deepEqual(rest.map(brief), rows.slice(25_000).map(brief), file);
  }
  // The first row as the verified one (the journal's checkpoint right after it); `from` need not be a row boundary.
  const first = { offset: rows[0]!.offset, line: rows[0]!.line, hash: rowHash(rows[0]!.raw!) };
  const fromSecond = await all(readManifest(path, { from: { offset: rows[0]!.offset + 1, line: 0 }, verify: first }));
  assert.deepEqual(fromSecond.map(brief), rows.slice(1).map(brief));
  // One row inserted near the start: everything after it moved.
  await writeFile(path, [lines[0], 'new,row', ...lines.slice(1)].join('\n') + '\n');
  await assert.rejects(all(readManifest(path, { from: at, verify })), /changed since the journal was written/);
  // Cut short before the resume point.
  await writeFile(path, lines.slice(0, 100).join('\n'));
  await assert.rejects(all(readManifest(path, { from: at, verify })), /changed since the journal was written/);
});

describe('shards', () => {
  test('K/N splits the rows by key: disjoint, complete, the same whatever the order', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `photos/${i}/图 ${i}.jpg`);
    const text = (list: string[]) => 'link,target\n' + list.map((k) => `${k},t`).join('\n');
    await writeFile(join(dir, 'shard.csv'), text(keys));
    await writeFile(join(dir, 'shard-reversed.csv'), text([...keys].reverse()));
    const n = 3;
    const seen = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const mine = (await all(readManifest(join(dir, 'shard.csv'), { shard: { index: k, count: n } }))).map((r) => r.key!);
      const reversed = (await all(readManifest(join(dir, 'shard-reversed.csv'), { shard: { index: k, count: n } }))).map((r) => r.key!);
      assert.deepEqual(new Set(reversed), new Set(mine));
      assert.ok(mine.length > 3000 / n - 150 && mine.length < 3000 / n + 150, `shard ${k}: ${mine.length} rows`);
      for (const key of mine) {
        assert.ok(!seen.has(key), `${key} in two shards`);
        seen.set(key, k);
        assert.equal(shardOf(key, n), k);
      }
    }
    assert.equal(seen.size, keys.length);
  });

  test('shardOf is SHA-256 based and stable (documented so other tools can compute it)', () => {
    // First 6 bytes of SHA-256("a") = ca978112ca1b → 222752054364699 (sha256sum confirms).
    assert.equal(shardOf('a', 1000), 222752054364699 % 1000);
    assert.equal(shardOf('anything', 1), 0);
  });

  test('--shard parsing: K is 0-based and below N', () => {
    assert.deepEqual(parseShard('0/4'), { index: 0, count: 4 });
    assert.deepEqual(parseShard(' 3 / 4 '), { index: 3, count: 4 });
    for (const bad of ['4/4', '1/0', '-1/4', 'a/b', '1', '1/4/5', '1.5/4']) assert.throws(() => parseShard(bad), /--shard takes K\/N/, bad);
  });
});
