/** The request every benchmark signs or sends (no imports: cold-start scripts load this too). */

/** The key pair the local server accepts; the same for every client. */
export const CREDENTIALS = Object.freeze({
  accessKeyId: 'LTAI5tBenchKeyId0000000',
  accessKeySecret: 'bench-secret-0123456789abcdefABCDEF',
});
export const REGION = 'cn-hangzhou';
export const BUCKET = 'bench';

/** PutSymlink number i: keys vary, the shape does not; the target needs percent-encoding. */
export function linkKey(i: number): string {
  return `links/2026/photo-${i}.jpg`;
}
export function linkTarget(i: number): string {
  return `photos/2026/album ${i % 97}/IMG_${i}.jpg`;
}
