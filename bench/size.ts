/**
 * Bundle size: an esbuild browser bundle (minified, ESM) of a page that only calls putSymlink,
 * gzip -9, plus the WebAssembly module the page fetches; the same page with ali-oss.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { benchDir } from './common.js';

export interface SizeResult {
  js_min_bytes: number;
  js_gzip_bytes: number;
  wasm_bytes: number;
  wasm_gzip_bytes: number;
  /** JS + wasm, each gzipped. */
  gzip_bytes: number;
}

const gzipSize = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;

async function bundle(page: string): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [join(benchDir, 'pages', page)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.contents;
}

/**
 * The `.wasm` files a bundle loads with `new URL('…', import.meta.url)` (the browser entry's and
 * the glue's default both name the same file), read from dist/pkg.
 */
function wasmOf(js: Uint8Array): Uint8Array[] {
  const text = new TextDecoder().decode(js);
  const names = [...text.matchAll(/new URL\(\s*["'`]([^"'`]+\.wasm)["'`]\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[1]!);
  // The browser entry asks for ../pkg/<name>.wasm relative to dist/ts, i.e. dist/pkg.
  return [...new Set(names.map((name) => name.split('/').at(-1)!))].map((file) => readFileSync(join(benchDir, '..', 'pkg', file)));
}

export async function measureSize(): Promise<{ ours: SizeResult; aliOss: SizeResult }> {
  const measure = async (page: string): Promise<SizeResult> => {
    const js = await bundle(page);
    const wasm = wasmOf(js);
    const wasmBytes = wasm.reduce((n, w) => n + w.length, 0);
    const wasmGzip = wasm.reduce((n, w) => n + gzipSize(w), 0);
    const jsGzip = gzipSize(js);
    return { js_min_bytes: js.length, js_gzip_bytes: jsGzip, wasm_bytes: wasmBytes, wasm_gzip_bytes: wasmGzip, gzip_bytes: jsGzip + wasmGzip };
  };
  return { ours: await measure('ours.js'), aliOss: await measure('ali-oss.js') };
}
