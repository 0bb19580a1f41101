// The `serve` command: argument parsing, the banner, keys from the environment, clean shutdown.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseServeArgs } from '../../server/serve-command.js';

const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/main.js');

test('parses every option, repeatable buckets and defaults', () => {
  const parsed = parseServeArgs(['--port', '0', '--host=::1', '--bucket', 'one', '--bucket', 'two', '--versioned', 'three', '--data', '/tmp/x', '--sts', '--region', 'cn-beijing', '--log']);
  assert.deepEqual(parsed.options, {
    port: 0, host: '::1', buckets: ['one', 'two'], versioned: ['three'], dataDir: '/tmp/x', stsEndpoint: true, region: 'cn-beijing',
  });
  assert.equal(parsed.logRequests, true);
  const defaults = parseServeArgs([]);
  assert.equal(defaults.options.port, 9000);
  assert.deepEqual(defaults.options.buckets, ['examplebucket']);
  assert.throws(() => parseServeArgs(['--nope']), /unknown option --nope/);
  assert.throws(() => parseServeArgs(['--port']), /--port needs a value/);
  assert.throws(() => parseServeArgs(['--port', '70000']), /--port/);
});

function runUntilBanner(env: NodeJS.ProcessEnv, signal: NodeJS.Signals): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, '--port', '0', '--versioned', 'demo-bucket'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!sent && out.includes('Ctrl+C')) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

test('prints the endpoint and the development key pair, and stops cleanly on SIGINT', async () => {
  const env = { ...process.env };
  delete env.OSS_ACCESS_KEY_ID;
  delete env.OSS_ACCESS_KEY_SECRET;
  const { code, out } = await runUntilBanner(env, 'SIGINT');
  assert.equal(code, 0, out);
  assert.match(out, /listening on http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /demo-bucket \(versioned\)/);
  assert.match(out, /OSS_ACCESS_KEY_SECRET=\S+/);
  assert.match(out, /SIGINT: closing the server/);
});

test('uses the key pair from the environment without printing the secret, and stops on SIGTERM', async () => {
  const { code, out } = await runUntilBanner({ ...process.env, OSS_ACCESS_KEY_ID: 'LTAIfromEnv', OSS_ACCESS_KEY_SECRET: 'env-secret' }, 'SIGTERM');
  assert.equal(code, 0, out);
  assert.match(out, /LTAIfromEnv/);
  assert.doesNotMatch(out, /env-secret/);
});
