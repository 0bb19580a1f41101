/**
 * `signRequest`: the V4 signer on its own, for any OSS request. Synchronous; in browsers, await
 * `initWasm()` once before the first call.
 *
 * ```ts
 * const signed = signRequest({
 *   method: 'PUT', region: 'cn-hangzhou', bucket: 'examplebucket', key: 'links/today.jpg',
 *   query: { symlink: '' }, headers: { 'x-oss-symlink-target': 'a%20b.jpg' },
 *   credentials: { accessKeyId, accessKeySecret },
 * });
 * await fetch(signed.url, { method: 'PUT', headers: signed.headers });
 * ```
 */
import { callCore } from './core.js';
import { OssError } from './errors.js';
import * as input from './input.js';
import type { SignedRequest, SignRequestInput } from './types.js';

export function signRequest(request: SignRequestInput): SignedRequest {
  if (!request || typeof request !== 'object') throw new OssError({ code: 'InvalidInput', message: 'signRequest(input): input must be an object' });
  const c = request.credentials;
  if (!c || typeof c !== 'object') throw new OssError({ code: 'InvalidCredentials', field: 'credentials', message: 'credentials must be an object' });
  const date = request.date ?? new Date();
  if (!(date instanceof Date)) throw new OssError({ code: 'InvalidDate', field: 'date', message: 'date must be a Date' });
  const core = {
    method: input.str(request.method, 'method'),
    region: input.str(request.region, 'region'),
    product: input.optStr(request.product, 'product'),
    endpoint: input.optStr(request.endpoint, 'endpoint'),
    addressing: input.optStr(request.addressing, 'addressing'),
    bucket: input.optStr(request.bucket, 'bucket'),
    key: input.optStr(request.key, 'key'),
    query: input.pairs(request.query, 'query'),
    headers: input.pairs(request.headers, 'headers'),
    credentials: {
      accessKeyId: input.str(c.accessKeyId, 'credentials.accessKeyId'),
      accessKeySecret: input.str(c.accessKeySecret, 'credentials.accessKeySecret'),
      securityToken: input.optStr(c.securityToken, 'credentials.securityToken'),
    },
    time: date.getTime(),
    additionalHeaders: input.strList(request.additionalHeaders, 'additionalHeaders'),
    presignExpires: input.optNumber(request.presignExpires, 'presignExpires'),
  };
  const out = callCore<{ url: string; headers: [string, string][]; query: [string, string][]; signature: string; stringToSign: string; canonicalRequest: string }>(
    (w) => w.signRequest(core),
  );
  return { url: out.url, headers: Object.fromEntries(out.headers), query: out.query, signature: out.signature, stringToSign: out.stringToSign, canonicalRequest: out.canonicalRequest };
}
