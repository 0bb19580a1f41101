/**
 * The server-scale section: what `serve --data` holds and pays at 1M (and, when asked, 10M) links.
 * For each size a child process fills a fresh data directory through the server's Store, then a
 * fresh process reopens it (a restart), measuring open time and memory per link, and reads every
 * link back (store-scale-child.ts). The directory is removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from './common.js';

export interface ServerScaleResult {
  /** Links written. */
  links: number;
  /** Keys the reopened store holds. */
  stored: number;
  /** The peer (a Map of the keys to numbers); up to 2M links. */
  map_bytes_per_link?: number;
  fill_ms: number;
  fill_per_s: number;
  open_ms: number;
  rss_bytes_per_link: number;
  held_bytes_per_link: number;
  index_bytes: number;
  rss_mb: number;
  peak_rss_mb: number;
  log_bytes: number;
  check_ms: number;
  missing: number;
}

export async function measureServerScale(sizes: number[], log: (line: string) => void): Promise<ServerScaleResult[]> {
  const results: ServerScaleResult[] = [];
  for (const links of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'oss-symlink-scale-'));
    try {
      const timeoutMs = 60_000 + links * 0.1; // generous: 100 µs a link
      log(`server-scale: filling ${links.toLocaleString('en-US')} links`);
      const filled = await runChild<Record<string, number>>('store-scale-child.js', ['fill', dir, String(links)], { nodeArgs: ['--expose-gc'], timeoutMs });
      log('server-scale: reopening in a fresh process and reading every link back');
      const reopened = await runChild<Record<string, number>>('store-scale-child.js', ['reopen', dir, String(links)], { nodeArgs: ['--expose-gc'], timeoutMs });
      results.push({ links, ...filled.value, ...reopened.value } as unknown as ServerScaleResult);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}
