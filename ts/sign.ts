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
import { Packer, SIGN, toPairs } from './core.js';
import { OssError } from './errors.js';
import * as input from './input.js';
import type { SignedRequest, SignRequestInput } from './types.js';

export function signRequest(request: SignRequestInput): SignedRequest {
  if (!request || typeof request !== 'object') throw new OssError({ code: 'InvalidInput', message: 'signRequest(input): input must be an object' });
  const c = request.credentials;
  if (!c || typeof c !== 'object') throw new OssError({ code: 'InvalidCredentials', field: 'credentials', message: 'credentials must be an object' });
  const date = request.date ?? new Date();
  if (!(date instanceof Date)) throw new OssError({ code: 'InvalidDate', field: 'date', message: 'date must be a Date' });
  const time = date.getTime();
  const query = input.pairs(request.query, 'query');
  const expires = input.optNumber(request.presignExpires, 'presignExpires');
  // The order is the one `sign_request` reads in src/wasm.rs.
  const out = new Packer()
    .value(input.str(request.method, 'method'))
    .value(input.str(request.region, 'region'))
    .value(input.optStr(request.product, 'product'))
    .value(input.optStr(request.endpoint, 'endpoint'))
    .value(input.optStr(request.addressing, 'addressing'))
    .value(input.optStr(request.bucket, 'bucket'))
    .value(input.optStr(request.key, 'key'))
    .value(input.str(c.accessKeyId, 'credentials.accessKeyId'))
    .value(input.str(c.accessKeySecret, 'credentials.accessKeySecret'))
    .value(input.optStr(c.securityToken, 'credentials.securityToken'))
    .value(expires === undefined ? undefined : String(expires))
    .pairs(query)
    .pairs(input.pairs(request.headers, 'headers'))
    .list(input.strList(request.additionalHeaders, 'additionalHeaders'))
    .call(SIGN, time);
  // url, signature, string to sign, canonical request, header count, headers, query
  const headersEnd = 5 + 2 * Number(out[4]);
  return {
    url: out[0]!,
    headers: Object.fromEntries(toPairs(out, 5, headersEnd)),
    query: toPairs(out, headersEnd),
    signature: out[1]!,
    stringToSign: out[2]!,
    canonicalRequest: out[3]!,
  };
}
