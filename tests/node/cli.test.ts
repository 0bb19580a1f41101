// The command line: ln and readlink against the local server, usage errors, help, secrets, and the
// manifest parser (RFC 4180 CSV and JSON Lines).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { csvRecords, manifestRows, parseCsvRecord, type ManifestItem } from '../../cli/manifest.js';
import { KEYS, cliEnv, runCli, startHarness, type CliResult, type Harness } from './helpers/cli-harness.js';

let h: Harness;
before(async () => { h = await startHarness(); });
after(() => h.close());

/** No stack trace, no Node internals: a user mistake gets a message. */
function assertNoStack(r: CliResult): void {
  assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, r.stderr);
  assert.doesNotMatch(r.stderr, /node:internal|Error: .*\n\s+at /, r.stderr);
}

describe('ln and readlink', () => {
  test('round trip with Chinese and emoji names, metadata and tags', async () => {
    const link = 'links/今天 😀, "quoted".jpg';
    const target = 'photos/2026/原图 1 🎉.jpg';
    const ln = await runCli(['ln', target, link, '--meta', 'location=hz', '--meta', 'camera=x100', '--tag', 'team=web', '--acl', 'private', '--storage-class', 'Standard'], { env: h.env });
    assert.equal(ln.code, 0, ln.stderr);
    assert.equal(ln.stdout, `${link} -> ${target}\n`);

    const read = await runCli(['readlink', link], { env: h.env });
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout, `${target}\n`);

    const json = await runCli(['readlink', '--json', link], { env: h.env });
    assert.equal(json.code, 0, json.stderr);
    const info = JSON.parse(json.stdout) as { ok: boolean; target: string; meta: Record<string, string>; etag: string; lastModified: string };
    assert.equal(info.ok, true);
    assert.equal(info.target, target);
    assert.deepEqual(info.meta, { location: 'hz', camera: 'x100' });
    assert.match(info.etag, /^"[0-9A-F]{32}"$/);
    assert.ok(!Number.isNaN(Date.parse(info.lastModified)));

    // What the server holds, read with the library, and what was sent.
    const got = await h.client.getSymlink(link);
    assert.equal(got.target, target);
    const put = h.server.requests.filter((r) => r.method === 'PUT').at(-1)!;
    assert.equal(put.headers['x-oss-tagging'], 'team=web');
    assert.equal(put.headers['x-oss-object-acl'], 'private');
  });

  test('ln --json reports the result; a key that starts with "-" goes after --', async () => {
    const r = await runCli(['ln', '--json', '--', '-target', '-link'], { env: h.env });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { ok: boolean; link: string; target: string; etag: string; requestId: string; attempts: number };
    assert.equal(out.ok, true);
    assert.equal(out.link, '-link');
    assert.equal(out.target, '-target');
    assert.match(out.requestId, /^[0-9A-F]{24}$/);
    assert.equal(out.attempts, 1);
    assert.equal((await h.client.getSymlink('-link')).target, '-target');
  });

  test('flags win over the environment', async () => {
    await h.server.createBucket('other');
    const r = await runCli(['ln', '--bucket', 'other', 't', 'in-other'], { env: h.env });
    assert.equal(r.code, 0, r.stderr);
    const other = await runCli(['readlink', '--bucket', 'other', 'in-other'], { env: h.env });
    assert.equal(other.stdout, 't\n');
    const demo = await runCli(['readlink', 'in-other'], { env: h.env });
    assert.equal(demo.code, 1);
    assert.match(demo.stderr, /NoSuchKey \(404\)/);
  });

  test('--forbid-overwrite on an existing link fails with exit 1 and FileAlreadyExists', async () => {
    assert.equal((await runCli(['ln', 'a', 'exists'], { env: h.env })).code, 0);
    const r = await runCli(['ln', '--forbid-overwrite', 'b', 'exists'], { env: h.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /FileAlreadyExists \(409\)/);
    assert.match(r.stderr, /hint: /);
    assertNoStack(r);
    assert.equal((await h.client.getSymlink('exists')).target, 'a');

    const json = await runCli(['ln', '--json', '--forbid-overwrite', 'b', 'exists'], { env: h.env });
    assert.equal(json.code, 1);
    const out = JSON.parse(json.stdout) as { ok: boolean; error: { code: string; status: number } };
    assert.deepEqual([out.ok, out.error.code, out.error.status], [false, 'FileAlreadyExists', 409]);
  });

  test('readlink of a missing key or a plain object exits 1 with the OSS code', async () => {
    const missing = await runCli(['readlink', 'no/such/link'], { env: h.env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^oss-symlink readlink: NoSuchKey \(404\)/);
    await h.client.putObject('plain.txt', 'hello');
    const plain = await runCli(['readlink', 'plain.txt'], { env: h.env });
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /NotSymlink/);
    assertNoStack(plain);
  });

  test('wrong keys or bucket are configuration errors: exit 2 with what to check', async () => {
    const secret = await runCli(['ln', 't', 'l'], { env: { ...h.env, OSS_ACCESS_KEY_SECRET: 'not-the-right-secret' } });
    assert.equal(secret.code, 2);
    assert.match(secret.stderr, /SignatureDoesNotMatch \(403\)/);
    assert.match(secret.stderr, /check OSS_ACCESS_KEY_SECRET/);
    const bucket = await runCli(['ln', '--bucket', 'nosuchbucket', 't', 'l'], { env: h.env });
    assert.equal(bucket.code, 2);
    assert.match(bucket.stderr, /NoSuchBucket/);
    const network = await runCli(['readlink', '--endpoint', 'http://127.0.0.1:1', '--max-attempts', '1', 'l'], { env: h.env });
    assert.equal(network.code, 1);
    assert.match(network.stderr, /NetworkError/);
    for (const r of [secret, bucket, network]) assertNoStack(r);
  });
});

describe('usage errors exit 2 with a helpful message', { concurrency: 4 }, () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /Usage: oss-symlink <command>/],
    ['unknown command', ['cp', 'a', 'b'], /unknown command 'cp': commands are ln, readlink, bulk, verify, serve/],
    ['unknown option', ['ln', '--colour', 'a', 'b'], /unknown option '--colour'/],
    ['ln with one argument', ['ln', 'only-target'], /expected TARGET and LINK/],
    ['readlink with two arguments', ['readlink', 'a', 'b'], /expected one LINK/],
    ['bad --meta', ['ln', '--meta', 'novalue', 'a', 'b'], /--meta takes NAME=VALUE \(got 'novalue'\)/],
    ['bad metadata name', ['ln', '--meta', 'bad name=1', 'a', 'b'], /InvalidMetadata/],
    ['bad --acl', ['ln', '--acl', 'world', 'a', 'b'], /acl must be one of: default, private, public-read, public-read-write/],
    ['invalid key', ['ln', 'target', '/starts-with-slash'], /key: InvalidObjectName/],
    ['bad --addressing', ['ln', '--addressing', 'weird', 'a', 'b'], /--addressing must be one of virtual-hosted, path, cname/],
    ['bad --concurrency', ['bulk', '--concurrency', '0', 'm.csv'], /--concurrency must be a whole number from 1 to 1000/],
    ['bulk without manifest', ['bulk'], /missing MANIFEST/],
    ['missing manifest file', ['bulk', 'does-not-exist.csv'], /cannot read the manifest does-not-exist.csv: no such file/],
    ['bad --format', ['bulk', '--format', 'xml', 'm.csv'], /--format must be csv or jsonl/],
    ['--journal with --no-journal', ['bulk', '--journal', 'j', '--no-journal', 'm.csv'], /contradict/],
  ];
  for (const [name, args, pattern] of cases) {
    test(name, async () => {
      const r = await runCli(args, { env: h.env, cwd: h.dir });
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
      assertNoStack(r);
    });
  }

  test('missing configuration names every variable to set', async () => {
    const r = await runCli(['ln', 'a', 'b'], { env: cliEnv() });
    assert.equal(r.code, 2);
    for (const what of ['OSS_REGION', 'OSS_BUCKET', 'OSS_ACCESS_KEY_ID', 'OSS_ACCESS_KEY_SECRET']) assert.match(r.stderr, new RegExp(what));
    assert.match(r.stderr, /Run 'oss-symlink ln --help' for usage/);
  });

  test('a CSV manifest without a header, or with an unknown column, is a usage error', async () => {
    const noHeader = join(h.dir, 'no-header.csv');
    await writeFile(noHeader, 'a.jpg,b.jpg\n');
    const r1 = await runCli(['bulk', noHeader], { env: h.env });
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /the first line must be a header naming the columns, e.g. link,target/);
    const unknown = join(h.dir, 'unknown.csv');
    await writeFile(unknown, 'link,target,colour\na,b,red\n');
    const r2 = await runCli(['bulk', unknown], { env: h.env });
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /unknown column "colour"/);
    assert.equal(h.server.requests.filter((r) => r.method === 'PUT' && r.url.includes('/a?')).length, 0);
  });

  test('--json usage errors are JSON on stdout too', async () => {
    const r = await runCli(['readlink', '--json'], { env: h.env });
    assert.equal(r.code, 2);
    assert.deepEqual(JSON.parse(r.stdout), { ok: false, error: { code: 'UsageError', message: 'expected one LINK (got 0 arguments)' }, exitCode: 2 });
  });
});

describe('help', { concurrency: 4 }, () => {
  for (const [args, pattern] of [
    [['--help'], /^Usage: oss-symlink <command>/],
    [['help', 'bulk'], /^Usage: oss-symlink bulk/],
    [['ln', '--help'], /^Usage: oss-symlink ln \[options\] TARGET LINK/],
    [['readlink', '-h'], /^Usage: oss-symlink readlink/],
    [['bulk', '--help'], /--concurrency N[\s\S]*--journal FILE[\s\S]*--failed FILE/],
    [['serve', '--help'], /^Usage: oss-symlink serve/],
  ] as [string[], RegExp][]) {
    test(args.join(' '), async () => {
      const r = await runCli(args, { env: cliEnv() });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, pattern);
    });
  }
});

test('a secret given in the environment never appears in any output or file', async () => {
  const token = 'STS-token-never-print-5d1e2b';
  const wrong = 'wrong-secret-never-print-81c4';
  const manifest = join(h.dir, 'secrets.csv');
  await writeFile(manifest, 'link,target\nsec/1,t1\n/bad,t2\n');
  const runs: CliResult[] = [
    await runCli(['ln', 't', 'sec/ok'], { env: h.env }),
    await runCli(['ln', '--json', 't', 'sec/ok2'], { env: h.env }),
    await runCli(['readlink', '--json', 'sec/ok'], { env: h.env }),
    await runCli(['ln', 't', 'sec/x'], { env: { ...h.env, OSS_ACCESS_KEY_SECRET: wrong } }),
    await runCli(['ln', '--json', 't', 'sec/x'], { env: { ...h.env, OSS_SESSION_TOKEN: token } }),
    await runCli(['bulk', '--json', manifest], { env: h.env }),
    await runCli(['bulk', '--no-journal', manifest], { env: { ...h.env, OSS_ACCESS_KEY_SECRET: wrong, OSS_SESSION_TOKEN: token } }),
    await runCli(['ln', '--endpoint', 'http://127.0.0.1:1', '--max-attempts', '1', 't', 'x'], { env: { ...h.env, OSS_SESSION_TOKEN: token } }),
    await runCli(['ln', '--region', 'cn-shanghai', 't', 'x'], { env: { ...h.env, OSS_SESSION_TOKEN: token } }),
  ];
  assert.equal(runs[0]!.code, 0, runs[0]!.stderr);
  assert.equal(runs[3]!.code, 2, runs[3]!.stderr);
  assert.equal(runs[5]!.code, 1, runs[5]!.stderr);
  const files = await Promise.all([`${manifest}.journal`, `${manifest}.failed.csv`].map((f) => readFile(f, 'utf8')));
  for (const text of [...runs.flatMap((r) => [r.stdout, r.stderr]), ...files]) {
    for (const secret of [KEYS.accessKeySecret, wrong, token]) assert.ok(!text.includes(secret), `secret printed in: ${text}`);
  }
});

describe('manifest parsing', () => {
  async function* chunked(text: string, size: number): AsyncGenerator<string> {
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  }
  async function records(text: string, size = 1 << 16) {
    const out: unknown[] = [];
    for await (const r of csvRecords(chunked(text, size))) out.push('error' in r ? { line: r.line, error: true } : r);
    return out;
  }

  test('RFC 4180: quotes, doubled quotes, commas and line breaks in fields, CRLF, no final newline', async () => {
    const text = 'link,target\r\n"a,b","say ""hi"""\r\n"two\r\nlines",x\r\n中文,😀\r\n"",\r\nlast,row';
    const expected = [
      { line: 1, fields: ['link', 'target'] },
      { line: 2, fields: ['a,b', 'say "hi"'] },
      { line: 3, fields: ['two\r\nlines', 'x'] },
      { line: 5, fields: ['中文', '😀'] },
      { line: 6, fields: ['', ''] },
      { line: 7, fields: ['last', 'row'] },
    ];
    // Any chunking gives the same records, including splits inside quotes, CRLF and surrogate pairs.
    for (const size of [1, 2, 3, 7, 1 << 16]) assert.deepEqual(await records(text, size), expected, `chunks of ${size}`);
  });

  test('syntax errors are reported on their line and parsing goes on', async () => {
    const text = 'link,target\nok,1\nbad"quote,2\n"closed"x,3\n\n"never closed,4\nafter,5\n';
    for (const size of [1, 5, 1 << 16]) {
      assert.deepEqual(await records(text, size), [
        { line: 1, fields: ['link', 'target'] },
        { line: 2, fields: ['ok', '1'] },
        { line: 3, error: true },
        { line: 4, error: true },
        { line: 6, error: true },
        { line: 7, fields: ['after', '5'] },
      ], `chunks of ${size}`);
    }
  });

  test('parseCsvRecord asks for more text rather than guessing at a chunk end', () => {
    assert.deepEqual(parseCsvRecord('"a""', 0, false), { kind: 'incomplete' });
    assert.deepEqual(parseCsvRecord('"a"', 0, false), { kind: 'incomplete' });
    assert.deepEqual(parseCsvRecord('"a"', 0, true), { kind: 'record', fields: ['a'], next: 3 });
    assert.deepEqual(parseCsvRecord('a,b\r', 0, false), { kind: 'incomplete' });
    assert.deepEqual(parseCsvRecord('a,b\r\nc', 0, false), { kind: 'record', fields: ['a', 'b'], next: 5 });
  });

  async function rows(text: string, name = 'm.csv'): Promise<ManifestItem[]> {
    const out: ManifestItem[] = [];
    // Offsets and raw text have tests of their own (manifest.test.ts).
    for await (const { offset: _offset, raw: _raw, ...r } of manifestRows(chunked(text, 3), name)) out.push(r as ManifestItem);
    return out;
  }

  test('CSV rows: options, meta and tags as k=v;k=v or JSON, BOM, extra columns of the failed file', async () => {
    const text = '\uFEFFrow,link,Target,forbid_overwrite,acl,storage-class,meta,tags,error,message\n'
      + '9,a,b,TRUE,private,IA,"x=1; y = 2",t=v,Oops,ignored\n'
      + '10,c,d,,,,"{""k"":""v;w""}",\n'
      + '11,e,f,maybe\n'
      + '12,g,h,,,,novalue\n'
      + '13,i,j,k,l,m,n,o,p,q,r\n';
    assert.deepEqual(await rows(text), [
      { line: 2, key: 'a', target: 'b', forbidOverwrite: true, acl: 'private', storageClass: 'IA', meta: { x: '1', y: '2' }, tags: { t: 'v' } },
      { line: 3, key: 'c', target: 'd', meta: { k: 'v;w' } },
      { line: 4, key: 'e', code: 'InvalidOption', error: 'forbidOverwrite must be true or false (got "maybe")', cells: { link: 'e', target: 'f', forbidOverwrite: 'maybe' } },
      { line: 5, key: 'g', code: 'InvalidOption', error: 'meta must be NAME=VALUE;NAME=VALUE or a JSON object (got "novalue")', cells: { link: 'g', target: 'h', meta: 'novalue' } },
      { line: 6, key: 'i', code: 'UnparsableRow', error: '11 fields but the header has 10 (put a field that contains a comma in double quotes)' },
    ]);
  });

  test('JSON Lines rows, guessed from the content', async () => {
    const text = '{"link":"a","target":"b","meta":{"n":1},"tags":{"t":"v"},"forbidOverwrite":false}\r\n\n'
      + 'not json\n["array"]\n{"target":"x"}\n{"link":"k","target":"t","extra":1}\n{"link":" spaced ","target":"t"}';
    assert.deepEqual(await rows(text, 'manifest.txt'), [
      { line: 1, key: 'a', target: 'b', forbidOverwrite: false, meta: { n: '1' }, tags: { t: 'v' } },
      { line: 3, code: 'UnparsableRow', error: (() => { try { JSON.parse('not json'); } catch (e) { return `not valid JSON: ${(e as Error).message}`; } return ''; })() },
      { line: 4, code: 'UnparsableRow', error: 'each line must be a JSON object {"link": ..., "target": ...}' },
      { line: 5, code: 'MissingLink', error: 'the link is missing', cells: { target: 'x' } },
      { line: 6, key: 'k', code: 'InvalidOption', error: 'unknown field "extra"; fields are link, target, forbidOverwrite, acl, storageClass, meta, tags' },
      { line: 7, key: ' spaced ', target: 't' },
    ]);
  });

  test('an empty CSV manifest is a usage error', async () => {
    await assert.rejects(rows(''), /is empty: expected a header row/);
    assert.ok(!((await rows('link,target\n')).length));
  });
});

