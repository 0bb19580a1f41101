// `oss-symlink bulk` as a subprocess against the local server: faults, bad rows, kill -9 and resume,
// Ctrl-C, lost answers with --forbid-overwrite, configuration errors, and the progress display.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { csvRecords, readManifest, type LinkRow, type ManifestItem } from '../../cli/manifest.js';
import {
  cliPath, csvCell, journalDoneLinks, lastLinkedCount, putSymlinkRequests, runCli, spawnCli, startHarness, type Harness,
} from './helpers/cli-harness.js';

let h: Harness;
before(async () => { h = await startHarness(); });
after(() => h.close());

interface Summary {
  ok: boolean; total: number; linked: number; alreadyDone: number; superseded: number; failed: number; bad: number;
  retries: number; exitCode: number; interrupted?: string; alreadyExisted?: number;
  failures: { row: number; link: string | null; code: string }[];
}

/** What a row asks for its link. */
type Wanted = Omit<LinkRow, 'line' | 'offset' | 'key' | 'raw'>;

/** A CSV manifest from rows of cells (or raw lines); returns the text and the line each row starts on. */
function csv(rows: (string[] | { raw: string })[]): { text: string; lines: number[] } {
  let text = 'link,target,forbidOverwrite,acl,storageClass,meta,tags\n';
  const lines: number[] = [];
  for (const row of rows) {
    lines.push(text.split('\n').length);
    text += `${Array.isArray(row) ? row.map(csvCell).join(',') : row.raw}\n`;
  }
  return { text, lines };
}

const simpleManifest = (prefix: string, n: number, extra: (i: number) => string[] = () => []) =>
  csv(Array.from({ length: n }, (_, i) => [`${prefix}/${i}`, `t/${prefix}/${i}`, ...extra(i)])).text;

async function manifestRows(path: string): Promise<ManifestItem[]> {
  const rows: ManifestItem[] = [];
  for await (const r of readManifest(path)) rows.push(r);
  return rows;
}

async function verifyLinked(links: Iterable<[string, string]>): Promise<void> {
  h.server.setFaults({});
  for (const [link, target] of links) assert.equal((await h.client.getSymlink(link)).target, target, link);
}

test('2,000 rows with bad rows and injected faults: every good row linked exactly as asked', { timeout: 120_000 }, async () => {
  await h.client.putSymlink('pre/existing', 'old');
  const rows: (string[] | { raw: string })[] = [];
  const wanted = new Map<string, Wanted>();
  const bad = new Map<number, string>(); // index in rows -> expected code
  const badKinds: [string[] | { raw: string }, string][] = [
    [['/abs/{i}', 'x'], 'InvalidObjectName'],
    [['missing/{i}', ''], 'MissingTarget'],
    [{ raw: 'bad"quote{i},x' }, 'UnparsableRow'],
    [['badmeta/{i}', 'x', '', '', '', 'novalue'], 'InvalidOption'],
    [['badacl/{i}', 'x', '', 'world'], 'InvalidAcl'],
    [['badforbid/{i}', 'x', 'maybe'], 'InvalidOption'],
    [['new\nline/{i}', 'x'], 'InvalidObjectName'],
    [['badclass/{i}', 'x', '', '', 'Glacier'], 'InvalidStorageClass'],
    [['badmetaname/{i}', 'x', '', '', '', 'bad name=1'], 'InvalidMetadata'],
    [['', 'x'], 'MissingLink'],
  ];
  for (let i = 0; i < 2000; i++) {
    if (i % 100 === 7) {
      const [cells, code] = badKinds[Math.floor(i / 100) % badKinds.length]!;
      rows.push(Array.isArray(cells) ? cells.map((c) => c.replace('{i}', String(i))) : { raw: cells.raw.replace('{i}', String(i)) });
      bad.set(i, code);
      continue;
    }
    if (i === 1000) {
      rows.push(['pre/existing', 'new', 'true']);
      continue;
    }
    if (i >= 1990) {
      // Re-link keys of earlier rows: the later row wins, the earlier one is superseded.
      const link = `bulk/${i - 1000}/链接 "${i - 1000}", 😀.jpg`;
      rows.push([link, `new/目标 ${i}.jpg`]);
      wanted.set(link, { target: `new/目标 ${i}.jpg` });
      continue;
    }
    const link = `bulk/${i}/链接 "${i}", 😀.jpg`;
    const w: Wanted = { target: `targets/目标 ${i} 🎯.jpg` };
    if (i % 13 === 0) w.forbidOverwrite = true;
    if (i % 7 === 0) w.acl = 'private';
    if (i % 11 === 0) w.storageClass = 'IA';
    if (i % 3 === 0) w.meta = i % 17 === 0 ? { note: `a;b=${i}` } : { row: String(i), kind: 'test' };
    if (i % 5 === 0) w.tags = { team: 'web', n: String(i) };
    const metaCell = !w.meta ? '' : i % 17 === 0 ? JSON.stringify(w.meta) : Object.entries(w.meta).map(([k, v]) => `${k}=${v}`).join(';');
    const tagCell = w.tags ? Object.entries(w.tags).map(([k, v]) => `${k}=${v}`).join(';') : '';
    rows.push([link, w.target, w.forbidOverwrite ? 'true' : '', w.acl ?? '', w.storageClass ?? '', metaCell, tagCell]);
    wanted.set(link, w);
  }
  const { text, lines } = csv(rows);
  const manifest = join(h.dir, 'big.csv');
  await writeFile(manifest, text);

  const mark = h.server.requests.length;
  h.server.setFaults({ errorRate: 0.05, dropRate: 0.02, lostAnswerRate: 0.02, seed: 20260427 });
  const statsBefore = h.server.stats.faults;
  const r = await runCli(['bulk', manifest, '--json', '--max-attempts', '10'], { env: h.env });
  const faults = h.server.stats.faults;
  h.server.setFaults({});
  assert.equal(r.code, 1, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.deepEqual(
    { total: s.total, linked: s.linked, superseded: s.superseded, failed: s.failed, bad: s.bad, exitCode: s.exitCode },
    { total: 2000, linked: 2000 - 20 - 1 - 10, superseded: 10, failed: 1, bad: 20, exitCode: 1 },
  );
  // The faults did happen, and the client's retries absorbed them.
  assert.ok(faults.error - statsBefore.error > 20 && faults.drop - statsBefore.drop > 5 && faults.lostAnswer - statsBefore.lostAnswer > 5, JSON.stringify(faults));
  assert.ok(s.retries > 30, `retries: ${s.retries}`);

  // The failed-rows file: each bad row with its line and code, and the refused forbid-overwrite row.
  const failedText = await readFile(`${manifest}.failed.csv`, 'utf8');
  const reported = new Map<number, string>();
  let header: string[] | undefined;
  for await (const rec of csvRecords([failedText])) {
    assert.ok('fields' in rec);
    if (!header) { header = rec.fields; continue; }
    reported.set(Number(rec.fields[header.indexOf('row')]), rec.fields[header.indexOf('error')]!);
  }
  const expectedFailed = new Map([...bad].map(([i, code]) => [lines[i]!, code]));
  expectedFailed.set(lines[1000]!, 'FileAlreadyExists');
  assert.deepEqual(new Map([...reported].sort((a, b) => a[0] - b[0])), new Map([...expectedFailed].sort((a, b) => a[0] - b[0])));
  assert.deepEqual(s.failures.map((f) => [f.row, f.code]), [...expectedFailed].sort((a, b) => a[0] - b[0]));

  // Every good row: the link points where asked, with its metadata; every request sent for it
  // carried exactly the options of the row that won; nothing was sent for bad or superseded rows.
  const sent = putSymlinkRequests(h.server, mark);
  for (const [link, w] of wanted) {
    const got = await h.client.getSymlink(link);
    assert.equal(got.target, w.target, link);
    // --forbid-overwrite rows carry the job's write-id, which proves a lost answer's write on resume.
    const { 'oss-symlink-write-id': writeId, ...meta } = got.meta;
    assert.deepEqual(meta, w.meta ?? {}, link);
    if (w.forbidOverwrite) assert.match(writeId ?? '', /^[0-9a-f]{32}$/, link);
    else assert.equal(writeId, undefined, link);
    const requests = sent.get(link) ?? [];
    assert.ok(requests.length >= 1, `no request for ${link}`);
    for (const { headers } of requests) {
      assert.equal(decodeURIComponent(String(headers['x-oss-symlink-target'])), w.target, link);
      assert.equal(headers['x-oss-forbid-overwrite'], w.forbidOverwrite ? 'true' : undefined, link);
      assert.equal(headers['x-oss-object-acl'], w.acl, link);
      assert.equal(headers['x-oss-storage-class'], w.storageClass, link);
      const tags = w.tags ? Object.entries(w.tags).map(([k, v]) => `${k}=${v}`).join('&') : undefined;
      assert.equal(headers['x-oss-tagging'], tags, link);
    }
  }
  assert.equal((await h.client.getSymlink('pre/existing')).target, 'old');
  for (const link of sent.keys()) assert.ok(wanted.has(link) || link === 'pre/existing', `unexpected request for ${link}`);

  // The failed-rows file is a manifest: fed back, its rows fail again for the same reasons.
  const again = await runCli(['bulk', `${manifest}.failed.csv`, '--json'], { env: h.env });
  assert.equal(again.code, 1, again.stderr);
  const s2 = JSON.parse(again.stdout) as Summary;
  assert.deepEqual([s2.total, s2.linked, s2.failed, s2.bad], [21, 0, 1, 20]);

  // Run again: the journal has every good row, nothing is sent.
  const before = h.server.requests.length;
  const rerun = await runCli(['bulk', manifest, '--json'], { env: h.env });
  const s3 = JSON.parse(rerun.stdout) as Summary;
  assert.deepEqual([s3.linked, s3.alreadyDone, s3.failed, s3.bad], [0, 1969, 1, 20]);
  assert.equal(putSymlinkRequests(h.server, before).size, 1); // only the refused row is tried again
});

test('killed with SIGKILL halfway, then resumed: nothing finished is redone, nothing is lost', { timeout: 60_000 }, async () => {
  const n = 1000;
  const manifest = join(h.dir, 'kill.csv');
  await writeFile(manifest, simpleManifest('kill', n, (i) => [i % 10 === 0 ? 'true' : '']));
  h.server.setFaults({ latencyMs: 15, errorRate: 0.03, seed: 5 });
  const mark = h.server.requests.length;
  const run = spawnCli(['bulk', manifest, '--concurrency', '8', '--progress-interval', '0.05'], { env: h.env });
  await run.waitForStderr((s) => lastLinkedCount(s) >= 150);
  run.child.kill('SIGKILL');
  const killed = await run.done;
  assert.equal(killed.signal, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 100)); // let requests already at the server finish

  const doneBefore = journalDoneLinks(await readFile(`${manifest}.journal`, 'utf8'), await manifestRows(manifest));
  // Group commit: rows answered in the last commit interval before the kill may be missing (and are redone).
  assert.ok(doneBefore.length >= 50 && doneBefore.length < n, `journaled before the kill: ${doneBefore.length}`);
  assert.equal(new Set(doneBefore).size, doneBefore.length);
  const firstRun = putSymlinkRequests(h.server, mark);
  for (const link of doneBefore) assert.ok(firstRun.has(link), `${link} journaled but never sent`);

  const resumeMark = h.server.requests.length;
  h.server.setFaults({ errorRate: 0.05, lostAnswerRate: 0.02, seed: 6 });
  const resumed = await runCli(['bulk', manifest, '--json'], { env: h.env });
  assert.equal(resumed.code, 0, resumed.stderr);
  const s = JSON.parse(resumed.stdout) as Summary;
  assert.equal(s.alreadyDone, doneBefore.length);
  assert.equal(s.linked, n - doneBefore.length);
  const secondRun = putSymlinkRequests(h.server, resumeMark);
  const redone = doneBefore.filter((link) => secondRun.has(link));
  assert.deepEqual(redone, [], 'rows journaled as done were sent again');
  assert.equal(secondRun.size, n - doneBefore.length);
  await verifyLinked(Array.from({ length: n }, (_, i) => [`kill/${i}`, `t/kill/${i}`]));
});

test('Ctrl-C stops cleanly: exit 130, every counted row journaled; the rerun finishes the rest', { timeout: 60_000 }, async () => {
  const n = 600;
  const manifest = join(h.dir, 'int.csv');
  await writeFile(manifest, simpleManifest('int', n));
  h.server.setFaults({ latencyMs: 20 });
  const run = spawnCli(['bulk', manifest, '--json', '--concurrency', '4', '--progress', 'lines', '--progress-interval', '0.05'], { env: h.env });
  await run.waitForStderr((s) => lastLinkedCount(s) >= 40);
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /SIGINT: stopping; rows in flight will be redone next time/);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.interrupted, 'SIGINT');
  assert.ok(s.linked >= 40 && s.linked < n, `linked ${s.linked}`);
  assert.equal(s.failed, 0);
  const journaled = journalDoneLinks(await readFile(`${manifest}.journal`, 'utf8'), await manifestRows(manifest));
  assert.equal(journaled.length, s.linked);

  h.server.setFaults({});
  const rerun = await runCli(['bulk', manifest, '--json'], { env: h.env });
  assert.equal(rerun.code, 0, rerun.stderr);
  const s2 = JSON.parse(rerun.stdout) as Summary;
  assert.deepEqual([s2.alreadyDone, s2.linked], [s.linked, n - s.linked]);
  await verifyLinked(Array.from({ length: n }, (_, i) => [`int/${i}`, `t/int/${i}`]));
});

test('--forbid-overwrite rows written by a run whose answers were lost count as done on resume, proven by the write-id', { timeout: 60_000 }, async () => {
  const n = 20;
  await h.client.putSymlink('lost/pre', 'someone-else');
  const manifest = join(h.dir, 'lost.csv');
  await writeFile(manifest, csv([...Array.from({ length: n }, (_, i) => [`lost/${i}`, `t/lost/${i}`]), ['lost/pre', 't/lost/pre']]).text);

  // Every request is applied but its answer lost; one attempt each: all rows fail, yet all links exist.
  h.server.setFaults({ lostAnswerRate: 1 });
  const first = await runCli(['bulk', manifest, '--json', '--forbid-overwrite', '--max-attempts', '1'], { env: h.env });
  h.server.setFaults({});
  assert.equal(first.code, 1, first.stderr);
  const s1 = JSON.parse(first.stdout) as Summary;
  assert.deepEqual([s1.linked, s1.failed], [0, n + 1]);
  assert.ok(s1.failures.every((f) => f.code === 'NetworkError'));
  await verifyLinked(Array.from({ length: n }, (_, i) => [`lost/${i}`, `t/lost/${i}`]));

  // Without the journal's record of what was sent, FileAlreadyExists is taken at its word...
  const fresh = await runCli(['bulk', manifest, '--json', '--forbid-overwrite', '--journal', join(h.dir, 'other.journal')], { env: h.env });
  const sf = JSON.parse(fresh.stdout) as Summary;
  assert.deepEqual([sf.linked, sf.failed], [0, n + 1]);
  assert.ok(sf.failures.every((f) => f.code === 'FileAlreadyExists'));

  // Another writer replaces one of them in between, with the same target but without this job's write-id.
  await h.client.deleteObject('lost/0');
  await h.client.putSymlink('lost/0', 't/lost/0');

  // ...with it, a link that points where the row asks and carries the write-id this job derives
  // for it (from the journal's run id and the link) was this command's own write; the one
  // another writer made is not, though its target is the same.
  const resumed = await runCli(['bulk', manifest, '--json', '--forbid-overwrite'], { env: h.env });
  assert.equal(resumed.code, 1, resumed.stderr);
  const s2 = JSON.parse(resumed.stdout) as Summary;
  assert.deepEqual([s2.linked, s2.alreadyExisted, s2.failed], [n - 1, n - 1, 2]);
  assert.deepEqual(s2.failures.map((f) => [f.link, f.code]).sort(), [['lost/0', 'FileAlreadyExists'], ['lost/pre', 'FileAlreadyExists']]);
  assert.equal((await h.client.getSymlink('lost/pre')).target, 'someone-else');
});

test('a wrong bucket stops the run at once with exit 2 instead of failing every row', async () => {
  const manifest = join(h.dir, 'nobucket.csv');
  await writeFile(manifest, simpleManifest('nob', 500));
  const mark = h.server.requests.length;
  const r = await runCli(['bulk', manifest, '--bucket', 'no-such-bucket', '--concurrency', '4'], { env: h.env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /stopped, OSS refused the configuration: NoSuchBucket \(404\)/);
  assert.match(r.stderr, /hint: check --bucket/);
  assert.ok(h.server.requests.length - mark <= 8, `${h.server.requests.length - mark} requests`);
});

test('rows from standard input, JSON Lines', async () => {
  const input = ['{"link":"stdin/中文 1","target":"t1","meta":{"a":"1"}}', '{"link":"stdin/2","target":"t2","tags":{"k":"v"}}', '{"link":"/bad","target":"t3"}', ''].join('\n');
  const r = await runCli(['bulk', '-', '--json', '--failed', join(h.dir, 'stdin-failed.csv')], { env: h.env, input });
  assert.equal(r.code, 1, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.deepEqual([s.total, s.linked, s.bad], [3, 2, 1]);
  assert.deepEqual(s.failures.map((f) => [f.row, f.code]), [[3, 'InvalidObjectName']]);
  assert.deepEqual((await h.client.getSymlink('stdin/中文 1')).meta, { a: '1' });
  assert.match(await readFile(join(h.dir, 'stdin-failed.csv'), 'utf8'), /^row,error,link,target.*\r\n3,InvalidObjectName,\/bad,t3,/);
});

test('--dry-run checks every row and sends nothing', async () => {
  const manifest = join(h.dir, 'dry.csv');
  await writeFile(manifest, csv([['dry/1', 't1'], ['dry/2', 't2'], ['dry/1', 't1b'], ['dry/3', 't3', '', 'bogus-acl']]).text);
  const mark = h.server.requests.length;
  const r = await runCli(['bulk', manifest, '--dry-run', '--json'], { env: h.env });
  assert.equal(r.code, 1, r.stderr);
  const s = JSON.parse(r.stdout) as Summary & { toLink: number };
  assert.deepEqual([s.total, s.toLink, s.superseded, s.bad, s.linked], [4, 2, 1, 1, 0]);
  assert.deepEqual(s.failures.map((f) => [f.row, f.code]), [[5, 'InvalidAcl']]);
  assert.equal(h.server.requests.length, mark);
  await assert.rejects(readFile(`${manifest}.journal`), { code: 'ENOENT' });
});

/** Runs the CLI with a pseudo-terminal as stdin, stdout and stderr (Python's pty module). */
function runInPty(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const script = [
    'import os, pty, sys',
    'pid, fd = pty.fork()',
    'if pid == 0:',
    '    os.execvp(sys.argv[1], sys.argv[1:])',
    'out = b""',
    'while True:',
    '    try:',
    '        data = os.read(fd, 65536)',
    '    except OSError:',
    '        break',
    '    if not data:',
    '        break',
    '    out += data',
    '_, status = os.waitpid(pid, 0)',
    'sys.stdout.buffer.write(out)',
    'sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128)',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', script, process.execPath, cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { output += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('progress: a bar with rate and ETA on a terminal, plain periodic lines otherwise', { timeout: 60_000 }, async () => {
  const n = 300;
  h.server.setFaults({ latencyMs: 10 });
  const plainManifest = join(h.dir, 'plain.csv');
  const ttyManifest = join(h.dir, 'tty.csv');
  await writeFile(plainManifest, simpleManifest('plain', n));
  await writeFile(ttyManifest, simpleManifest('tty', n));

  const plain = await runCli(['bulk', plainManifest, '--concurrency', '4', '--progress-interval', '0.1'], { env: h.env });
  assert.equal(plain.code, 0, plain.stderr);
  const lines = plain.stderr.split('\n').filter((l) => l.startsWith('progress: '));
  assert.ok(lines.length >= 2, plain.stderr);
  for (const line of lines) assert.match(line, /^progress: \d+% of the manifest, \d+ rows: \d+ linked, 0 already done, 0 failed, 0 bad; \d+ rows\/s, ETA (\d+:\d\d|--:--)$/);
  assert.ok(lines.some((l) => / [1-9]\d* rows\/s, ETA \d+:\d\d$/.test(l)), 'a line with a rate and an ETA');
  assert.ok(!plain.stderr.includes('\r') && !plain.stderr.includes('\x1b['), 'no terminal control characters in plain mode');
  assert.match(plain.stdout, /^bulk: 300 rows in \d+\.\ds, \d+ links\/s: 300 linked, 0 already done/);

  const tty = await runInPty(['bulk', ttyManifest, '--concurrency', '4'], h.env);
  h.server.setFaults({});
  assert.equal(tty.code, 0, tty.output);
  const frames = tty.output.split('\r').filter((f) => f.startsWith('['));
  assert.ok(frames.length >= 3, tty.output);
  for (const frame of frames) assert.match(frame, /^\[[█░]+\] +\d+% \d+ rows {2}\d+\/s {2}ETA (\d+:\d\d|--:--)\x1b\[K/);
  assert.ok(frames.some((f) => /\d+ rows {2}[1-9]\d*\/s {2}ETA \d+:\d\d/.test(f)), 'a frame with a rate and an ETA');
  assert.match(frames.at(-1)!, /^\[█+\] 100% 300 rows/);
  assert.ok(!tty.output.includes('progress: '), 'no plain lines on a terminal');
  assert.match(tty.output, /bulk: 300 rows in \d+\.\ds/);
  await verifyLinked([['tty/299', 't/tty/299'], ['plain/0', 't/plain/0']]);
});
