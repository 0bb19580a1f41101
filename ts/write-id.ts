/**
 * The write id: the proof that a link found after a lost answer was made by this call. With
 * `forbidOverwrite`, `putSymlink` writes a random id as user metadata; when a retry meets
 * `FileAlreadyExists`, the link is this call's only if it carries the same id (and target).
 */
import type { Operation } from './core.js';
import { invalid } from './input.js';

/** The metadata name (without `x-oss-meta-`) that carries the write id. */
export const WRITE_ID_META = 'oss-symlink-write-id';

/** 32 lower-case hex characters (128 random bits). */
export function randomWriteId(): string {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The write id a call uses, added to `op.meta`: the caller's, a random one (default), or none
 * (`false`). Only `forbidOverwrite` calls use one: without it there is no conflict to explain.
 * A caller's metadata of that name is refused.
 */
export function addWriteId(op: Operation, option: unknown): string | undefined {
  if (option !== undefined && option !== null && option !== false && (typeof option !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(option))) {
    throw invalid('writeId', 'expected false or 1 to 256 printable ASCII characters without spaces');
  }
  if (!op.forbidOverwrite || option === false) return undefined;
  const meta = op.meta ?? [];
  if (meta.some(([name]) => name.toLowerCase() === WRITE_ID_META)) {
    throw invalid(`meta.${WRITE_ID_META}`, 'is set by the library: pass writeId instead', 'InvalidMetadata');
  }
  const writeId = typeof option === 'string' ? option : randomWriteId();
  op.meta = [...meta, [WRITE_ID_META, writeId]];
  return writeId;
}
