// Types for require('oss-symlink') from CommonJS TypeScript: the ES module's own declarations,
// imported type-only (allowed from CommonJS), so `module: node16` accepts the require.
type Esm = typeof import('./node.js', { with: { 'resolution-mode': 'import' } });
export type * from './types.js' with { 'resolution-mode': 'import' };
export declare const OssClient: Esm['OssClient'];
export type OssClient = import('./node.js', { with: { 'resolution-mode': 'import' } }).OssClient;
export declare const OssError: Esm['OssError'];
export type OssError = import('./node.js', { with: { 'resolution-mode': 'import' } }).OssError;
export declare const signRequest: Esm['signRequest'];
export declare const initWasm: Esm['initWasm'];
