// `oss-symlink verify`: a manifest with good links, missing links, wrong targets, dangling links,
// links to links, an object where a link should be and a bad row gives exactly the expected
// counts, repair manifest and dangling report; bulk repairs what the repair manifest lists.
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { csvRecords } from '../../cli/manifest.js';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { cliPath, csvCell, runCli, spawnCli, startHarness, type Harness } from './helpers/cli-harness.js';
import { repoRoot } from './helpers/paths.js';

let h: Harness;
before(async () => { h = await startHarness(); });
after(() => h.close());

interface Summary {
  ok: boolean;
  rows: number;
  counts: Record<string, number>;
  repairFile: string | null;
  danglingFile: string | null;
  problems: { row: number; link: string | null; outcome: string; expected: string | null; actual: string | null }[];
  exitCode: number;
}

/** A CSV file as objects keyed by its header. */
async function readCsv(path: string): Promise<Record<string, string>[]> {
  const records: string[][] = [];
  for await (const r of csvRecords([await readFile(path, 'utf8')])) if ('fields' in r) records.push(r.fields);
  const [header, ...rows] = records;
  return rows.map((fields) => Object.fromEntries(header!.map((name, i) => [name, fields[i] ?? ''])));
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/** The bucket state every case below checks against, under `prefix`. */
async function seed(prefix: string): Promise<string> {
  const c = h.client;
  const p = (k: string) => `${prefix}/${k}`;
  await c.putObject(p('obj/a 原图.jpg'), 'a');
  await c.putObject(p('obj/b'), 'b');
  await c.putSymlink(p('good/1'), p('obj/a 原图.jpg'));
  await c.putSymlink(p('good/2, "quoted"'), p('obj/b'));
  await c.putSymlink(p('wrong/1'), p('obj/b')); // the manifest wants obj/a
  await c.putSymlink(p('dangling/1'), p('obj/gone'));
  await c.putSymlink(p('hop/1'), p('good/1')); // a link to a link
  await c.putObject(p('plain'), 'not a link');
  const rows: [string, string][] = [
    [p('good/1'), p('obj/b')], // superseded by the next row, as bulk would have done
    [p('good/1'), p('obj/a 原图.jpg')],
    [p('good/2, "quoted"'), p('obj/b')],
    [p('missing/1'), p('obj/a 原图.jpg')],
    [p('missing/2 😀'), p('obj/b')],
    [p('wrong/1'), p('obj/a 原图.jpg')],
    [p('dangling/1'), p('obj/gone')],
    [p('hop/1'), p('good/1')],
    [p('plain'), p('obj/b')],
  ];
  const lines = ['link,target,forbidOverwrite', ...rows.map(([l, t]) => `${csvCell(l)},${csvCell(t)},true`), ',no-link-here,'];
  const manifest = join(h.dir, `${prefix}.csv`);
  await writeFile(manifest, `${lines.join('\n')}\n`);
  return manifest;
}

test('verify: exact counts by outcome, a repair manifest bulk can take, a dangling report; exit 1', async () => {
  const manifest = await seed('v1');
  const from = h.server.requests.length;
  const r = await runCli(['verify', '--json', '--progress', 'none', manifest], { env: h.env });
  assert.equal(r.code, 1, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.deepEqual(s.counts, { ok: 2, NoSuchLink: 2, WrongTarget: 1, NotSymlink: 1, DanglingLink: 1, TargetIsSymlink: 1, Error: 0, BadRow: 1, Superseded: 1 });
  assert.equal(s.rows, 10);
  assert.equal(s.ok, false);
  assert.deepEqual(s.problems.find((p) => p.outcome === 'WrongTarget'), {
    row: 7, link: 'v1/wrong/1', outcome: 'WrongTarget', code: 'WrongTarget', expected: 'v1/obj/a 原图.jpg', actual: 'v1/obj/b', message: 'the link points to "v1/obj/b"',
  });
  // Read-only: nothing but GetSymlink and HEAD was sent.
  assert.deepEqual([...new Set(h.server.requests.slice(from).map((q) => q.method))].sort(), ['GET', 'HEAD']);

  const repair = await readCsv(`${manifest}.repair.csv`);
  assert.equal(s.repairFile, `${manifest}.repair.csv`);
  assert.deepEqual(repair.map((x) => [x.row, x.error, x.link, x.target, x.forbidOverwrite]).sort(), [
    ['5', 'NoSuchLink', 'v1/missing/1', 'v1/obj/a 原图.jpg', 'true'],
    ['6', 'NoSuchLink', 'v1/missing/2 😀', 'v1/obj/b', 'true'],
    // A wrong link has to be replaced: its repair row may not forbid overwriting.
    ['7', 'WrongTarget', 'v1/wrong/1', 'v1/obj/a 原图.jpg', 'false'],
  ]);
  const report = await readCsv(`${manifest}.dangling.csv`);
  assert.deepEqual(report.map((x) => [x.row, x.error, x.link]).sort(), [
    ['10', 'NotSymlink', 'v1/plain'],
    ['11', 'MissingLink', ''], // the bad row, with the manifest reader's code
    ['8', 'DanglingLink', 'v1/dangling/1'],
    ['9', 'TargetIsSymlink', 'v1/hop/1'],
  ]);

  // bulk takes the repair manifest as it is; verify then finds only what bulk cannot fix.
  const fix = await runCli(['bulk', '--no-journal', '--progress', 'none', `${manifest}.repair.csv`], { env: h.env });
  assert.equal(fix.code, 0, fix.stderr);
  const again = JSON.parse((await runCli(['verify', '--json', '--progress', 'none', manifest], { env: h.env })).stdout) as Summary;
  assert.deepEqual(again.counts, { ok: 5, NoSuchLink: 0, WrongTarget: 0, NotSymlink: 1, DanglingLink: 1, TargetIsSymlink: 1, Error: 0, BadRow: 1, Superseded: 1 });
  assert.equal(again.repairFile, null);
  assert.deepEqual(await readCsv(`${manifest}.repair.csv`), [], 'the old repair manifest no longer lists anything');
});

test('verify: exit 0 only when every row is right; the summary line says so', async () => {
  await h.client.putObject('v2/obj', 'x');
  await h.client.putSymlink('v2/a', 'v2/obj');
  await h.client.putSymlink('v2/b', 'v2/obj');
  const manifest = join(h.dir, 'v2.jsonl');
  await writeFile(manifest, '{"link":"v2/a","target":"v2/obj"}\r\n{"link":"v2/b","target":"v2/obj"}\r\n');
  const r = await runCli(['verify', '--progress', 'none', manifest], { env: h.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^verify: 2 rows in [\d.]+s: 2 ok\n$/);
  assert.equal(await exists(`${manifest}.repair.jsonl`), false);
  assert.equal(await exists(`${manifest}.dangling.jsonl`), false);
  // One dangling link is enough for exit 1, from standard input too.
  await h.client.deleteObject('v2/obj');
  const stdin = await runCli(['verify', '--progress', 'none', '--dangling', join(h.dir, 'v2-dangling.csv'), '-'], { env: h.env, input: 'link,target\nv2/a,v2/obj\n', cwd: h.dir });
  assert.equal(stdin.code, 1, stdin.stderr);
  assert.match(stdin.stdout, /1 row in .*: 0 ok, 1 dangling/);
  assert.equal((await readCsv(join(h.dir, 'v2-dangling.csv')))[0]!.error, 'DanglingLink');
});

test('verify --shard K/N: the shards together check every row exactly once', async () => {
  const manifest = await seed('v3');
  const totals: Record<string, number> = {};
  let rows = 0;
  for (let k = 0; k < 3; k++) {
    const r = await runCli(['verify', '--json', '--progress', 'none', '--shard', `${k}/3`, manifest], { env: h.env });
    const s = JSON.parse(r.stdout) as Summary;
    if (s.repairFile) assert.equal(s.repairFile, `${manifest}.shard-${k}-of-3.repair.csv`);
    rows += s.rows;
    for (const [o, n] of Object.entries(s.counts)) totals[o] = (totals[o] ?? 0) + n;
  }
  assert.equal(rows, 10);
  assert.deepEqual(totals, { ok: 2, NoSuchLink: 2, WrongTarget: 1, NotSymlink: 1, DanglingLink: 1, TargetIsSymlink: 1, Error: 0, BadRow: 1, Superseded: 1 });
  const bad = await runCli(['verify', '--shard', '3/3', manifest], { env: h.env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--shard takes K\/N/);
});

test('verify: wrong keys stop the run with exit 2 instead of counting every row as an error', async () => {
  const manifest = await seed('v4');
  const r = await runCli(['verify', '--progress', 'none', manifest], { env: { ...h.env, OSS_ACCESS_KEY_SECRET: 'wrong-secret-value' } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /SignatureDoesNotMatch/);
  assert.doesNotMatch(r.stdout + r.stderr, /wrong-secret-value/);
});

test('verify --help and help verify describe the outcomes and files', async () => {
  for (const args of [['verify', '--help'], ['help', 'verify']]) {
    const r = await runCli(args, { env: h.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: oss-symlink verify \[options\] MANIFEST[\s\S]*DanglingLink[\s\S]*--repair FILE[\s\S]*--dangling FILE[\s\S]*--shard K\/N/);
  }
  const usage = await runCli(['verify'], { env: h.env });
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /missing MANIFEST/);
});

test('verify a JSON Lines manifest: the repair manifest is JSON Lines that bulk takes, even under --forbid-overwrite', async () => {
  await h.client.putObject('v5/obj', 'x');
  await h.client.putObject('v5/other', 'y');
  await h.client.putSymlink('v5/wrong', 'v5/other');
  const manifest = join(h.dir, 'v5.jsonl');
  await writeFile(manifest, [
    '{"link":"v5/wrong","target":"v5/obj","forbidOverwrite":true,"meta":{"k":"v"}}',
    '{"link":"v5/missing","target":"v5/obj"}',
  ].join('\n'));
  const r = await runCli(['verify', '--json', '--progress', 'none', manifest], { env: h.env });
  assert.equal(r.code, 1, r.stderr);
  assert.equal((JSON.parse(r.stdout) as Summary).repairFile, `${manifest}.repair.jsonl`);
  const repair = (await readFile(`${manifest}.repair.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    .sort((a, b) => Number(a.row) - Number(b.row));
  assert.deepEqual(repair.map((x) => [x.row, x.error, x.link, x.target, x.forbidOverwrite]), [
    [1, 'WrongTarget', 'v5/wrong', 'v5/obj', false],
    [2, 'NoSuchLink', 'v5/missing', 'v5/obj', undefined], // as written: a missing link can be created under forbidOverwrite
  ]);
  assert.deepEqual(repair[0]!.meta, { k: 'v' });
  const fix = await runCli(['bulk', '--no-journal', '--forbid-overwrite', '--progress', 'none', `${manifest}.repair.jsonl`], { env: h.env });
  assert.equal(fix.code, 0, fix.stdout + fix.stderr);
  const again = await runCli(['verify', '--progress', 'none', manifest], { env: h.env });
  assert.equal(again.code, 0, again.stdout + again.stderr);
});

test('verify: a row bulk would refuse (an invalid key) is a bad row, checked without a request', async () => {
  const manifest = join(h.dir, 'v6.jsonl');
  await writeFile(manifest, '{"link":"/leading/slash","target":"v6/obj"}\n{"link":"v6/meta","target":"v6/obj","meta":{"bad name!":"x"}}\n');
  const from = h.server.requests.length;
  const r = await runCli(['verify', '--json', '--progress', 'none', manifest], { env: h.env });
  assert.equal(r.code, 1, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.counts.BadRow, 2);
  assert.deepEqual(s.problems.map((p) => p.outcome), ['BadRow', 'BadRow']);
  assert.equal(h.server.requests.length, from, 'nothing was sent');
});

test('verify through injected 5xx and dropped connections: retries, and exactly the same counts', async () => {
  const rows: string[] = ['link,target'];
  await h.client.putObject('v7/obj', 'x');
  for (let i = 0; i < 120; i++) {
    const kind = i % 4; // 0 ok, 1 missing link, 2 wrong target, 3 dangling
    if (kind === 0) await h.client.putSymlink(`v7/l${i}`, 'v7/obj');
    if (kind === 2) await h.client.putSymlink(`v7/l${i}`, 'v7/elsewhere');
    if (kind === 3) await h.client.putSymlink(`v7/l${i}`, `v7/gone${i}`);
    rows.push(`v7/l${i},${kind === 3 ? `v7/gone${i}` : 'v7/obj'}`);
  }
  const manifest = join(h.dir, 'v7.csv');
  await writeFile(manifest, `${rows.join('\n')}\n`);
  h.server.setFaults({ errorRate: 0.1, dropRate: 0.05, seed: 16 });
  try {
    const r = await runCli(['verify', '--json', '--progress', 'none', '--max-attempts', '10', manifest], { env: h.env });
    const s = JSON.parse(r.stdout) as Summary & { retries: number };
    assert.deepEqual(s.counts, { ok: 30, NoSuchLink: 30, WrongTarget: 30, NotSymlink: 0, DanglingLink: 30, TargetIsSymlink: 0, Error: 0, BadRow: 0, Superseded: 0 });
    assert.ok(s.retries > 5, `retries: ${s.retries}`);
  } finally {
    h.server.setFaults({});
  }
});

test('verify: Ctrl-C stops cleanly with exit 130; the files list exactly the rows counted so far', { timeout: 60_000 }, async () => {
  const n = 600;
  const manifest = join(h.dir, 'v8.csv');
  await writeFile(manifest, `link,target\n${Array.from({ length: n }, (_, i) => `v8/never/${i},v8/t`).join('\n')}\n`);
  h.server.setFaults({ latencyMs: 20 });
  try {
    const run = spawnCli(['verify', manifest, '--json', '--concurrency', '4', '--progress', 'lines', '--progress-interval', '0.05'], { env: h.env });
    await run.waitForStderr((e) => Number(/(\d+) not right, \d+ bad;[^\n]*\n?$/.exec(e)?.[1] ?? 0) >= 40);
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    const s = JSON.parse(r.stdout) as Summary & { interrupted: string };
    assert.equal(s.interrupted, 'SIGINT');
    assert.ok(s.counts.NoSuchLink! >= 40 && s.counts.NoSuchLink! < n, `checked ${s.counts.NoSuchLink}`);
    assert.equal((await readCsv(`${manifest}.repair.csv`)).length, s.counts.NoSuchLink);
  } finally {
    h.server.setFaults({});
  }
});

test('the README\'s verify example runs as written, with the output it shows', async () => {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const block = /### Checking a migration: `verify`[\s\S]*?```console\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the worked example is in the README');
  const steps: { command: string; output: string[] }[] = [];
  for (const line of block.trimEnd().split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
    else steps.at(-1)!.output.push(line);
  }
  assert.ok(steps.length >= 8);
  const dir = join(h.dir, 'readme-example');
  await mkdir(dir);
  // The example's bucket has photos/a.jpg and photos/b.jpg, and nothing under links/.
  await h.client.putObject('photos/a.jpg', 'a');
  await h.client.putObject('photos/b.jpg', 'b');
  // The manifest is what its first `cat` shows.
  assert.equal(steps[0]!.command, 'cat moves.csv');
  await writeFile(join(dir, 'moves.csv'), `${steps[0]!.output.join('\n')}\n`);
  // Timings differ from run to run; files list rows in the order their checks finish.
  const normalize = (lines: string[]) => lines.map((l) => l.replace(/\r$/, '').replace(/in [\d.]+s/, 'in Xs').replace(/\d+ links\/s/, 'N links/s')).sort();
  let status = 0;
  for (const { command, output } of steps) {
    const sh = command.replaceAll('npx oss-symlink', `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)}`).replace('$?', String(status));
    const r = await promisify(execFile)('sh', ['-c', sh], { cwd: dir, env: h.env }).then(
      (ok) => ({ code: 0, stdout: ok.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    status = r.code;
    assert.deepEqual(normalize(r.stdout.trimEnd() === '' ? [] : r.stdout.trimEnd().split('\n')), normalize(output), command);
  }
});
