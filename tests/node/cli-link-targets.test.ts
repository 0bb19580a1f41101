// The command line for links that work (issue 16): ln/bulk --require-target and
// readlink --check-target, against the local server.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { putSymlinkRequests, runCli, startHarness, type Harness } from './helpers/cli-harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
  await h.client.putObject('t/object', 'x');
  await h.client.putSymlink('t/link', 't/object');
});
after(() => h.close());

describe('ln --require-target', () => {
  test('a missing target: exit 1, SymlinkTargetNotFound, no PutSymlink sent', async () => {
    const from = h.server.requests.length;
    const r = await runCli(['ln', '--require-target', 't/nothing', 'l/missing'], { env: h.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /SymlinkTargetNotFound/);
    assert.match(r.stderr, /hint: create the target first/);
    assert.equal(putSymlinkRequests(h.server, from).size, 0);
    const json = await runCli(['ln', '--require-target', '--json', 't/link', 'l/to-link'], { env: h.env });
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'SymlinkTargetIsSymlink');
    assert.equal(putSymlinkRequests(h.server, from).size, 0);
  });

  test('an existing target: the link is written', async () => {
    const r = await runCli(['ln', '--require-target', 't/object', 'l/good'], { env: h.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await h.client.getObject('l/good')).text(), 'x');
  });
});

describe('readlink --check-target', () => {
  test('exit 0 for a working link, 1 with a note for a dangling one or a link to a link', async () => {
    await h.client.putSymlink('r/dangling', 'r/gone');
    await h.client.putSymlink('r/to-link', 't/link');
    const good = await runCli(['readlink', '--check-target', 't/link'], { env: h.env });
    assert.deepEqual([good.code, good.stdout, good.stderr], [0, 't/object\n', '']);
    const dangling = await runCli(['readlink', '--check-target', 'r/dangling'], { env: h.env });
    assert.equal(dangling.code, 1);
    assert.equal(dangling.stdout, 'r/gone\n');
    assert.match(dangling.stderr, /target does not exist/);
    const json = await runCli(['readlink', '--check-target', '--json', 'r/to-link'], { env: h.env });
    assert.equal(json.code, 1);
    const info = JSON.parse(json.stdout) as { ok: boolean; target: string; targetState: string; targetExists: boolean };
    assert.deepEqual([info.ok, info.target, info.targetState, info.targetExists], [false, 't/link', 'symlink', false]);
    // Without the flag: no HEAD, and a dangling link reads fine.
    const from = h.server.requests.length;
    const plain = await runCli(['readlink', 'r/dangling'], { env: h.env });
    assert.equal(plain.code, 0);
    assert.deepEqual(h.server.requests.slice(from).map((q) => q.method), ['GET']);
  });
});

describe('bulk --require-target', () => {
  test('rows with a missing or symlink target fail unwritten and go to the failed-rows file', async () => {
    const manifest = join(h.dir, 'require.csv');
    await writeFile(manifest, 'link,target\nb/good,t/object\nb/missing,t/nothing\nb/to-link,t/link\n');
    const from = h.server.requests.length;
    const r = await runCli(['bulk', '--require-target', '--no-journal', '--progress', 'none', '--json', manifest], { env: h.env });
    assert.equal(r.code, 1, r.stderr);
    const summary = JSON.parse(r.stdout) as { linked: number; failed: number; failures: { link: string; code: string }[] };
    assert.equal(summary.linked, 1);
    assert.equal(summary.failed, 2);
    assert.deepEqual(summary.failures.map((f) => [f.link, f.code]), [['b/missing', 'SymlinkTargetNotFound'], ['b/to-link', 'SymlinkTargetIsSymlink']]);
    assert.deepEqual([...putSymlinkRequests(h.server, from).keys()], ['b/good']);
    const heads = h.server.requests.slice(from).filter((q) => q.method === 'HEAD').length;
    assert.equal(heads, 3, 'one HEAD per row');
  });
});
