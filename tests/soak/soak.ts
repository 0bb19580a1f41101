/**
 * Soak: many symlinks created through OssClient against the local server with injected faults
 * (5xx, dropped connections, answers lost after the write) and a crash (SIGKILL) and restart of
 * the server with durable storage in the middle. Afterwards every link is read back and must point
 * to its intended target. `npm test` runs a short version; `npm run soak` the full one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OssClient, OssError } from '../../ts/node.js';
import { DEV_CREDENTIALS } from '../../server/index.js';

export interface SoakOptions {
  count: number;
  concurrency?: number;
  /** Share of requests that meet an injected fault. */
  faultRate?: number;
  /** Kill and restart the server once this many links are done. */
  restartAt?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  count: number;
  created: number;
  alreadyExisted: number;
  failed: number;
  lost: number;
  wrong: number;
  retries: number;
  retriesByCode: Record<string, number>;
  injectedFaults: { error: number; drop: number; lostAnswer: number };
  restarts: number;
  seconds: number;
}

const here = dirname(fileURLToPath(import.meta.url));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Child { proc: ChildProcess; faults: SoakResult['injectedFaults'] }

function startChild(port: number, dataDir: string, faultRate: number, seed: number): Promise<Child> {
  const proc = spawn(process.execPath, [join(here, 'server-child.js'), String(port), dataDir, String(faultRate), String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const child: Child = { proc, faults: { error: 0, drop: 0, lostAnswer: 0 } };
  return new Promise((resolve, reject) => {
    let buffer = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('ready ')) resolve(child);
        if (line.startsWith('stats ')) child.faults = JSON.parse(line.slice(6)) as Child['faults'];
      }
    });
    proc.once('exit', (code) => reject(new Error(`server child exited (${code}) before it was ready`)));
  });
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { count, concurrency = 32, faultRate = 0.1, seed = 1, log = () => {} } = options;
  const restartAt = options.restartAt ?? Math.floor(count / 2);
  const dataDir = mkdtempSync(join(tmpdir(), 'oss-symlink-soak-'));
  const port = await freePort();
  const started = Date.now();
  const totals = { error: 0, drop: 0, lostAnswer: 0 };
  let child = await startChild(port, dataDir, faultRate, seed);
  const retriesByCode: Record<string, number> = {};
  const client = new OssClient({
    region: 'cn-hangzhou', bucket: 'soak', endpoint: `http://127.0.0.1:${port}`, credentials: DEV_CREDENTIALS,
    // Enough attempts to ride out the restart as well as the faults.
    retry: { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 1000 },
    onRetry: ({ error }) => { const code = (error as OssError).code; retriesByCode[code] = (retriesByCode[code] ?? 0) + 1; },
  });
  const target = (i: number) => `targets/${i % 7 === 0 ? '原图' : 'file'} ${i}.jpg`;
  const link = (i: number) => `links/${i}/链接.jpg`;
  let next = 0;
  let done = 0;
  let restarts = 0;
  let restarting: Promise<void> | undefined;
  const result = { created: 0, alreadyExisted: 0, failed: 0 };
  const failures: string[] = [];

  async function restart(): Promise<void> {
    log(`killing the server (SIGKILL) after ${done} links, then restarting it on the same data`);
    const before = child.faults;
    child.proc.kill('SIGKILL');
    await new Promise((r) => child.proc.once('exit', r));
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += before[k];
    child = await startChild(port, dataDir, faultRate, seed + 1);
    restarts++;
  }

  async function worker(): Promise<void> {
    while (next < count) {
      const i = next++;
      try {
        // Half of the links forbid overwriting, so a lost answer meets FileAlreadyExists on retry.
        const r = await client.putSymlink(link(i), target(i), { forbidOverwrite: i % 2 === 0 });
        if (r.createdByEarlierAttempt) result.alreadyExisted++;
        else result.created++;
      } catch (e) {
        result.failed++;
        failures.push(`${link(i)}: ${e instanceof OssError ? e.code : String(e)}`);
      }
      done++;
      if (done === restartAt && !restarting) restarting = restart();
      if (done % 1000 === 0) log(`${done}/${count} links`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  await restarting;

  // Read everything back, with faults still on (the client's retries handle them).
  let lost = 0;
  const lostKeys: string[] = [];
  let wrong = 0;
  for (let i = 0; i < count; i += 1) {
    try {
      const s = await client.getSymlink(link(i));
      if (s.target !== target(i)) wrong++;
    } catch (e) {
      if (e instanceof OssError && e.code === 'NoSuchKey') { lost++; lostKeys.push(link(i)); }
      else throw e;
    }
  }
  child.proc.kill('SIGTERM');
  await new Promise((r) => child.proc.once('exit', r));
  for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += child.faults[k];
  rmSync(dataDir, { recursive: true, force: true });
  if (failures.length) log(`failed rows: ${failures.slice(0, 10).join('; ')}`);
  if (lostKeys.length) log(`lost links: ${lostKeys.slice(0, 10).join('; ')}`);
  const retries = Object.values(retriesByCode).reduce((a, b) => a + b, 0);
  return { count, ...result, lost, wrong, retries, retriesByCode, injectedFaults: totals, restarts, seconds: (Date.now() - started) / 1000 };
}

// As a script: node dist/tests/soak/soak.js [COUNT]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv[2] ?? 10_000);
  const r = await runSoak({ count, log: (l) => console.log(l) });
  console.log(JSON.stringify(r, null, 2));
  process.exit(r.lost === 0 && r.wrong === 0 && r.failed === 0 ? 0 : 1);
}
