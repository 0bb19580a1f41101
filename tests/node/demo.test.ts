// `npm start` runs examples/demo.ts; here it runs with --once and its walkthrough is checked.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from './helpers/paths.js';

test('the npm start walkthrough creates, reads and protects symlinks on the local server', async () => {
  const env = { ...process.env };
  for (const k of ['OSS_REGION', 'OSS_BUCKET', 'OSS_ACCESS_KEY_ID', 'OSS_ACCESS_KEY_SECRET', 'OSS_ENDPOINT']) delete env[k];
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'dist/examples/demo.js'), '--once'], { env, timeout: 60_000 });
  assert.match(stdout, /local OSS-compatible server at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(stdout, /links\/today\.jpg target "photos\/2026\/原图 1\.jpg"/);
  assert.match(stdout, /content through the link: "a photo, pretend these are JPEG bytes"/);
  assert.match(stdout, /409 FileAlreadyExists/);
  assert.match(stdout, /InvalidObjectName \(field key\)/);
  assert.match(stdout, /read v1\s+a\.txt/);
  assert.match(stdout, /read latest\s+b\.txt/);
  assert.match(stdout, /used by fetch\s+200 → photos\/2026\/原图 1\.jpg/);
});
