// Fault injection for tests and benchmarks: error answers, dropped connections, answers lost after
// the write, latency and a skewed clock. A seed makes the sequence of decisions repeatable.

export interface Faults {
  /** Share (0..1) of requests answered 500 InternalError or 503 ServiceUnavailable, before any write. */
  errorRate?: number;
  /** Share (0..1) of requests whose connection is destroyed without an answer, before any write. */
  dropRate?: number;
  /** Share (0..1) of requests applied normally whose answer is then lost (socket destroyed). */
  lostAnswerRate?: number;
  /** Delay added before each request is handled. */
  latencyMs?: number;
  /** Added to the server's clock: affects skew checks, expiry, ServerTime and Date. */
  clockOffsetMs?: number;
  /** Seed for the decisions; without one they come from Math.random. */
  seed?: number;
}

export type FaultKind = 'error' | 'drop' | 'lostAnswer' | 'latency';

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'error'; status: 500 | 503 }
  | { kind: 'drop' }
  | { kind: 'lostAnswer' };

/** mulberry32: tiny, fast, good enough to spread faults evenly. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rate(value: number | undefined, name: string): number {
  const r = value ?? 0;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`${name} must be between 0 and 1 (got ${value})`);
  return r;
}

export class FaultInjector {
  private faults: Required<Omit<Faults, 'seed'>> = { errorRate: 0, dropRate: 0, lostAnswerRate: 0, latencyMs: 0, clockOffsetMs: 0 };
  private random: () => number = Math.random;

  constructor(faults: Faults = {}) {
    this.set(faults);
  }

  /** Replaces every setting; rates and latency left out go back to zero. */
  set(faults: Faults): void {
    const next = {
      errorRate: rate(faults.errorRate, 'errorRate'),
      dropRate: rate(faults.dropRate, 'dropRate'),
      lostAnswerRate: rate(faults.lostAnswerRate, 'lostAnswerRate'),
      latencyMs: Math.max(0, faults.latencyMs ?? 0),
      clockOffsetMs: faults.clockOffsetMs ?? 0,
    };
    if (next.errorRate + next.dropRate + next.lostAnswerRate > 1) {
      throw new RangeError('errorRate + dropRate + lostAnswerRate must not exceed 1');
    }
    this.faults = next;
    this.random = faults.seed === undefined ? Math.random : seededRandom(faults.seed);
  }

  get clockOffsetMs(): number {
    return this.faults.clockOffsetMs;
  }

  get latencyMs(): number {
    return this.faults.latencyMs;
  }

  /** One decision per request: a single draw is split between the kinds, so rates add up. */
  decide(): FaultDecision {
    const { dropRate, errorRate, lostAnswerRate } = this.faults;
    if (dropRate + errorRate + lostAnswerRate === 0) return { kind: 'none' };
    const r = this.random();
    if (r < dropRate) return { kind: 'drop' };
    if (r < dropRate + errorRate) return { kind: 'error', status: this.random() < 0.5 ? 500 : 503 };
    if (r < dropRate + errorRate + lostAnswerRate) return { kind: 'lostAnswer' };
    return { kind: 'none' };
  }
}
