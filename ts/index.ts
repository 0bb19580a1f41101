/**
 * oss-symlink: create Alibaba Cloud OSS symbolic links from anywhere `fetch` runs.
 * This module is runtime-neutral; the package entry points (node, worker, browser) load the
 * WebAssembly core and re-export it.
 */
export { OssClient } from './client.js';
export { OssError } from './errors.js';
export { signRequest } from './sign.js';
export type * from './types.js';
