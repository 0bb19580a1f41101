/**
 * What only Node.js needs from `OssClient`, installed by the Node entry (ts/node.ts) so that
 * browsers and workers do not download it:
 * - attempts without a caller's signal that start within a short window share one
 *   AbortController and one timer for their timeout: in the bulk benchmark a signal of its own
 *   per request costs ~17 µs of client CPU in undici and GC, sharing one ~0;
 * - an answer announced empty is not read: reading costs undici a stream pipeline for nothing.
 *   (Browsers must read it, or they log the request as cancelled once the Response is
 *   collected: "(canceled)", net::ERR_ABORTED in the network panel.)
 */
import { tuneRuntime, type AttemptTimeout } from './client.js';

/** A batch takes attempts for at most this long (and a tenth of timeoutMs): the most an attempt's timeout can run late. */
const BATCH_WINDOW_MS = 10;
/** Node's `events.setMaxListeners` where it can be had without importing node:events (Node ≥ 20.16). */
const setMaxListeners = (globalThis as { process?: { getBuiltinModule?: (id: 'node:events') => typeof import('node:events') } })
  .process?.getBuiltinModule?.('node:events')?.setMaxListeners;
/**
 * And at most this many: fetch adds an abort listener per request to the shared signal, and Node
 * warns past 10 on one signal unless its limit is raised.
 */
const BATCH_MAX_ATTEMPTS = setMaxListeners ? 64 : 10;

/** One shared timeout: the attempts that joined it are abandoned together once the last is `timeoutMs` old. */
class TimeoutBatch implements AttemptTimeout {
  readonly #controller = new AbortController();
  readonly signal = this.#controller.signal;
  timedOut = false;
  #timer: ReturnType<typeof setTimeout>;
  /** performance.now() when the first and the last attempt joined. */
  readonly first: number;
  #last: number;
  /** Attempts that joined, and those still in flight. */
  attempts = 0;
  #pending = 0;

  readonly #onEnd: (batch: TimeoutBatch) => void;

  constructor(timeoutMs: number, now: number, onEnd: (batch: TimeoutBatch) => void) {
    this.first = this.#last = now;
    this.#onEnd = onEnd;
    const fire = () => {
      const wait = this.#last + timeoutMs - performance.now();
      if (wait > 0) {
        this.#timer = setTimeout(fire, wait); // attempts joined after the first: wait for the last one
        return;
      }
      this.timedOut = true;
      onEnd(this);
      this.#controller.abort();
    };
    this.#timer = setTimeout(fire, timeoutMs);
    setMaxListeners?.(4 * BATCH_MAX_ATTEMPTS, this.signal);
  }

  join(now: number): this {
    this.attempts++;
    this.#pending++;
    this.#last = now;
    return this;
  }

  done(): void {
    // Nothing left to abandon: stop the timer (it would keep the process alive) and let the next
    // attempt start a new batch.
    if (--this.#pending === 0) {
      clearTimeout(this.#timer);
      this.#onEnd(this);
    }
  }
}

/**
 * A client's timeout batches: each call returns the batch for an attempt starting now, the open
 * one, or a new one if it is full or its window has passed. Its timer fires only once the
 * batch's last attempt is `timeoutMs` old, so no attempt is abandoned early, and none more than
 * the window late.
 */
export function timeoutBatches(timeoutMs: number): () => AttemptTimeout {
  let open: TimeoutBatch | undefined;
  const close = (batch: TimeoutBatch) => {
    if (open === batch) open = undefined;
  };
  return () => {
    const now = performance.now();
    if (!open || open.attempts >= BATCH_MAX_ATTEMPTS || now - open.first > Math.min(BATCH_WINDOW_MS, timeoutMs / 10)) {
      open = new TimeoutBatch(timeoutMs, now, close);
    }
    return open.join(now);
  };
}

/** Installs Node's tuning for every client made from now on. */
export function installNodeTuning(): void {
  tuneRuntime({ sharedTimeouts: timeoutBatches, skipEmptyBodies: true });
}
