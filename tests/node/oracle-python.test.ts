// Oracle: the official Python SDK (alibabacloud-oss-v2, V4 signing, path style) against the local server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer, type OssServer } from '../../server/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const oracleScript = path.join(repoRoot, 'tests/python/oracle.py');

/** Where scripts/ensure-tools.sh puts the venv (PYTHON_OSS overrides it). */
function pythonPath(): string {
  if (process.env.PYTHON_OSS) return process.env.PYTHON_OSS;
  const toolsRoot = process.env.OSS_SYMLINK_TOOLS ?? path.join(process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo'), 'oss-symlink-tools');
  return path.join(toolsRoot, 'py-venv/bin/python');
}

interface OracleRun {
  code: number | null;
  records: Array<Record<string, unknown>>;
  stderr: string;
}

// Asynchronous on purpose: the server runs in this process and must keep answering.
function runOracle(env: Record<string, string>): Promise<OracleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonPath(), [oracleScript], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const records = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, records, stderr });
    });
  });
}

const bucket = 'oracle-python';
const credentials = { accessKeyId: 'LTAIoraclePython', accessKeySecret: 'oracle-python-secret' };
let server: OssServer;

before(async () => {
  server = await startServer({ buckets: [bucket], credentials: [credentials] });
});
after(() => server.close());

const envFor = (secret: string, mode: string) => ({
  OSS_ENDPOINT: server.url, OSS_REGION: server.region, OSS_BUCKET: bucket,
  OSS_ACCESS_KEY_ID: credentials.accessKeyId, OSS_ACCESS_KEY_SECRET: secret, ORACLE_MODE: mode,
});

test('the Python SDK is installed', () => {
  assert.ok(existsSync(pythonPath()),
    `${pythonPath()} is missing: run scripts/ensure-tools.sh python (it creates the venv with alibabacloud-oss-v2)`);
});

test('put_object, put_symlink, get_symlink and get_object through the link all succeed', async () => {
  const run = await runOracle(envFor(credentials.accessKeySecret, 'ok'));
  assert.equal(run.code, 0, JSON.stringify(run.records, null, 1) + run.stderr);
  const steps = new Map(run.records.filter((r) => r.step).map((r) => [r.step, r]));
  for (const step of ['put_object', 'put_symlink', 'get_symlink', 'get_object_through_link', 'head_object_through_link', 'put_symlink_forbid_overwrite_again']) {
    assert.equal(steps.get(step)?.ok, true, `${step}: ${JSON.stringify(steps.get(step))}`);
  }
  assert.equal(steps.get('get_symlink')?.target, 'oracle/数据 😀+%.txt');
  assert.equal(steps.get('get_object_through_link')?.body, 'hello from the python oracle');
  assert.equal(steps.get('put_symlink_forbid_overwrite_again')?.error_code, 'FileAlreadyExists');

  // What the SDK actually sent: V4, path style, every PutSymlink header.
  const putSymlink = server.requests.find((r) => r.method === 'PUT' && r.url.includes('?symlink'));
  assert.ok(putSymlink, 'PutSymlink request seen');
  assert.match(String(putSymlink.headers.authorization), /^OSS4-HMAC-SHA256 Credential=LTAIoraclePython\/\d{8}\/cn-hangzhou\/oss\/aliyun_v4_request,/);
  assert.ok(putSymlink.url.startsWith(`/${bucket}/`), putSymlink.url);
  assert.equal(putSymlink.headers['x-oss-forbid-overwrite'], 'true');
  assert.equal(putSymlink.headers['x-oss-meta-origin'], 'python-oracle');
  assert.equal(putSymlink.headers['x-oss-tagging'], 'k1=v1&k2=v%202');
});

test('the same calls with a wrong secret fail with SignatureDoesNotMatch', async () => {
  const run = await runOracle(envFor('not-the-secret', 'wrong-secret'));
  assert.equal(run.code, 0, JSON.stringify(run.records, null, 1) + run.stderr);
  const steps = run.records.filter((r) => r.step);
  assert.equal(steps.length, 5);
  for (const record of steps) assert.equal(record.error_code, 'SignatureDoesNotMatch', JSON.stringify(record));
});
