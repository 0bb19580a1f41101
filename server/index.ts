// A local OSS-compatible server with symlinks and V4 signature checks, for tests, demos and benchmarks.
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { authenticate, type AuthResult, type Credential } from './auth.js';
import { CredentialRegistry, type StsCredentials } from './credentials.js';
import { FaultInjector, type FaultKind, type Faults } from './faults.js';
import {
  decodeKey,
  deleteObject,
  getObject,
  getSymlink,
  putObject,
  putSymlink,
  validateKey,
  type ImmutableRule,
  type OpRequest,
  type OpResponse,
} from './operations.js';
import { Store, type StoreStats } from './store.js';
import { OssError, errorXml, errors } from './xml.js';

export type { Faults } from './faults.js';
export type { StsCredentials } from './credentials.js';
export type { Credential } from './auth.js';
export type { StoreStats } from './store.js';

/** A key pair for local development only; printed by `serve` when no keys are configured. */
export const DEV_CREDENTIALS: Readonly<Credential> = Object.freeze({
  accessKeyId: 'LTAI5tLocalDevOssSymlink',
  accessKeySecret: 'local-dev-secret-not-for-production',
});

export interface ServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Buckets created at start (kept if already persisted). */
  buckets?: string[];
  /** Buckets with versioning enabled (created when missing). */
  versioned?: string[];
  /** Retention: existing keys under these prefixes cannot be overwritten or deleted (409 FileImmutable). */
  immutable?: ImmutableRule[];
  /** Accepted key pairs; a pair with securityToken requires that token. Default: DEV_CREDENTIALS. */
  credentials?: Credential[];
  /** Region expected in the V4 scope. Default cn-hangzhou. */
  region?: string;
  /** Directory for durable storage; in memory when absent. */
  dataDir?: string;
  /**
   * Verify and answer every request as usual but keep no object: writes succeed, reads find
   * nothing. For load tests of clients at sizes no store should have to hold. Not with dataDir.
   */
  discard?: boolean;
  faults?: Faults;
  /** Serve `POST /-/sts` returning mintSts() as JSON (for the browser demo). */
  stsEndpoint?: boolean;
  /**
   * Origins whose pages may fetch `/-/sts`, besides the server's own (e.g. `http://localhost:8080`
   * for a page served elsewhere). Other pages get 403 without CORS headers; `*` is refused.
   */
  stsAllowedOrigins?: string[];
  /** TTL of credentials handed out by /-/sts. Default 3600. */
  stsTtlSeconds?: number;
  /** CORS headers and preflight answers. Default true. */
  cors?: boolean;
  /** Largest accepted body. Default 64 MiB. */
  maxBodyBytes?: number;
  /** How many recent requests `requests` keeps. Default 1000. */
  requestLogSize?: number;
  /** Called with one line per answered request. */
  log?: (line: string) => void;
}

export interface ServerStats {
  requests: number;
  /** Answers by HTTP status. */
  responses: Record<string, number>;
  /** Injected faults by kind. */
  faults: Record<FaultKind, number>;
}

export interface LoggedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Epoch ms when it arrived (real clock). */
  time: number;
  /** Filled in once answered; undefined for dropped connections. */
  status?: number;
  requestId: string;
}

export interface OssServer {
  /** e.g. http://127.0.0.1:9000 */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly region: string;
  /** The permanent key pairs the server accepts. */
  readonly credentials: readonly Credential[];
  /** A snapshot of the counters. */
  readonly stats: ServerStats;
  /** Figures of the object store: keys held, log size, what opening it recovered. */
  readonly storage: StoreStats;
  /** Recent requests, oldest first (bounded). */
  readonly requests: readonly LoggedRequest[];
  clearRequests(): void;
  /** Replaces the fault settings (all rates and offsets not given return to zero). */
  setFaults(faults: Faults): void;
  /** Mints temporary credentials valid for ttlSeconds on this server's clock. */
  mintSts(options?: { ttlSeconds?: number }): StsCredentials;
  /** Lets pages from `origin` fetch `/-/sts` (like `stsAllowedOrigins`), e.g. once a page server is up. */
  allowStsOrigin(origin: string): void;
  /** Creates a bucket at run time (versioned when asked). */
  createBucket(name: string, options?: { versioned?: boolean }): Promise<void>;
  close(): Promise<void>;
}

const EXPOSED_HEADERS = [
  'ETag',
  'Date',
  'Last-Modified',
  'Content-Length',
  'Content-Type',
  'x-oss-request-id',
  'x-oss-version-id',
  'x-oss-ec',
  'x-oss-err',
  'x-oss-symlink-target',
  'x-oss-delete-marker',
  'x-oss-object-type',
  'x-oss-storage-class',
  'x-oss-hash-crc64ecma',
  'x-oss-tagging-count',
];
const CORS_METHODS = 'GET, PUT, POST, DELETE, HEAD';
// Query parameters that select operations this server does not implement.
const UNSUPPORTED_SUBRESOURCES = new Set([
  'acl', 'tagging', 'append', 'position', 'uploads', 'uploadId', 'partNumber', 'restore', 'objectMeta',
  'x-oss-process', 'x-oss-async-process', 'cors', 'lifecycle', 'versioning', 'versions', 'website', 'referer',
  'logging', 'policy', 'worm', 'wormId', 'encryption', 'replication', 'inventory', 'stat', 'location',
  'bucketInfo', 'delete', 'cname', 'live', 'comp', 'qosInfo', 'metaQuery', 'list-type', 'accessPoint',
]);
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** `scheme://host[:port]` as browsers send it in Origin; throws for anything else, `*` included. */
export function normalizeOrigin(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const trimmed = value.replace(/\/+$/, '');
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== trimmed.toLowerCase()) {
    throw new Error(`not an origin (scheme://host[:port]): ${value}`);
  }
  return url.origin;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const newRequestId = () => randomBytes(12).toString('hex').toUpperCase();

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

interface Address {
  bucket: string | undefined;
  key: string;
  query: Array<[string, string]>;
  virtualHosted: boolean;
}

function parseQuery(raw: string): Array<[string, string]> {
  const query: Array<[string, string]> = [];
  for (const item of raw.split('&')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    query.push([decodeKey(name, 'query parameter name'), decodeKey(value, 'query parameter value')]);
  }
  return query;
}

/** Bucket from a Host such as `bucket.localhost` or `bucket.oss-cn-hangzhou.aliyuncs.com`. */
function bucketFromHost(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  let hostname = hostHeader.trim().toLowerCase();
  if (hostname.startsWith('[')) return undefined; // IPv6 literal
  hostname = hostname.replace(/:\d+$/, '');
  const dot = hostname.indexOf('.');
  if (dot <= 0 || isIP(hostname)) return undefined;
  const rest = hostname.slice(dot + 1);
  if (isIP(rest)) return undefined;
  return hostname.slice(0, dot);
}

function parseAddress(req: IncomingMessage): Address {
  let target = req.url ?? '/';
  if (/^https?:\/\//i.test(target)) {
    const at = target.indexOf('/', target.indexOf('//') + 2);
    target = at < 0 ? '/' : target.slice(at);
  }
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = parseQuery(q < 0 ? '' : target.slice(q + 1));
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const hostBucket = bucketFromHost(headerValue(req.headers, 'host'));
  if (hostBucket !== undefined) {
    return { bucket: hostBucket, key: decodeKey(path, 'object name'), query, virtualHosted: true };
  }
  const slash = path.indexOf('/');
  const bucketPart = slash < 0 ? path : path.slice(0, slash);
  const keyPart = slash < 0 ? '' : path.slice(slash + 1);
  return {
    bucket: bucketPart === '' ? undefined : decodeKey(bucketPart, 'bucket name'),
    key: decodeKey(keyPart, 'object name'),
    query,
    virtualHosted: false,
  };
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
  });
}

export async function startServer(options: ServerOptions = {}): Promise<OssServer> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'cn-hangzhou';
  const corsEnabled = options.cors ?? true;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const requestLogSize = options.requestLogSize ?? 1000;
  const stsTtlSeconds = options.stsTtlSeconds ?? 3600;
  const immutable = options.immutable ?? [];
  const stsOrigins = new Set((options.stsAllowedOrigins ?? []).map(normalizeOrigin));
  const permanentCredentials = (options.credentials ?? [DEV_CREDENTIALS]).map((c) => ({ ...c }));
  const registry = new CredentialRegistry(permanentCredentials);
  const faults = new FaultInjector(options.faults);
  if (options.discard && options.dataDir) throw new Error('discard and dataDir cannot be used together');
  const store = await Store.open(options.dataDir, { discard: options.discard ?? false });
  const now = () => Date.now() + faults.clockOffsetMs;

  for (const name of [...(options.buckets ?? []), ...(options.versioned ?? [])]) {
    if (!BUCKET_NAME.test(name)) throw new Error(`invalid bucket name: ${name}`);
  }
  for (const name of options.buckets ?? []) await store.ensureBucket(name, false, now());
  for (const name of options.versioned ?? []) await store.ensureBucket(name, true, now());

  const stats: ServerStats = { requests: 0, responses: {}, faults: { error: 0, drop: 0, lostAnswer: 0, latency: 0 } };
  let requestLog: LoggedRequest[] = [];
  let hostId = `${host}`;

  const mintSts = ({ ttlSeconds = 3600 }: { ttlSeconds?: number } = {}) => registry.mint(ttlSeconds, now());

  function setCommonHeaders(req: IncomingMessage, res: ServerResponse, requestId: string, cors: boolean): void {
    res.setHeader('Server', 'AliyunOSS');
    res.setHeader('Date', new Date(now()).toUTCString());
    res.setHeader('x-oss-request-id', requestId);
    if (!cors) return;
    const origin = headerValue(req.headers, 'origin');
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    } else {
      res.setHeader('Access-Control-Allow-Origin', '*');
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
  }

  function record(entry: LoggedRequest, status: number, started: number): void {
    entry.status = status;
    stats.responses[status] = (stats.responses[status] ?? 0) + 1;
    options.log?.(`${entry.method} ${entry.url} ${status} ${Date.now() - started}ms ${entry.requestId}`);
  }

  function send(req: IncomingMessage, res: ServerResponse, answer: OpResponse): void {
    if (res.headersSent || res.destroyed) return;
    const headers = { ...answer.headers };
    if (corsEnabled) {
      // Browsers need each user-metadata name listed; wildcards do not work with credentials.
      const metaNames = Object.keys(headers).filter((name) => name.startsWith('x-oss-meta-'));
      if (metaNames.length > 0) headers['Access-Control-Expose-Headers'] = [...EXPOSED_HEADERS, ...metaNames].join(', ');
    }
    const body = answer.body ?? Buffer.alloc(0);
    // HEAD answers state the object's length without sending it.
    if (!('Content-Length' in headers)) headers['Content-Length'] = String(body.length);
    res.writeHead(answer.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function errorAnswer(req: IncomingMessage, error: OssError, requestId: string): OpResponse {
    const xml = errorXml(error, requestId, hostId);
    const headers: Record<string, string> = { 'x-oss-ec': error.ec, ...error.headers };
    if (req.method === 'HEAD') {
      headers['x-oss-err'] = Buffer.from(xml).toString('base64');
      headers['Content-Length'] = '0';
      return { status: error.status, headers };
    }
    headers['Content-Type'] = 'application/xml';
    return { status: error.status, headers, body: Buffer.from(xml) };
  }

  function preflight(req: IncomingMessage): OpResponse {
    if (!corsEnabled) {
      throw new OssError(403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this server.', '0004-00000001');
    }
    const requested = headerValue(req.headers, 'access-control-request-headers');
    const headers: Record<string, string> = {
      'Access-Control-Allow-Methods': CORS_METHODS,
      'Access-Control-Max-Age': '86400',
    };
    if (requested) headers['Access-Control-Allow-Headers'] = requested;
    return { status: 200, headers };
  }

  /**
   * POST /-/sts mints working keys, so only the server's own pages and the allowed origins may
   * read it; requests without Origin (curl, scripts) are not from a web page and are served.
   * The answer names the origin it allows and never carries credentials to `*`.
   */
  function stsAnswer(req: IncomingMessage): OpResponse {
    const origin = headerValue(req.headers, 'origin');
    if (origin !== undefined && !stsOrigins.has(origin)) {
      throw errors.accessDenied(`Pages from ${origin} may not fetch credentials from /-/sts. Allow it with --sts-allow-origin ${origin} (stsAllowedOrigins).`);
    }
    const cors: Record<string, string> = origin === undefined ? {} : { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      const requested = headerValue(req.headers, 'access-control-request-headers');
      return {
        status: 200,
        headers: { ...cors, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Max-Age': '600', ...(requested ? { 'Access-Control-Allow-Headers': requested } : {}) },
      };
    }
    if (req.method !== 'POST') {
      throw new OssError(405, 'MethodNotAllowed', 'Use POST /-/sts to get temporary credentials.', '0000-00000405');
    }
    const credentials = mintSts({ ttlSeconds: stsTtlSeconds });
    const body = JSON.stringify({ ...credentials, region, endpoint: server.url, buckets: store.bucketNames() });
    return { status: 200, headers: { ...cors, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body: Buffer.from(body) };
  }

  async function objectOperation(req: IncomingMessage, address: Address): Promise<OpResponse> {
    const method = req.method ?? 'GET';
    if (address.bucket === undefined) throw errors.notImplemented(`${method} on the service (e.g. ListBuckets)`);
    const queryMap = new Map<string, string>();
    for (const [name, value] of address.query) if (!queryMap.has(name)) queryMap.set(name, value);
    for (const name of queryMap.keys()) {
      if (UNSUPPORTED_SUBRESOURCES.has(name)) throw errors.notImplemented(`The ?${name} sub-resource`);
    }

    const authRequest = { method, bucket: address.bucket, key: address.key, query: address.query, headers: req.headers };
    const authenticateNow = (): AuthResult => authenticate(authRequest, { region, now: now(), lookup: (id) => registry.lookup(id) });

    const bucket = store.getBucket(address.bucket);
    if (address.key === '') {
      if (method === 'PUT' && queryMap.size === 0) {
        if (authenticateNow().kind === 'anonymous') throw errors.accessDenied('Anonymous users cannot create buckets.');
        if (!BUCKET_NAME.test(address.bucket)) {
          throw new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.', '0015-00000001', { BucketName: address.bucket });
        }
        await store.ensureBucket(address.bucket, false, now());
        return { status: 200, headers: { Location: `/${address.bucket}` } };
      }
      if (!bucket) throw errors.noSuchBucket(address.bucket);
      authenticateNow();
      throw errors.notImplemented(`${method} on a bucket (e.g. ListObjects)`);
    }
    if (!bucket) throw errors.noSuchBucket(address.bucket);
    validateKey(address.key);
    const auth = authenticateNow();

    const body = await readBody(req, maxBodyBytes);
    const op: OpRequest = { method, bucket, key: address.key, query: queryMap, headers: req.headers, body, auth, now: now(), store, immutable };
    const symlink = queryMap.has('symlink');
    switch (method) {
      case 'PUT':
        return symlink ? putSymlink(op) : putObject(op);
      case 'GET':
        return symlink ? getSymlink(op) : getObject(op, true);
      case 'HEAD':
        return symlink ? getSymlink(op) : getObject(op, false);
      case 'DELETE':
        if (symlink) throw errors.notImplemented('DELETE with ?symlink');
        return deleteObject(op);
      default:
        throw errors.notImplemented(`${method} on an object (e.g. PostObject)`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = newRequestId();
    stats.requests++;
    const entry: LoggedRequest = { method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, time: started, requestId };
    requestLog.push(entry);
    if (requestLog.length > requestLogSize) requestLog.splice(0, requestLog.length - requestLogSize);
    res.on('error', () => undefined);
    req.on('error', () => undefined);

    let answer: OpResponse;
    let lostAnswer = false;
    try {
      const pathOnly = (req.url ?? '').split('?')[0];
      const sts = options.stsEndpoint === true && pathOnly === '/-/sts';
      setCommonHeaders(req, res, requestId, corsEnabled && !sts);
      if (sts) {
        answer = stsAnswer(req);
      } else if (req.method === 'OPTIONS') {
        answer = preflight(req);
      } else {
        if (faults.latencyMs > 0) {
          stats.faults.latency++;
          await sleep(faults.latencyMs);
        }
        const decision = faults.decide();
        if (decision.kind === 'drop') {
          stats.faults.drop++;
          req.socket.destroy();
          return;
        }
        if (decision.kind === 'error') {
          stats.faults.error++;
          throw decision.status === 503
            ? new OssError(503, 'ServiceUnavailable', 'Please reduce your request rate (injected fault).', '0000-00000503')
            : errors.internal('We encountered an internal error (injected fault). Please try again.');
        }
        lostAnswer = decision.kind === 'lostAnswer';
        const contentLength = Number(headerValue(req.headers, 'content-length') ?? 0);
        if (contentLength > maxBodyBytes) throw new BodyTooLarge();
        answer = await objectOperation(req, parseAddress(req));
      }
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        error = new OssError(400, 'EntityTooLarge', `Your proposed upload exceeds the maximum allowed size of ${maxBodyBytes} bytes.`, '0000-00000413');
      }
      if (!(error instanceof OssError)) {
        if (req.destroyed || res.destroyed) return; // the client went away mid-request
        options.log?.(`internal error on ${req.method} ${req.url}: ${(error as Error)?.stack ?? String(error)}`);
        error = errors.internal();
      }
      answer = errorAnswer(req, error as OssError, requestId);
    }
    if (lostAnswer) {
      stats.faults.lostAnswer++;
      res.socket?.destroy();
      return;
    }
    record(entry, answer.status, started);
    send(req, res, answer);
  }

  const httpServer = http.createServer({ maxHeaderSize: 64 * 1024, keepAlive: true }, (req, res) => {
    handle(req, res).catch((error) => {
      options.log?.(`unexpected failure: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('internal error');
      } else res.destroy();
    });
  });
  // Longer than typical client idle timeouts, so clients close idle sockets first (no reuse races).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return void socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const ossError = new OssError(tooLarge ? 431 : 400, tooLarge ? 'RequestHeaderTooLarge' : 'InvalidRequest',
      tooLarge ? 'The request headers are too large.' : 'The request could not be parsed.', '0000-00000400');
    // Unparsable requests get an OSS-style answer too: request id and CORS, so a browser sees it.
    const requestId = newRequestId();
    const xml = errorXml(ossError, requestId, hostId);
    const cors = corsEnabled ? `Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: ${EXPOSED_HEADERS.join(', ')}\r\n` : '';
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(xml)}\r\nx-oss-request-id: ${requestId}\r\nx-oss-ec: ${ossError.ec}\r\n${cors}Connection: close\r\n\r\n${xml}`);
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const boundPort = (httpServer.address() as { port: number }).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  hostId = `${urlHost}:${boundPort}`;
  stsOrigins.add(`http://${urlHost}:${boundPort}`);
  if (['127.0.0.1', '::1', 'localhost'].includes(host)) {
    // The same loopback server under its other names (not 0.0.0.0: any name could reach that).
    for (const name of ['127.0.0.1', '[::1]', 'localhost']) stsOrigins.add(`http://${name}:${boundPort}`);
  }

  let closing: Promise<void> | undefined;
  const server: OssServer = {
    url: `http://${urlHost}:${boundPort}`,
    port: boundPort,
    host,
    region,
    credentials: permanentCredentials,
    get stats(): ServerStats {
      return { requests: stats.requests, responses: { ...stats.responses }, faults: { ...stats.faults } };
    },
    get storage(): StoreStats {
      return store.stats();
    },
    get requests(): readonly LoggedRequest[] {
      return requestLog;
    },
    clearRequests() {
      requestLog = [];
    },
    setFaults(next: Faults) {
      faults.set(next);
    },
    mintSts,
    allowStsOrigin(origin: string) {
      stsOrigins.add(normalizeOrigin(origin));
    },
    async createBucket(name: string, { versioned = false } = {}) {
      if (!BUCKET_NAME.test(name)) throw new Error(`invalid bucket name: ${name}`);
      await store.ensureBucket(name, versioned, now());
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        // Give in-flight requests a moment, then cut whatever is left.
        const timer = setTimeout(() => httpServer.closeAllConnections(), 1000);
        await closed;
        clearTimeout(timer);
        await store.close();
      })();
      return closing;
    },
  };
  return server;
}
