// Progress of `bulk` on stderr: a redrawn bar with rate and ETA on a terminal, plain periodic
// lines elsewhere (logs, CI), or nothing.
import type { Output } from './common.js';

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface Counts {
  /** Rows read from the manifest by this run. */
  read: number;
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
  /** How much of the manifest was read (0 to 1), when its size is known. */
  readonly #fraction: () => number | undefined;
  readonly #words: ProgressWords;
  /** (time, rows sent and answered, fraction read) samples over the last RATE_WINDOW_MS. */
  #samples: [number, number, number][] = [];
  #timers: NodeJS.Timeout[] = [];
  #drawn = false;

  constructor(mode: ProgressMode, intervalMs: number, output: Output, counts: Counts, fraction: () => number | undefined, words: ProgressWords = BULK_WORDS) {
    this.#mode = mode;
    this.#intervalMs = intervalMs;
    this.#output = output;
    this.#counts = counts;
    this.#fraction = fraction;
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
    this.#samples.push([now, this.#counts.done + this.#counts.failed, this.#fraction() ?? 0]);
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

  /** From the pace at which the manifest is read (rows are taken in order). */
  #eta(): string {
    // Rows read but not finished, at the current rate; plus the rest of the manifest at the pace it is read.
    const rate = this.rate();
    const waiting = Math.max(0, this.#counts.read - processed(this.#counts));
    if (waiting > 0 && rate <= 0) return '--:--';
    const inHand = waiting > 0 ? (waiting / rate) * 1000 : 0;
    const fraction = this.#fraction();
    if (fraction === undefined) return '--:--';
    if (fraction >= 1) return formatDuration(inHand);
    const first = this.#samples[0];
    const elapsed = first ? Date.now() - first[0] : 0;
    const pace = first && elapsed >= 500 ? (fraction - first[2]) / elapsed : 0;
    return pace > 0 ? formatDuration(Math.max(inHand, (1 - fraction) / pace)) : '--:--';
  }

  #percent(): string {
    const fraction = this.#fraction();
    return fraction === undefined ? '' : `${Math.floor(Math.min(1, fraction) * 100)}%`;
  }

  /** The plain progress line. */
  line(): string {
    const c = this.#counts;
    const pct = this.#percent();
    const w = this.#words;
    const skipped = w.skipped !== undefined ? ` ${c.skipped} ${w.skipped},` : '';
    return `progress: ${pct ? `${pct} of the manifest, ` : ''}${processed(c)} rows: ${c.done} ${w.done},${skipped} ${c.failed} ${w.failed}, ${c.bad} bad; `
      + `${Math.round(this.rate())} rows/s, ETA ${this.#eta()}`;
  }

  #draw(): void {
    const c = this.#counts;
    const fraction = Math.min(1, this.#fraction() ?? 0);
    const problems = c.failed + c.bad > 0 ? `  ${c.failed} ${this.#words.failed}, ${c.bad} bad` : '';
    const text = ` ${(this.#percent() || '?').padStart(4)} ${processed(c)} rows  ${Math.round(this.rate())}/s  ETA ${this.#eta()}${problems}`;
    const columns = process.stderr.columns || 80;
    const width = Math.max(10, Math.min(40, columns - text.length - 3));
    const filled = Math.round(fraction * width);
    this.#output.errRaw(`\r[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]${text}\x1b[K`);
    this.#drawn = true;
  }
}
