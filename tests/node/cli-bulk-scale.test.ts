// `oss-symlink bulk` at scale, short versions (the big sizes run in `npm run bench`): shards in
// parallel, streaming gzip and stdin, the journal's scope and lock, a changed manifest, links listed
// far apart, configuration errors before any row, row numbers for every line end, lone surrogates
// in the failed-rows file, and no Node warnings.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { cliPath, csvCell, putSymlinkRequests, runCli, spawnCli, startHarness, type Harness } from './helpers/cli-harness.js';
import { repoRoot } from './helpers/paths.js';

let h: Harness;
before(async () => { h = await startHarness(); });
after(() => h.close());

interface Summary {
  ok: boolean; total: number; linked: number; alreadyDone: number; superseded: number; failed: number; bad: number;
  exitCode: number; toLink?: number; shard: string | null; failedFile: string | null;
  failures: { row: number; link: string | null; code: string }[];
}

const csvText = (rows: string[][]) => `link,target\n${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
const rowsOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => [`${prefix}/${i}/图 ${i}`, `t/${prefix}/${i}`]);
const exists = (path: string) => stat(path).then(() => true, () => false);

test('N shards in parallel against the local server: every row linked exactly once, none missing', { timeout: 120_000 }, async () => {
  const n = 4;
  const rows = rowsOf('shard', 2000);
  const manifest = join(h.dir, 'shards.csv');
  await writeFile(manifest, csvText(rows));
  const mark = h.server.requests.length;
  const runs = await Promise.all(Array.from({ length: n }, (_, k) =>
    runCli(['bulk', manifest, '--shard', `${k}/${n}`, '--json', '--concurrency', '4'], { env: h.env })));
  const sent = putSymlinkRequests(h.server, mark);
  let linked = 0;
  for (const [k, r] of runs.entries()) {
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Summary;
    assert.equal(s.shard, `${k}/${n}`);
    assert.ok(s.linked > 300 && s.linked < 700, `shard ${k}: ${s.linked}`);
    linked += s.linked;
    // Each shard has its own journal.
    assert.ok(await exists(`${manifest}.shard-${k}-of-${n}.journal`));
  }
  assert.equal(linked, rows.length);
  assert.equal(sent.size, rows.length);
  for (const [link, target] of rows) {
    assert.equal(sent.get(link)?.length, 1, `${link} sent ${sent.get(link)?.length ?? 0} times`);
    assert.equal((await h.client.getSymlink(link)).target, target);
  }
  // Rerun every shard: nothing left to do.
  const again = await runCli(['bulk', manifest, '--shard', `2/${n}`, '--json'], { env: h.env });
  assert.equal((JSON.parse(again.stdout) as Summary).linked, 0);
  // Another N is another job: its journal is separate, and a journal of another shard is refused.
  const wrong = await runCli(['bulk', manifest, '--shard', '1/4', '--journal', `${manifest}.shard-0-of-4.journal`], { env: h.env });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /another shard \("0\/4", now "1\/4"\)/);
});

test('gzip manifests stream from a file and from standard input', { timeout: 60_000 }, async () => {
  const rows = rowsOf('gz', 300);
  const file = join(h.dir, 'm.csv.gz');
  await writeFile(file, gzipSync(csvText(rows)));
  const r1 = await runCli(['bulk', file, '--json'], { env: h.env });
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal((JSON.parse(r1.stdout) as Summary).linked, 300);
  const jsonl = rowsOf('gzin', 300).map(([link, target]) => JSON.stringify({ link, target })).join('\n');
  const child = spawn(process.execPath, [cliPath, 'bulk', '-', '--json', '--failed', join(h.dir, 'gzin.failed.jsonl')], { env: h.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stdin.end(gzipSync(jsonl));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  assert.equal((JSON.parse(out) as Summary).linked, 300);
  assert.equal((await h.client.getSymlink('gzin/299/图 299')).target, 't/gzin/299');
});

test('a link listed again beyond the window: both rows go, in manifest order, and the last one wins', { timeout: 60_000 }, async () => {
  // DEDUP_WINDOW is 4096 rows: rows of one link closer than that are sent once (the later one).
  const rows = rowsOf('far', 5000);
  rows.push(['far/0/图 0', 'later-target']); // 5000 rows after the first
  rows.push(['far/4999/图 4999', 'near-target']); // right after the first: superseded
  const manifest = join(h.dir, 'far.csv');
  await writeFile(manifest, csvText(rows));
  const mark = h.server.requests.length;
  const r = await runCli(['bulk', manifest, '--json', '--concurrency', '16'], { env: h.env });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.deepEqual([s.total, s.linked, s.superseded], [5002, 5001, 1]);
  const sent = putSymlinkRequests(h.server, mark);
  assert.deepEqual(sent.get('far/0/图 0')!.map((x) => decodeURIComponent(String(x.headers['x-oss-symlink-target']))), ['t/far/0', 'later-target']);
  assert.equal(sent.get('far/4999/图 4999')!.length, 1);
  assert.equal((await h.client.getSymlink('far/0/图 0')).target, 'later-target');
  assert.equal((await h.client.getSymlink('far/4999/图 4999')).target, 'near-target');
});

test('the journal knows its endpoint however it is spelled, and refuses another bucket or endpoint', { timeout: 60_000 }, async () => {
  const manifest = join(h.dir, 'endpoint.csv');
  await writeFile(manifest, csvText(rowsOf('ep', 200)));
  const first = await runCli(['bulk', manifest, '--json'], { env: h.env });
  assert.equal(first.code, 0, first.stderr);
  const mark = h.server.requests.length;
  const url = new URL(h.server.url);
  for (const endpoint of [`${h.server.url}/`, `HTTP://${url.host.toUpperCase()}`, `http://${url.host}/`]) {
    const again = await runCli(['bulk', manifest, '--json', '--endpoint', endpoint], { env: h.env });
    assert.equal(again.code, 0, `${endpoint}: ${again.stderr}`);
    const s = JSON.parse(again.stdout) as Summary;
    assert.deepEqual([s.linked, s.alreadyDone], [0, 200], endpoint);
  }
  assert.equal(h.server.requests.length, mark, 'nothing sent again');
  const other = await runCli(['bulk', manifest, '--bucket', 'other-bucket'], { env: h.env });
  assert.equal(other.code, 2);
  assert.match(other.stderr, /cannot use the journal .*another bucket \("demo", now "other-bucket"\)/);
});

test('two runs on one manifest at once: the second stops at once; a lock left by kill -9 is taken over', { timeout: 60_000 }, async () => {
  const manifest = join(h.dir, 'lock.csv');
  await writeFile(manifest, csvText(rowsOf('lock', 400)));
  h.server.setFaults({ latencyMs: 20 });
  const first = spawnCli(['bulk', manifest, '--concurrency', '2', '--progress-interval', '0.05'], { env: h.env });
  await first.waitForStderr((s) => /\d+ linked/.test(s));
  const second = await runCli(['bulk', manifest], { env: h.env });
  assert.equal(second.code, 2);
  assert.match(second.stderr, /another run is using the journal .*lock\.csv\.journal \(process \d+/);
  first.child.kill('SIGKILL');
  await first.done;
  h.server.setFaults({});
  assert.ok(await exists(`${manifest}.journal.lock`), 'the killed run left its lock');
  const resumed = await runCli(['bulk', manifest, '--json'], { env: h.env });
  assert.equal(resumed.code, 0, resumed.stderr);
  const s = JSON.parse(resumed.stdout) as Summary;
  assert.equal(s.linked + s.alreadyDone, 400);
  assert.ok(!(await exists(`${manifest}.journal.lock`)), 'the lock is gone after the run');
});

test('a manifest changed since the journal was written is refused before anything is sent', { timeout: 60_000 }, async () => {
  const manifest = join(h.dir, 'changed.csv');
  const rows = rowsOf('chg', 300);
  await writeFile(manifest, csvText(rows));
  assert.equal((await runCli(['bulk', manifest], { env: h.env })).code, 0);
  await writeFile(manifest, csvText([['chg/new', 't'], ...rows]));
  const mark = h.server.requests.length;
  const r = await runCli(['bulk', manifest], { env: h.env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /changed since the journal was written/);
  assert.equal(h.server.requests.length, mark);
  // Rows appended at the end are fine: the rerun does only them.
  await writeFile(manifest, csvText([...rows, ['chg/appended', 't']]));
  const appended = await runCli(['bulk', manifest, '--json'], { env: h.env });
  assert.equal(appended.code, 0, appended.stderr);
  assert.deepEqual(JSON.parse(appended.stdout).linked, 1);
});

test('configuration errors stop bulk before any row: exit 2, no failed manifest, no journal', { timeout: 60_000 }, async () => {
  const manifest = join(h.dir, 'config.csv');
  await writeFile(manifest, csvText(rowsOf('cfg', 50)));
  const mark = h.server.requests.length;
  for (const [what, args, env] of [
    ['bad bucket name', ['--bucket', 'Bad_Bucket'], h.env],
    ['non-ASCII secret', [], { ...h.env, OSS_ACCESS_KEY_SECRET: 'sécret-non-ascii-123' }],
    ['bad region', ['--region', 'cn hangzhou'], h.env],
  ] as const) {
    const r = await runCli(['bulk', manifest, ...args], { env });
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, /the configuration cannot be used/, what);
    assert.ok(!(await exists(`${manifest}.failed.csv`)), `${what}: a failed manifest was written`);
    assert.ok(!(await exists(`${manifest}.journal`)), `${what}: a journal was written`);
  }
  assert.equal(h.server.requests.length, mark);
});

test('row numbers are right for LF, CRLF and lone-CR line ends', async () => {
  for (const [ending, name] of [['\n', 'lf'], ['\r\n', 'crlf'], ['\r', 'cr']] as const) {
    const lines = ['link,target', 'ok/1,t', '/bad-key,t', '"two', 'lines",t', 'missing-target,', 'ok/2,t'];
    const manifest = join(h.dir, `ends-${name}.csv`);
    await writeFile(manifest, lines.join(ending) + ending);
    const r = await runCli(['bulk', manifest, '--dry-run', '--json'], { env: h.env });
    const s = JSON.parse(r.stdout) as Summary;
    // Row 4 is the key with a line break (not allowed in a key); its row ends on line 5.
    assert.deepEqual(s.failures.map((f) => [f.row, f.code]), [[3, 'InvalidObjectName'], [4, 'InvalidObjectName'], [6, 'MissingTarget']], name);
    assert.equal(s.toLink, 2, name);
  }
});

test('a lone surrogate in a JSON Lines key stays exactly as written in the failed-rows file', async () => {
  const manifest = join(h.dir, 'lone.jsonl');
  const lone = '{"link":"bad/\\ud800 lone","target":"t","meta":{"a":"1"}}';
  await writeFile(manifest, `{"link":"ok/lone","target":"t"}\n${lone}\n`);
  // The default name for a JSON Lines manifest, given explicitly.
  const r = await runCli(['bulk', manifest, '--json', '--failed', `${manifest}.failed.jsonl`], { env: h.env });
  assert.equal(r.code, 1, r.stderr);
  const failed = await readFile(`${manifest}.failed.jsonl`, 'utf8');
  assert.ok(failed.includes('\\ud800 lone'), failed);
  assert.ok(!failed.includes('\ufffd'), failed);
  const row = JSON.parse(failed.trim()) as { row: number; error: string; link: string; meta: unknown };
  assert.deepEqual([row.row, row.link, row.meta], [2, 'bad/\ud800 lone', { a: '1' }]);
  // Fed back, it is the same row again.
  const again = await runCli(['bulk', `${manifest}.failed.jsonl`, '--json', '--check'], { env: h.env });
  assert.deepEqual((JSON.parse(again.stdout) as Summary).failures.map((f) => [f.link, f.code]), [['bad/\ud800 lone', row.error]]);
});

test('no Node warning reaches the user (MaxListenersExceededWarning)', async () => {
  const manifest = join(h.dir, 'warn.csv');
  await writeFile(manifest, csvText(rowsOf('warn', 400)));
  const r = await runCli(['bulk', manifest, '--concurrency', '64'], { env: h.env });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Warning|MaxListeners/);
});

test('the Kubernetes Indexed Job example: N matches completions, and its command line runs', async () => {
  const yaml = await readFile(join(repoRoot, 'examples', 'k8s-bulk-indexed-job.yaml'), 'utf8');
  const completions = Number(/^\s*completions:\s*(\d+)/m.exec(yaml)?.[1]);
  const command = /npx --yes oss-symlink@\S+ (bulk [^;]+);/.exec(yaml.replace(/\s*\n\s*/g, ' '))?.[1];
  assert.ok(command, 'the bulk command line');
  const shards = Number(/--shard "\$JOB_COMPLETION_INDEX\/(\d+)"/.exec(command)?.[1]);
  assert.equal(shards, completions);
  const manifest = join(h.dir, 'k8s.csv');
  await writeFile(manifest, csvText(rowsOf('k8s', 200)));
  let total = 0;
  for (let index = 0; index < completions; index++) {
    const args = command.replace('/work/moves.csv.gz', manifest).replace('"$JOB_COMPLETION_INDEX', `"${index}`).replaceAll('"', '').split(' ');
    const r = await runCli([...args, '--check', '--json'], { env: h.env });
    assert.equal(r.code, 0, r.stderr);
    total += (JSON.parse(r.stdout) as Summary).toLink!;
  }
  assert.equal(total, 200);
});

test('resuming: a row the killed run finished out of order stays the last word for its link', { timeout: 60_000 }, async () => {
  // Rows 1 and 3 name one link. A killed run may have finished row 3 (after row 1 was superseded
  // in its window, or sent before it) while its checkpoint stayed before row 1.
  const cases: [string, string[][]][] = [
    ['near', [['ooo/x', 't/old'], ['ooo/y', 't/y'], ['ooo/x', 't/new']]],
    ['apart', [['ooo2/x', 't/old'], ...rowsOf('ooo2-fill', 30), ['ooo2/x', 't/new']]],
  ];
  for (const [name, rows] of cases) {
    const manifest = join(h.dir, `ooo-${name}.csv`);
    await writeFile(manifest, csvText(rows));
    assert.equal((await runCli(['bulk', manifest], { env: h.env })).code, 0);
    const link = rows[0]![0];
    await h.client.putSymlink(link, 't/new'); // as the killed run left it
    // The journal as a kill would have left it: no checkpoint yet, only the last row done.
    const text = await readFile(manifest, 'utf8');
    const lastOffset = Buffer.byteLength(text.slice(0, text.lastIndexOf(link)));
    const header = (await readFile(`${manifest}.journal`, 'utf8')).split('\n')[0];
    await writeFile(`${manifest}.journal`, `${header}\n${JSON.stringify({ d: [lastOffset] })}\n`);
    const mark = h.server.requests.length;
    const r = await runCli(['bulk', manifest, '--json'], { env: h.env });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Summary;
    assert.equal((await h.client.getSymlink(link)).target, 't/new', name);
    const sent = putSymlinkRequests(h.server, mark).get(link) ?? [];
    // Either nothing for the link (row 1 superseded by the done row) or row 1 then row 3 again.
    const targets = sent.map((x) => decodeURIComponent(String(x.headers['x-oss-symlink-target'])));
    assert.ok(targets.length === 0 || targets.at(-1) === 't/new', `${name}: ${JSON.stringify(targets)}`);
    assert.equal(s.linked + s.alreadyDone + s.superseded, rows.length, name);
  }
});

test('a failed row whose link a later row then links is superseded: not listed, not tried again', { timeout: 60_000 }, async () => {
  await h.client.putSymlink('sup/x', 'someone-else');
  const rows = [['sup/x', 't/first', 'true'], ...rowsOf('sup-fill', 4200).map((r) => [...r, '']), ['sup/x', 't/last', '']];
  const manifest = join(h.dir, 'sup.csv');
  await writeFile(manifest, `link,target,forbidOverwrite\n${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`);
  const mark = h.server.requests.length;
  const r = await runCli(['bulk', manifest, '--json'], { env: h.env });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.deepEqual([s.failed, s.superseded, s.linked, s.failures.length], [0, 1, 4201, 0]);
  // Row 2 was sent (and refused: FileAlreadyExists), then the last row linked it.
  assert.equal(putSymlinkRequests(h.server, mark).get('sup/x')?.length, 2);
  assert.equal((await h.client.getSymlink('sup/x')).target, 't/last');
  assert.ok(!(await exists(`${manifest}.failed.csv`)));
  const again = await runCli(['bulk', manifest, '--json'], { env: h.env });
  assert.equal((JSON.parse(again.stdout) as Summary).linked, 0);
  assert.equal((await h.client.getSymlink('sup/x')).target, 't/last');
});
