// Progress of `bulk` on stderr: a redrawn bar with rate and ETA on a terminal, plain periodic
// lines elsewhere (logs, CI), or nothing.
import type { Output } from './common.js';

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface Counts {
  total: number;
  /** Linked by this run. */
  done: number;
  /** Found done in the journal. */
  skipped: number;
  /** Replaced by a later row for the same link. */
  superseded: number;
  failed: number;
  bad: number;
}

export const processed = (c: Counts) => c.done + c.skipped + c.superseded + c.failed + c.bad;

/** What the counts are called in the progress line: `bulk` links rows, `verify` checks them. */
export interface ProgressWords {
  done: string;
  failed: string;
  /** Omitted from the line when undefined. */
  skipped?: string;
}

const BULK_WORDS: ProgressWords = { done: 'linked', failed: 'failed', skipped: 'already done' };

const RATE_WINDOW_MS = 10_000;
const BAR_REDRAW_MS = 100;

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class Progress {
  readonly #mode: ProgressMode;
  readonly #intervalMs: number;
  readonly #output: Output;
  readonly #counts: Counts;
  readonly #words: ProgressWords;
  /** (time, rows sent and answered) samples over the last RATE_WINDOW_MS. */
  #samples: [number, number][] = [];
  #timers: NodeJS.Timeout[] = [];
  #drawn = false;

  constructor(mode: ProgressMode, intervalMs: number, output: Output, counts: Counts, words: ProgressWords = BULK_WORDS) {
    this.#mode = mode;
    this.#intervalMs = intervalMs;
    this.#output = output;
    this.#counts = counts;
    this.#words = words;
  }

  start(): void {
    this.#sample();
    const every = (ms: number, f: () => void) => this.#timers.push(setInterval(f, ms).unref());
    every(250, () => this.#sample());
    if (this.#mode === 'bar') {
      this.#draw();
      every(BAR_REDRAW_MS, () => this.#draw());
    } else if (this.#mode === 'lines') {
      every(this.#intervalMs, () => this.#output.err(this.line()));
    }
  }

  /** Stops the display; the bar is drawn one last time and its line ended. */
  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    if (this.#mode === 'bar' && this.#drawn) {
      this.#draw();
      this.#output.errRaw('\n');
      this.#drawn = false;
    }
  }

  /** Prints a message line without breaking the bar. */
  note(message: string): void {
    if (this.#mode === 'bar' && this.#drawn) {
      this.#output.errRaw('\r\x1b[K');
      this.#output.err(message);
      this.#draw();
    } else {
      this.#output.err(message);
    }
  }

  #sample(): void {
    const now = Date.now();
    this.#samples.push([now, this.#counts.done + this.#counts.failed]);
    while (this.#samples.length > 2 && now - this.#samples[0]![0] > RATE_WINDOW_MS) this.#samples.shift();
  }

  /** Rows per second over the last few seconds (sent rows only: skipped ones cost nothing). */
  rate(): number {
    const now = Date.now();
    const first = this.#samples[0];
    if (!first) return 0;
    const elapsed = now - first[0];
    const n = this.#counts.done + this.#counts.failed - first[1];
    return elapsed >= 500 ? (n * 1000) / elapsed : 0;
  }

  #eta(): string {
    const remaining = this.#counts.total - processed(this.#counts);
    if (remaining <= 0) return '0:00';
    const rate = this.rate();
    return rate > 0 ? formatDuration((remaining / rate) * 1000) : '--:--';
  }

  /** The plain progress line. */
  line(): string {
    const c = this.#counts;
    const p = processed(c);
    const pct = c.total > 0 ? Math.floor((p * 100) / c.total) : 100;
    const w = this.#words;
    const skipped = w.skipped !== undefined ? ` ${c.skipped} ${w.skipped},` : '';
    return `progress: ${p}/${c.total} rows (${pct}%): ${c.done} ${w.done},${skipped} ${c.failed} ${w.failed}, ${c.bad} bad; `
      + `${Math.round(this.rate())} rows/s, ETA ${this.#eta()}`;
  }

  #draw(): void {
    const c = this.#counts;
    const p = processed(c);
    const ratio = c.total > 0 ? Math.min(1, p / c.total) : 1;
    const problems = c.failed + c.bad > 0 ? `  ${c.failed} ${this.#words.failed}, ${c.bad} bad` : '';
    const text = ` ${String(Math.floor(ratio * 100)).padStart(3)}% ${p}/${c.total}  ${Math.round(this.rate())}/s  ETA ${this.#eta()}${problems}`;
    const columns = process.stderr.columns || 80;
    const width = Math.max(10, Math.min(40, columns - text.length - 3));
    const filled = Math.round(ratio * width);
    this.#output.errRaw(`\r[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]${text}\x1b[K`);
    this.#drawn = true;
  }
}
