/**
 * Shape checks for values from untyped JavaScript callers, done before the core is called:
 * types (a number where a string belongs), plain objects for maps, and UTF-16 that is well
 * formed (a lone surrogate would silently become U+FFFD on its way into WebAssembly).
 * The rules of OSS themselves (key length, header characters, ...) live in the Rust core.
 */
import { OssError } from './errors.js';

export const invalid = (field: string, message: string, code = 'InvalidInput') =>
  new OssError({ code, field, message: `${field}: ${message}` });

function wellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  if (native) return native.call(s);
  // Older browsers: encodeURIComponent throws on a lone surrogate.
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

export function str(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, `expected a string, got ${describe(value)}`);
  if (!wellFormed(value)) throw invalid(field, 'contains a lone UTF-16 surrogate', 'InvalidEncoding');
  return value;
}

export function optStr(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : str(value, field);
}

export function optBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(field, `expected true or false, got ${describe(value)}`);
  return value;
}

export function optNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, `expected a finite number, got ${describe(value)}`);
  return value;
}

/** The longest delay timers take: longer ones silently become ~1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A number in `min..max` (whole, if `integer`), or undefined when absent. */
export function optRange(value: unknown, field: string, min: number, max: number, integer = false): number | undefined {
  const n = optNumber(value, field);
  if (n === undefined) return undefined;
  if (n < min || n > max || (integer && !Number.isInteger(n))) {
    throw invalid(field, `must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${n}`);
  }
  return n;
}

/** An object of options (such as `retry`), or `{}` when absent. */
export function optObject<T extends object>(value: unknown, field: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, `expected an object, got ${describe(value)}`);
  return value as Partial<T>;
}

export function optFunction<T extends (...args: never[]) => unknown>(value: unknown, field: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'function') throw invalid(field, `expected a function, got ${describe(value)}`);
  return value as T;
}

/** A `Record<string, string>` (or a `Map` or `Headers`) as `[name, value]` pairs, in order. */
export function pairs(value: unknown, field: string): [string, string][] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, `expected an object of strings, got ${describe(value)}`);
  // Maps and Headers keep their entries out of Object.keys: read them as what they are.
  // Headers is recognized by its tag: touching the global `Headers` in Node loads its whole fetch
  // implementation (undici, ~15 ms) inside the first call. Otherwise own enumerable keys only:
  // nothing inherited, and `__proto__` is just a (refused) name.
  const entries: [unknown, unknown][] = value instanceof Map || Object.prototype.toString.call(value) === '[object Headers]'
    ? [...(value as Map<unknown, unknown>).entries()]
    : Object.entries(value);
  return entries.map(([name, v]) => [str(name, `${field} name`), str(v, `${field}.${String(name)}`)]);
}

export function strList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, `expected an array of strings, got ${describe(value)}`);
  return value.map((v, i) => str(v, `${field}[${i}]`));
}

export function signal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || typeof (value as AbortSignal).aborted !== 'boolean') throw invalid('signal', 'expected an AbortSignal');
  return value as AbortSignal;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
