/**
 * A tiny static file server for the uploader page, on its own loopback origin.
 *
 *   node dist/www/serve.js [--port 8080] [--oss-port 9000]
 *
 * starts the local OSS server (with the STS endpoint, CORS on) and the page, and prints the URL.
 * Tests import `startWebServer` / `startStaticServer` instead.
 *
 * Layout served by `startWebServer` (mirrors dist/, so the page's relative imports work as-is):
 *   /www/  → dist/www (compiled app.js), then www/ (index.html, style.css)
 *   /ts/   → dist/ts   (the library's browser entry)
 *   /pkg/  → dist/pkg  (wasm-bindgen glue and the .wasm)
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  port?: number;
  host?: string;
  /** Where `GET /` redirects, e.g. `/www/`. */
  index?: string;
  /** Extra headers on every file answer, e.g. a Content-Security-Policy. */
  headers?: Record<string, string>;
}

/**
 * Serves files under URL prefixes (`/www/` → one or more directories, searched in order). Only
 * GET and HEAD, only the file types above, nothing outside the mounted directories.
 */
export async function startStaticServer(mounts: Record<string, string | string[]>, options: StaticServerOptions = {}): Promise<StaticServer> {
  const table = Object.entries(mounts)
    .map(([prefix, dirs]) => ({ prefix: prefix.endsWith('/') ? prefix : `${prefix}/`, dirs: (Array.isArray(dirs) ? dirs : [dirs]).map((d) => resolve(d)) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);

  function find(pathname: string): string | undefined {
    for (const { prefix, dirs } of table) {
      if (!pathname.startsWith(prefix)) continue;
      let rest = pathname.slice(prefix.length);
      if (rest === '' || rest.endsWith('/')) rest += 'index.html';
      if (!TYPES[extname(rest)]) return undefined;
      for (const dir of dirs) {
        const file = resolve(dir, rest);
        if (!file.startsWith(dir + sep)) return undefined;
        try {
          if (statSync(file).isFile()) return file;
        } catch {
          // try the next directory
        }
      }
      return undefined;
    }
    return undefined;
  }

  const server: Server = createServer((req, res) => {
    const plain = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'method not allowed', { allow: 'GET, HEAD' });
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://static.invalid').pathname);
    } catch {
      return plain(400, 'bad path');
    }
    if (pathname.includes('\0') || pathname.split('/').includes('..')) return plain(400, 'bad path');
    if (pathname === '/' && options.index) return plain(302, 'see ' + options.index, { location: options.index });
    const file = find(pathname);
    if (!file) return plain(404, 'not found');
    res.writeHead(200, { 'content-type': TYPES[extname(file)]!, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...options.headers });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => done());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  };
}

/** Repo layout, from dist/www/serve.js. */
const distDir = fileURLToPath(new URL('../', import.meta.url));
const sourceDir = fileURLToPath(new URL('../../www/', import.meta.url));

/** The uploader page, the library's browser entry and the wasm, as the page expects them. */
export function startWebServer(options: Omit<StaticServerOptions, 'index'> = {}): Promise<StaticServer> {
  return startStaticServer(
    { '/www/': [join(distDir, 'www'), sourceDir], '/ts/': join(distDir, 'ts'), '/pkg/': join(distDir, 'pkg') },
    { ...options, index: '/www/' },
  );
}

async function main(argv: string[]): Promise<void> {
  const flag = (name: string, fallback: number): number => {
    const i = argv.indexOf(name);
    const value = i < 0 ? fallback : Number(argv[i + 1]);
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number`);
    return value;
  };
  const { startServer, DEV_CREDENTIALS } = await import('../server/index.js');
  const oss = await startServer({ port: flag('--oss-port', 9000), buckets: ['examplebucket'], versioned: ['examplebucket-versions'], stsEndpoint: true, credentials: [DEV_CREDENTIALS] });
  const web = await startWebServer({ port: flag('--port', 8080) });
  oss.allowStsOrigin(web.url); // the uploader page lives on its own origin
  const page = `${web.url}/www/?endpoint=${encodeURIComponent(oss.url)}&bucket=examplebucket`;
  console.log(`Local OSS server: ${oss.url} (buckets examplebucket, examplebucket-versions; POST ${oss.url}/-/sts)`);
  console.log(`Uploader page:    ${page}`);
  console.log(`Access key mode:  ${DEV_CREDENTIALS.accessKeyId} / ${DEV_CREDENTIALS.accessKeySecret} (local development key)`);
  console.log('Press Ctrl+C to stop.');
  const stop = () => void Promise.all([web.close(), oss.close()]).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 2;
  });
}
