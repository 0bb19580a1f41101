/**
 * A fast `fetch` for Node.js over `node:http` / `node:https` with a keep-alive agent, for the
 * `fetch` option of `OssClient`:
 *
 * ```ts
 * import { OssClient } from 'oss-symlink';
 * import { createNodeFetch } from 'oss-symlink/node-transport';
 * const client = new OssClient({ region, bucket, credentials, fetch: createNodeFetch() });
 * ```
 *
 * It answers with a standard `Response` (status, headers, body), built once the whole body has
 * arrived; an empty body is `null` (no stream). Answers other than 2xx come at once with their
 * body as a stream, so that a caller reads only as much of an error as it wants (OssClient reads
 * at most 64 KB). It differs from the global `fetch` where OSS
 * requests do not care: redirects are returned, not followed; nothing is decompressed (no
 * `accept-encoding` is sent unless the caller sets one); no cookies, cache, CORS or default
 * `user-agent`/`accept` headers. Network failures reject with a `TypeError` whose `cause` is the
 * Node error (with `cause.code`, e.g. `ECONNRESET`), as undici's `fetch` does; an aborted
 * `signal` rejects with `signal.reason` and destroys the request.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from './types.js';

export interface NodeFetchOptions {
  /** Most concurrent sockets per origin. Default: no limit (like `fetch`). */
  maxSockets?: number;
  /** Keep connections open between requests. Default true. */
  keepAlive?: boolean;
}

/** Idle keep-alive sockets close after this long (undici's default too), unless the server hints less. */
const IDLE_SOCKET_MS = 4_000;
/** Statuses whose `Response` must have a null body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
/** Methods `fetch` upper-cases whatever case they arrive in. */
const NORMALIZED_METHODS: Record<string, string> = {
  delete: 'DELETE', get: 'GET', head: 'HEAD', options: 'OPTIONS', post: 'POST', put: 'PUT', patch: 'PATCH',
};

type Settle = { resolve: (r: Response) => void; reject: (e: unknown) => void };

/** Creates a `fetch`-compatible function with its own keep-alive agents (one for http, one for https). */
export function createNodeFetch(options: NodeFetchOptions = {}): FetchLike {
  const keepAlive = options.keepAlive ?? true;
  const maxSockets = options.maxSockets ?? Infinity;
  if (!(maxSockets >= 1)) throw new TypeError('createNodeFetch: maxSockets must be at least 1');
  const agentOptions: http.AgentOptions = { keepAlive, maxSockets, scheduling: 'lifo', ...(keepAlive ? { timeout: IDLE_SOCKET_MS } : {}) };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  return function nodeFetch(input: string, init: RequestInit = {}): Promise<Response> {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let url: URL;
    let method: string;
    let headers: Record<string, string>;
    try {
      url = new URL(typeof input === 'string' ? input : String((input as { url?: string }).url ?? input));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported URL scheme ${url.protocol}`);
      if (url.username || url.password) throw new TypeError('request URLs may not contain credentials');
      method = normalizeMethod(init.method);
      headers = headerRecord(init.headers);
    } catch (e) {
      return Promise.reject(e instanceof TypeError ? e : new TypeError(String((e as Error)?.message ?? e), { cause: e }));
    }
    const body = init.body;
    if (body !== undefined && body !== null) {
      if (method === 'GET' || method === 'HEAD') return Promise.reject(new TypeError('a GET or HEAD request cannot have a body'));
      if (typeof Blob !== 'undefined' && body instanceof Blob) {
        if (body.type && headers['content-type'] === undefined) headers['content-type'] = body.type;
        return body.arrayBuffer().then((bytes) => send(url, method, headers, Buffer.from(bytes), signal));
      }
      let bytes: Buffer;
      if (typeof body === 'string') {
        if (headers['content-type'] === undefined) headers['content-type'] = 'text/plain;charset=UTF-8';
        bytes = Buffer.from(body, 'utf8');
      } else if (body instanceof ArrayBuffer) {
        bytes = Buffer.from(body);
      } else if (ArrayBuffer.isView(body)) {
        bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      } else {
        return Promise.reject(new TypeError('unsupported body: use a string, Uint8Array, ArrayBuffer or Blob'));
      }
      return send(url, method, headers, bytes, signal);
    }
    return send(url, method, headers, undefined, signal);
  };

  function send(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal | undefined): Promise<Response> {
    if (body !== undefined) {
      if (headers['content-length'] === undefined) headers['content-length'] = String(body.length);
    } else if ((method === 'PUT' || method === 'POST' || method === 'PATCH') && headers['content-length'] === undefined) {
      // Otherwise node:http would send an empty chunked body; fetch sends Content-Length: 0.
      headers['content-length'] = '0';
    }
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const secure = url.protocol === 'https:';
      let req: http.ClientRequest;
      try {
        req = (secure ? https : http).request({
          protocol: url.protocol,
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port || (secure ? 443 : 80),
          path: url.pathname + url.search,
          method,
          headers,
          agent: secure ? httpsAgent : httpAgent,
        });
      } catch (e) {
        // Invalid header names or values are reported synchronously.
        return reject(new TypeError((e as Error)?.message ?? 'invalid request', { cause: e }));
      }
      // Response.url leaves the fragment out, as fetch does.
      new Exchange(req, method, url.hash ? url.href.slice(0, -url.hash.length) : url.href, signal, { resolve, reject });
      if (body !== undefined) req.end(body);
      else req.end();
    });
  }
}

/** One request/response: settles its promise exactly once and cleans up after itself. */
class Exchange {
  #settled = false;
  #chunks: Buffer[] = [];
  #length = 0;
  readonly #onAbort: (() => void) | undefined;

  constructor(
    readonly req: http.ClientRequest,
    readonly method: string,
    readonly url: string,
    readonly signal: AbortSignal | undefined,
    readonly settle: Settle,
  ) {
    req.on('error', (e) => this.#fail(new TypeError('fetch failed', { cause: e })));
    req.on('response', (res) => this.#response(res));
    if (signal) {
      this.#onAbort = () => {
        this.#fail(signal.reason);
        req.destroy();
      };
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  #response(res: http.IncomingMessage): void {
    const status = res.statusCode ?? 0;
    if ((status < 200 || status >= 300) && this.method !== 'HEAD' && !NULL_BODY_STATUSES.has(status)) return this.#streamed(res, status);
    res.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    });
    res.on('end', () => this.#done(res));
    res.on('error', (e) => this.#fail(new TypeError('terminated', { cause: e })));
    res.on('close', () => {
      if (!res.complete) this.#fail(new TypeError('terminated', { cause: connectionReset() }));
    });
  }

  #done(res: http.IncomingMessage): void {
    if (this.#settled) return;
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 599) return this.#fail(new TypeError(`fetch failed: unsupported HTTP status ${status}`));
    const chunks = this.#chunks;
    // Node's Buffer is a Uint8Array over an ArrayBuffer here (never a SharedArrayBuffer).
    const body = this.#length === 0 || this.method === 'HEAD' || NULL_BODY_STATUSES.has(status)
      ? null
      : (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#length)) as Uint8Array<ArrayBuffer>;
    let response: Response;
    try {
      response = new Response(body, { status, statusText: res.statusMessage ?? '' });
      // Appending to the new Response's own Headers costs about two thirds of passing them in
      // `init` (no dictionary and sequence conversion), and keeps repeated names as they came.
      const headers = response.headers;
      const raw = res.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
    } catch (e) {
      return this.#fail(new TypeError('fetch failed: invalid response', { cause: e }));
    }
    Object.defineProperty(response, 'url', { value: this.url, enumerable: true });
    this.#settled = true;
    this.#cleanup();
    this.settle.resolve(response);
  }

  /** A Response whose body streams in; the abort listener stays until the body is done. */
  #streamed(res: http.IncomingMessage, status: number): void {
    if (this.#settled) return void res.destroy();
    let response: Response;
    try {
      if (status < 200 || status > 599) throw new TypeError(`fetch failed: unsupported HTTP status ${status}`);
      response = new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, statusText: res.statusMessage ?? '' });
      const raw = res.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) response.headers.append(raw[i]!, raw[i + 1]!);
    } catch (e) {
      res.destroy();
      return this.#fail(e instanceof TypeError ? e : new TypeError('fetch failed: invalid response', { cause: e }));
    }
    Object.defineProperty(response, 'url', { value: this.url, enumerable: true });
    this.#settled = true;
    res.once('close', () => this.#cleanup());
    this.settle.resolve(response);
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#cleanup();
    this.settle.reject(error);
  }

  #cleanup(): void {
    if (this.#onAbort) this.signal!.removeEventListener('abort', this.#onAbort);
    this.#chunks = [];
  }
}

function connectionReset(): Error {
  return Object.assign(new Error('the connection closed before the response was complete'), { code: 'ECONNRESET' });
}

function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  if (typeof method !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) throw new TypeError(`invalid HTTP method ${String(method)}`);
  const upper = NORMALIZED_METHODS[method.toLowerCase()];
  if (upper !== undefined) return upper;
  const m = method.toUpperCase();
  if (m === 'CONNECT' || m === 'TRACE' || m === 'TRACK') throw new TypeError(`the ${m} method is forbidden`);
  return method;
}

/** `init.headers` (pairs, record or Headers) as lower-cased names; repeated names are joined with ", ". */
function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (init === undefined || init === null) return out;
  const add = (name: string, value: string) => {
    const key = String(name).toLowerCase();
    const v = String(value).trim();
    const prev = out[key];
    out[key] = prev === undefined ? v : `${prev}, ${v}`;
  };
  if (Array.isArray(init)) {
    for (const pair of init) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('headers: each entry must be a [name, value] pair');
      add(pair[0], pair[1]);
    }
  } else if (typeof Headers !== 'undefined' && init instanceof Headers) {
    init.forEach((value, name) => add(name, value));
  } else if (typeof init === 'object') {
    for (const name of Object.keys(init)) add(name, (init as Record<string, string>)[name]!);
  } else {
    throw new TypeError('headers must be an array of pairs, a record or a Headers object');
  }
  return out;
}
