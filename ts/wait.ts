/**
 * `promise`, unless `signal` aborts first (a rejection with its reason) or `ms` pass first
 * (what `onTimeout()` returns, a value or a promise). Without `ms`, no time limit.
 * Either way the timer and the listener are removed once it settles.
 */
export function race<T>(promise: Promise<T>, signal: AbortSignal | undefined, ms?: number, onTimeout?: () => T | Promise<T>): Promise<T> {
  if (!signal && ms === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (action: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = () => settle(() => reject(signal!.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (ms !== undefined) timer = setTimeout(() => settle(() => resolve(onTimeout!())), ms);
    promise.then((value) => settle(() => resolve(value)), (e: unknown) => settle(() => reject(e)));
  });
}

/** Resolves after `ms`, or rejects with `signal`'s reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return race(new Promise<void>(() => {}), signal, ms, () => {});
}
