// A lock file beside the journal: two runs on one manifest (and shard) at once would both send
// every row and write every journal entry twice, so the second one stops with a usage error.
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { UsageError } from './common.js';

interface Owner {
  pid: number;
  host: string;
  since: string;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes `path` (created exclusively) and returns its release. A lock left by a process of this
 * machine that no longer runs (kill -9, a crash) is taken over; one held by a running process, or
 * by another machine (which cannot be checked from here), is a usage error that says what to do.
 */
export async function takeLock(path: string, what: string): Promise<() => Promise<void>> {
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        await unlink(path).catch(() => undefined);
      };
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') break;
        throw new UsageError(`cannot create the lock file ${path}: ${(e as Error).message}`, 'bulk');
      }
    }
    let owner: Partial<Owner> = {};
    try {
      owner = JSON.parse(await readFile(path, 'utf8')) as Owner;
    } catch {
      // Empty or torn: its writer died between creating and writing it.
    }
    const stale = owner.pid === undefined || (owner.host === me.host && !alive(owner.pid));
    if (!stale) {
      throw new UsageError(`another run is using ${what} (process ${owner.pid} on ${owner.host ?? 'an unknown host'}, since ${owner.since ?? '?'}); `
        + `wait for it to finish, or if it is no longer running, delete ${path}`, 'bulk');
    }
    await unlink(path).catch(() => undefined);
  }
  throw new UsageError(`another run took ${path} at the same moment: ${what} is in use`, 'bulk');
}
