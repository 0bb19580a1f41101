export * from './index.js';
/** Ready already in Deno; kept for the same API in every runtime. */
export declare function initWasm(): Promise<void>;
