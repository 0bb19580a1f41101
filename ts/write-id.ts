/**
 * The write id: the proof that a link found after a lost answer was made by this call. With
 * `forbidOverwrite`, `putSymlink` writes a random id as user metadata; when a retry meets
 * `FileAlreadyExists`, the link is this call's only if it carries the same id (and target).
 */
import { invalid } from './input.js';

/** The metadata name (without `x-oss-meta-`) that carries the write id. */
export const WRITE_ID_META = 'oss-symlink-write-id';

/** 32 lower-case hex characters (128 random bits). */
export function randomWriteId(): string {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The write id a call uses: the caller's, a random one (default), or none (`false`). Only
 * `forbidOverwrite` calls use one: without it there is no conflict to explain.
 */
export function writeIdFor(option: unknown, forbidOverwrite: boolean | undefined): string | undefined {
  if (option !== undefined && option !== null && option !== false && (typeof option !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(option))) {
    throw invalid('writeId', 'expected false or 1 to 256 printable ASCII characters without spaces');
  }
  if (!forbidOverwrite || option === false) return undefined;
  return typeof option === 'string' ? option : randomWriteId();
}
