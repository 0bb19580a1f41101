/**
 * An edge worker (Cloudflare Workers / workerd) that creates OSS symbolic links on request.
 *
 *   POST /link   {"link": "links/today.jpg", "target": "photos/2026/原图 1.jpg", "forbidOverwrite": true}
 *                → 200 {"ok": true, "result": {status, requestId, etag, versionId?, attempts}}
 *   GET  /link?key=links/today.jpg
 *                → 200 {"ok": true, "link": {target, etag, lastModified, versionId?, meta, requestId}}
 *
 * Failures answer {"ok": false, "error": {code, status, message, requestId, ec, field, ...}}: with
 * OSS's HTTP status when OSS refused (409 FileAlreadyExists, 403 SignatureDoesNotMatch, ...), 400 for
 * input the library rejected before sending, 502 when OSS could not be reached.
 *
 * Configuration comes from the environment bindings (secrets for the keys); see wrangler.toml.
 * The package's `workerd`/`worker` export condition selects the entry that imports the .wasm as a
 * compiled module, so there is nothing to initialise.
 */
import { OssClient, OssError, type PutSymlinkOptions } from 'oss-symlink';

export interface Env {
  OSS_REGION: string;
  OSS_BUCKET: string;
  /** Optional; default `https://oss-<region>.aliyuncs.com`. */
  OSS_ENDPOINT?: string;
  OSS_ACCESS_KEY_ID: string;
  OSS_ACCESS_KEY_SECRET: string;
  OSS_SECURITY_TOKEN?: string;
  /** When set, callers must send `Authorization: Bearer <LINK_API_TOKEN>`. */
  LINK_API_TOKEN?: string;
}

interface LinkRequest {
  link: string;
  target: string;
  forbidOverwrite?: boolean;
  acl?: PutSymlinkOptions['acl'];
  storageClass?: PutSymlinkOptions['storageClass'];
  meta?: Record<string, string>;
  tagging?: Record<string, string>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== '/link') return json(404, { ok: false, error: { code: 'NotFound', status: 404, message: 'use POST /link or GET /link?key=' } });
    if (env.LINK_API_TOKEN && request.headers.get('authorization') !== `Bearer ${env.LINK_API_TOKEN}`) {
      return json(401, { ok: false, error: { code: 'Unauthorized', status: 401, message: 'missing or wrong bearer token' } });
    }
    try {
      const client = clientFor(env);
      if (request.method === 'POST') {
        const body = await readLinkRequest(request);
        const options: PutSymlinkOptions = {};
        if (body.forbidOverwrite !== undefined) options.forbidOverwrite = body.forbidOverwrite;
        if (body.acl !== undefined) options.acl = body.acl;
        if (body.storageClass !== undefined) options.storageClass = body.storageClass;
        if (body.meta !== undefined) options.meta = body.meta;
        if (body.tagging !== undefined) options.tagging = body.tagging;
        const result = await client.putSymlink(body.link, body.target, options);
        return json(200, { ok: true, result });
      }
      if (request.method === 'GET') {
        const key = url.searchParams.get('key');
        if (!key) return json(400, { ok: false, error: { code: 'InvalidInput', status: 0, field: 'key', message: 'the key query parameter is required' } });
        const link = await client.getSymlink(key);
        return json(200, { ok: true, link });
      }
      return json(405, { ok: false, error: { code: 'MethodNotAllowed', status: 405, message: 'use POST or GET' } });
    } catch (e) {
      if (e instanceof OssError) {
        // e.status is OSS's answer (0 when there was none); OssError.toJSON never carries secrets.
        const httpStatus = e.status >= 400 ? e.status : e.code === 'NetworkError' || e.code === 'RequestTimeout' ? 502 : 400;
        return json(httpStatus, { ok: false, error: e.toJSON() });
      }
      if (e instanceof BadRequest) return json(400, { ok: false, error: { code: 'InvalidRequest', status: 0, message: e.message } });
      throw e;
    }
  },
};

function clientFor(env: Env): OssClient {
  return new OssClient({
    region: env.OSS_REGION,
    bucket: env.OSS_BUCKET,
    ...(env.OSS_ENDPOINT ? { endpoint: env.OSS_ENDPOINT } : {}),
    credentials: {
      accessKeyId: env.OSS_ACCESS_KEY_ID,
      accessKeySecret: env.OSS_ACCESS_KEY_SECRET,
      ...(env.OSS_SECURITY_TOKEN ? { securityToken: env.OSS_SECURITY_TOKEN } : {}),
    },
  });
}

class BadRequest extends Error {}

async function readLinkRequest(request: Request): Promise<LinkRequest> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new BadRequest('the body must be JSON: {"link": "...", "target": "..."}');
  }
  if (!body || typeof body !== 'object') throw new BadRequest('the body must be a JSON object');
  const { link, target } = body as Partial<LinkRequest>;
  if (typeof link !== 'string' || typeof target !== 'string') throw new BadRequest('"link" and "target" must be strings');
  // Everything else is checked by the library (OssError with code and field).
  return body as LinkRequest;
}

function json(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
