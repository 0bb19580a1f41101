/** Runs the built CLI (`node dist/cli/main.js`) as a subprocess against an in-process local server. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OssClient } from '../../../ts/node.js';
import { startServer, type OssServer, type ServerOptions } from '../../../server/index.js';
import { repoRoot } from './paths.js';

export const cliPath = join(repoRoot, 'dist', 'cli', 'main.js');

export const KEYS = { accessKeyId: 'LTAI-cli-test-id', accessKeySecret: 'cli-test-SECRET-do-not-print-7f3a9c' };
export const BUCKET = 'demo';
export const REGION = 'cn-hangzhou';

export interface Harness {
  server: OssServer;
  /** Environment for the CLI: the usual OSS_* variables, nothing inherited from the caller's OSS_*. */
  env: NodeJS.ProcessEnv;
  client: OssClient;
  dir: string;
  close(): Promise<void>;
}

export async function startHarness(options: ServerOptions = {}): Promise<Harness> {
  const server = await startServer({ port: 0, buckets: [BUCKET], credentials: [KEYS], requestLogSize: 200_000, ...options });
  const dir = await mkdtemp(join(tmpdir(), 'oss-symlink-cli-'));
  const env = cliEnv({
    OSS_ACCESS_KEY_ID: KEYS.accessKeyId,
    OSS_ACCESS_KEY_SECRET: KEYS.accessKeySecret,
    OSS_REGION: REGION,
    OSS_BUCKET: BUCKET,
    OSS_ENDPOINT: server.url,
  });
  const client = new OssClient({ region: REGION, bucket: BUCKET, endpoint: server.url, credentials: KEYS, retry: { maxAttempts: 6, baseDelayMs: 5 } });
  return {
    server, env, client, dir,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** process.env without any OSS_* variable, plus `extra`. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OSS_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
}

export interface RunningCli {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once `predicate(stderr)` holds (checked on each stderr chunk). */
  waitForStderr(predicate: (stderr: string) => boolean, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts the CLI without blocking this process's event loop (the server lives here). */
export function spawnCli(args: string[], options: RunOptions = {}): RunningCli {
  const child = spawn(process.execPath, [cliPath, ...args], { env: options.env ?? cliEnv(), cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const w of watchers) w();
  });
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    waitForStderr(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(stderr)) return;
          watchers.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`timed out waiting for the CLI; stderr so far:\n${stderr}`));
        }, timeoutMs);
        watchers.add(check);
        void done.then(() => {
          if (!watchers.has(check)) return;
          watchers.delete(check);
          clearTimeout(timer);
          if (predicate(stderr)) resolve();
          else reject(new Error(`the CLI ended before the expected output; stderr:\n${stderr}`));
        });
        check();
      });
    },
    done,
  };
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).done;
}

/** A CSV field, quoted when needed (RFC 4180). */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The PutSymlink requests the server received, per key (decoded), in order. */
export function putSymlinkRequests(server: OssServer, from = 0): Map<string, { headers: Record<string, string | string[] | undefined> }[]> {
  const out = new Map<string, { headers: Record<string, string | string[] | undefined> }[]>();
  for (const r of server.requests.slice(from)) {
    if (r.method !== 'PUT') continue;
    const [path, query = ''] = r.url.split('?');
    if (!query.split('&').includes('symlink')) continue;
    const key = decodeURIComponent(path!.slice(`/${BUCKET}/`.length));
    const list = out.get(key) ?? [];
    list.push({ headers: r.headers });
    out.set(key, list);
  }
  return out;
}

/**
 * Keys the journal (journal.ts) has as done: rows before its checkpoint that it does not keep as
 * failed, and rows after it listed as done. `rows` are the manifest's rows (readManifest).
 */
export function journalDoneLinks(text: string, rows: { offset: number; key?: string }[]): string[] {
  let before = 0;
  let doneAfter: number[] = [];
  const kept = new Set<number>();
  for (const line of text.split('\n').slice(1)) {
    try {
      const entry = JSON.parse(line) as { c?: { before: number }; d?: number[]; k?: { offset: number }[]; r?: number[] };
      if (entry.c) before = entry.c.before;
      doneAfter = entry.d ?? [];
      for (const k of entry.k ?? []) kept.add(k.offset);
      for (const r of entry.r ?? []) kept.delete(r);
    } catch {
      // torn or empty line
    }
  }
  const after = new Set(doneAfter);
  return rows.filter((r) => (r.offset < before && !kept.has(r.offset)) || after.has(r.offset)).map((r) => r.key!);
}

/** Parses the last progress line printed in plain mode: "progress: P% of the manifest, N rows: D linked, ...". */
export function lastLinkedCount(stderr: string): number {
  const all = [...stderr.matchAll(/progress: (?:\d+% of the manifest, )?\d+ rows: (\d+) linked/g)];
  return all.length > 0 ? Number(all.at(-1)![1]) : 0;
}
