/**
 * Bulk at scale (issue 14): `oss-symlink bulk` as a user runs it, on generated manifests of 1M and
 * 10M rows, against the local server in a child process (bulk-scale-server.ts).
 *
 * - 1M rows, real run, with the journal and with --no-journal: client peak RSS, time from spawn to
 *   the first request the server answers, rows/s (ratio with/without journal), journal size.
 * - 10M rows, --check (a dry run: every row read and checked, nothing sent): client peak RSS.
 * - 10M rows where every link is listed 100 times in a row (so 100k links are sent and 9.9M rows
 *   superseded within the window): a real run killed with SIGKILL past 60% of the manifest, then
 *   rerun: time from spawn to the rerun's first request, rows redone, and that every link is
 *   linked in the end.
 */
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, repoRoot } from './common.js';
import { BUCKET, CREDENTIALS, REGION } from './request.js';

export interface BulkScaleResult {
  rows: { small: number; large: number };
  small: {
    peakRssMb: number; firstRequestMs: number; perSecJournal: number; perSecNoJournal: number;
    /** Client CPU (user + system) per linked row, µs: the journal's cost whatever else runs on the machine. */
    cpuUsPerRowJournal: number; cpuUsPerRowNoJournal: number;
    journalBytes: number; linked: number;
  };
  large: { mode: string; peakRssMb: number; elapsedS: number; checked: number };
  resume: {
    rows: number; links: number; killedAtPercent: number; firstRunFirstRequestMs: number; resumeFirstRequestMs: number;
    /** PutSymlink requests beyond one per link, over both runs. */
    redone: number;
    /** Distinct links written over both runs (every one of `links` when nothing is lost). */
    linkedInTheEnd: number;
    peakRssMb: number;
  };
}

interface Summary {
  linked: number; alreadyDone: number; superseded: number; failed: number; bad: number; toLink?: number;
  elapsedMs: number; journalBytes: number | null; peakRssMb: number; cpuMs: number; exitCode: number;
}

const cliPath = join(repoRoot, 'dist', 'cli', 'main.js');
/** The node flags of the CLI's `#!/usr/bin/env -S node ...` line: what running the installed command gets. */
const shebangFlags = readFileSync(cliPath, 'utf8').split('\n', 1)[0]!.replace(/^#!\S*env (-S )?node ?/, '').split(' ').filter(Boolean);

/** Writes `n` CSV rows; row i names link `linkOf(i)`. */
async function writeManifest(path: string, n: number, linkOf: (i: number) => number): Promise<number> {
  const out = createWriteStream(path);
  out.write('link,target\n');
  const batch = 10_000;
  for (let i = 0; i < n; i += batch) {
    let text = '';
    for (let j = i; j < Math.min(n, i + batch); j++) {
      const k = linkOf(j);
      text += `scale/${k % 1000}/link-${k}.jpg,photos/album ${k % 97}/IMG_${j}.jpg\n`;
    }
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return (await stat(path)).size;
}

export async function measureBulkScale(options: { small: number; large: number }, log: (s: string) => void): Promise<BulkScaleResult> {
  const dir = await mkdtemp(join(tmpdir(), 'oss-symlink-bulk-scale-'));
  const server = fork(join(benchDir, 'bulk-scale-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>() => new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the server exited (${code})`));
    server.once('exit', onExit);
    server.once('message', (m) => {
      server.off('exit', onExit);
      resolve(m as T);
    });
  });
  try {
    const { url } = await next<{ url: string }>();
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OSS_'))),
      OSS_REGION: REGION, OSS_BUCKET: BUCKET, OSS_ENDPOINT: url,
      OSS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, OSS_ACCESS_KEY_SECRET: CREDENTIALS.accessKeySecret,
    };
    /** Runs the CLI; `onStderr` may return true to kill it with SIGKILL. */
    const cli = async (args: string[], onStderr?: (text: string) => boolean) => {
      server.send('mark');
      await next();
      const startedAt = Date.now();
      const child = spawn(process.execPath, [...shebangFlags, cliPath, 'bulk', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let killedAt: string | undefined;
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (!killedAt && onStderr?.(stderr)) {
          killedAt = stderr;
          child.kill('SIGKILL');
        }
      });
      const [code] = await once(child, 'close') as [number | null];
      server.send('stats');
      const stats = await next<{ firstAt: number | null; putSymlinks: number; links: number | null }>();
      const firstRequestMs = stats.firstAt === null ? NaN : stats.firstAt - startedAt;
      if (killedAt !== undefined) return { summary: undefined, firstRequestMs, putSymlinks: stats.putSymlinks, links: stats.links, stderr };
      if (code !== 0) throw new Error(`bulk ${args.join(' ')} exited with ${code}\n${stderr.slice(-2000)}`);
      return { summary: JSON.parse(stdout) as Summary, firstRequestMs, putSymlinks: stats.putSymlinks, links: stats.links, stderr };
    };
    const common = ['--json', '--progress', 'lines', '--progress-interval', '0.5', '--concurrency', '16'];

    // 1M rows (distinct links): without, then with the journal.
    const small = join(dir, 'small.csv');
    log(`bulk scale: writing ${options.small.toLocaleString('en-US')} rows`);
    await writeManifest(small, options.small, (i) => i);
    log('bulk scale: real run without the journal');
    const noJournal = await cli([small, ...common, '--no-journal']);
    log('bulk scale: real run with the journal');
    const withJournal = await cli([small, ...common]);
    const perSec = (s: Summary) => s.linked / (s.elapsedMs / 1000);

    // 10M rows, --check.
    const large = join(dir, 'large.csv');
    log(`bulk scale: writing ${options.large.toLocaleString('en-US')} rows`);
    await writeManifest(large, options.large, (i) => i);
    log('bulk scale: --check (dry run) over the large manifest');
    const check = await cli([large, ...common, '--check']);

    // 10M rows, each link 100 times in a row: killed past 60%, then resumed.
    const repeated = join(dir, 'repeated.csv');
    await writeManifest(repeated, options.large, (i) => Math.floor(i / 100));
    const links = Math.ceil(options.large / 100);
    log('bulk scale: real run over the large manifest (links listed 100 times), killed past 60%');
    server.send('track');
    await next();
    let killedAtPercent = 0;
    const killed = await cli([repeated, ...common], (text) => {
      const all = [...text.matchAll(/progress: (\d+)% of the manifest/g)];
      const pct = all.length > 0 ? Number(all.at(-1)![1]) : 0;
      if (pct >= 60) killedAtPercent = pct;
      return pct >= 60;
    });
    log(`bulk scale: killed at ${killedAtPercent}%; rerun`);
    const resumed = await cli([repeated, ...common]);
    const rs = resumed.summary!;
    if (rs.linked + rs.alreadyDone < links) throw new Error(`the rerun counts ${rs.linked + rs.alreadyDone} links done of ${links}`);
    return {
      rows: options,
      small: {
        peakRssMb: withJournal.summary!.peakRssMb,
        firstRequestMs: withJournal.firstRequestMs,
        perSecJournal: perSec(withJournal.summary!),
        perSecNoJournal: perSec(noJournal.summary!),
        cpuUsPerRowJournal: (withJournal.summary!.cpuMs * 1000) / withJournal.summary!.linked,
        cpuUsPerRowNoJournal: (noJournal.summary!.cpuMs * 1000) / noJournal.summary!.linked,
        journalBytes: withJournal.summary!.journalBytes ?? NaN,
        linked: withJournal.summary!.linked,
      },
      large: { mode: '--check (dry run: every row read and checked, nothing sent)', peakRssMb: check.summary!.peakRssMb, elapsedS: check.summary!.elapsedMs / 1000, checked: (check.summary!.toLink ?? 0) + check.summary!.bad },
      resume: {
        rows: options.large, links, killedAtPercent,
        firstRunFirstRequestMs: killed.firstRequestMs,
        resumeFirstRequestMs: resumed.firstRequestMs,
        redone: killed.putSymlinks + resumed.putSymlinks - links,
        linkedInTheEnd: resumed.links ?? NaN,
        peakRssMb: rs.peakRssMb,
      },
    };
  } finally {
    server.removeAllListeners('exit');
    if (server.connected) server.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}
