// OSS V4 (OSS4-HMAC-SHA256) verification, header and presigned-URL forms, on node:crypto only.
// Deliberately independent of the project's Rust signer so a bug in one cannot hide in the other.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { OssError, errors } from './xml.js';

export const ALGORITHM = 'OSS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_EXPIRES_S = 604800;
// A presigned URL may be used from 15 minutes before its x-oss-date (clock leeway) until
// x-oss-date + x-oss-expires (OSS EC 0002-00000235 and 0002-00000236).
const PRESIGN_EARLY_MS = 15 * 60 * 1000;

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** Percent-encodes the UTF-8 bytes of `text`; only A-Z a-z 0-9 - _ . ~ (and `/` when asked) stay. */
export function ossEncode(text: string, keepSlash = false): string {
  let out = '';
  for (const ch of text) {
    if (UNRESERVED.test(ch) || (keepSlash && ch === '/')) {
      out += ch;
    } else {
      for (const byte of Buffer.from(ch, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

export interface CanonicalParts {
  method: string;
  bucket?: string | undefined;
  key: string;
  /** Decoded query parameters, in any order; an empty value means a bare name (`symlink`). */
  query: Array<[string, string]>;
  /** Request headers with lower-case names. */
  headers: Record<string, string | undefined>;
  /** Lower-case header names the signer listed in AdditionalHeaders. */
  additionalHeaders: string[];
  hashedPayload: string;
}

export function canonicalUri(bucket: string | undefined, key: string): string {
  if (!bucket) return '/';
  return ossEncode(`/${bucket}/${key}`, true);
}

export function canonicalQuery(query: Array<[string, string]>): string {
  const encoded = query.map(([name, value]) => [ossEncode(name), ossEncode(value)] as const);
  // Byte order of the encoded names (all ASCII after encoding, so code-unit order is byte order).
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([name, value]) => (value === '' ? name : `${name}=${value}`)).join('&');
}

function isAlwaysSigned(name: string): boolean {
  return name.startsWith('x-oss-') || name === 'content-type' || name === 'content-md5';
}

export function canonicalRequest(parts: CanonicalParts): string {
  const additional = new Set(parts.additionalHeaders);
  const names = Object.keys(parts.headers)
    .filter((name) => parts.headers[name] !== undefined && (isAlwaysSigned(name) || additional.has(name)))
    .sort();
  const headerLines = names.map((name) => `${name}:${(parts.headers[name] ?? '').trim()}\n`).join('');
  return [
    parts.method.toUpperCase(),
    canonicalUri(parts.bucket, parts.key),
    canonicalQuery(parts.query),
    headerLines,
    parts.additionalHeaders.join(';'),
    parts.hashedPayload,
  ].join('\n');
}

export function v4Scope(day: string, region: string, product: string): string {
  return `${day}/${region}/${product}/aliyun_v4_request`;
}

export function v4StringToSign(ossDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, ossDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
}

export function v4Signature(secret: string, day: string, region: string, product: string, toSign: string): string {
  let key: Buffer = createHmac('sha256', `aliyun_v4${secret}`).update(day).digest();
  key = createHmac('sha256', key).update(region).digest();
  key = createHmac('sha256', key).update(product).digest();
  key = createHmac('sha256', key).update('aliyun_v4_request').digest();
  return createHmac('sha256', key).update(toSign).digest('hex');
}

/** Parses `YYYYMMDDTHHMMSSZ` into epoch milliseconds, or undefined when malformed. */
export function parseOssDate(value: string | undefined): number | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Rejects dates like 20231345 that Date.UTC would silently roll over.
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  return ms;
}

export interface Credential {
  accessKeyId: string;
  accessKeySecret: string;
  /** When set, requests with this key must carry exactly this x-oss-security-token. */
  securityToken?: string | undefined;
  /** Epoch ms after which the credential answers SecurityTokenExpired. */
  expiration?: number | undefined;
}

export interface AuthContext {
  region: string;
  product?: string;
  /** The server's notion of now (epoch ms), clock offset included. */
  now: number;
  lookup: (accessKeyId: string) => Credential | undefined;
}

export interface AuthRequest {
  method: string;
  bucket?: string | undefined;
  key: string;
  query: Array<[string, string]>;
  headers: IncomingHttpHeaders;
}

export type AuthResult = { kind: 'anonymous' } | { kind: 'signed'; accessKeyId: string; presigned: boolean };

interface SignedFields {
  accessKeyId: string;
  day: string;
  region: string;
  product: string;
  ossDate: string;
  additionalHeaders: string[];
  signature: string;
  securityToken: string | undefined;
  presigned: boolean;
  expiresSeconds?: number;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function queryValue(query: Array<[string, string]>, name: string): string | undefined {
  return query.find(([n]) => n === name)?.[1];
}

const malformed = (what: string, ec = '0002-00000201') =>
  errors.invalidArgument(`Authorization is malformed: ${what}. Expected ${ALGORITHM} Credential=<AccessKeyId>/<YYYYMMDD>/<region>/oss/aliyun_v4_request,[AdditionalHeaders=<a;b>,]Signature=<hex>.`, ec);

// EC per form (doc): a bad SignDate is 0002-00000212 in the header, 0002-00000223 in a URL; any
// other bad Credential is 0002-00000213 in the header, 0002-00000224 in a URL.
const CREDENTIAL_ECS = {
  header: { signDate: '0002-00000212', credential: '0002-00000213' },
  presigned: { signDate: '0002-00000223', credential: '0002-00000224' },
};

function parseCredential(value: string, form: keyof typeof CREDENTIAL_ECS): Pick<SignedFields, 'accessKeyId' | 'day' | 'region' | 'product'> {
  const ecs = CREDENTIAL_ECS[form];
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aliyun_v4_request' || !parts[0]) {
    throw errors.invalidArgument(`The credential "${value}" is not <AccessKeyId>/<YYYYMMDD>/<region>/oss/aliyun_v4_request.`, ecs.credential);
  }
  if (!/^\d{8}$/.test(parts[1] ?? '')) {
    throw errors.invalidArgument(`The SignDate "${parts[1]}" in the credential is not YYYYMMDD.`, ecs.signDate);
  }
  return { accessKeyId: parts[0], day: parts[1]!, region: parts[2]!, product: parts[3]! };
}

/** AdditionalHeaders: absent is none; present it must list non-empty names (ECs 209, 210). */
function parseAdditional(value: string | undefined): string[] {
  if (value === undefined) return [];
  if (value === '') throw errors.invalidArgument('AdditionalHeaders is present but empty; leave it out instead.', '0002-00000209');
  const names = value.split(';').map((name) => name.trim().toLowerCase());
  if (names.includes('')) throw errors.invalidArgument(`AdditionalHeaders "${value}" contains an empty name.`, '0002-00000210');
  return names;
}

function parseAuthorizationHeader(value: string, headers: IncomingHttpHeaders): SignedFields {
  if (!value.startsWith(ALGORITHM + ' ')) {
    if (/^OSS\s/.test(value)) {
      throw errors.invalidArgument('V1 signatures (Authorization: OSS ...) are not supported by this server; sign with OSS4-HMAC-SHA256.', '0002-00000201');
    }
    throw malformed('unknown algorithm');
  }
  const fields = new Map<string, string>();
  for (const item of value.slice(ALGORITHM.length + 1).split(',')) {
    const trimmed = item.trim();
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw malformed(`bad item "${trimmed}"`);
    fields.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
  }
  const credential = fields.get('Credential');
  const signature = fields.get('Signature');
  if (!credential) throw malformed('missing Credential');
  if (signature === undefined) throw malformed('missing Signature');
  if (signature === '') throw malformed('empty Signature', '0002-00000208');
  const ossDate = headerValue(headers, 'x-oss-date') ?? '';
  // V4 header signatures are computed over UNSIGNED-PAYLOAD; OSS refuses any other value
  // (EC 0002-00000214). A missing header is refused the same way (not documented separately).
  const contentSha256 = headerValue(headers, 'x-oss-content-sha256');
  if (contentSha256 !== UNSIGNED_PAYLOAD) {
    throw errors.invalidArgument(
      contentSha256 === undefined ? `A V4 signed request needs the header x-oss-content-sha256: ${UNSIGNED_PAYLOAD}.`
        : `The value of x-oss-content-sha256 is invalid: V4 requests must send ${UNSIGNED_PAYLOAD}.`,
      '0002-00000214');
  }
  return {
    ...parseCredential(credential, 'header'),
    ossDate,
    additionalHeaders: parseAdditional(fields.get('AdditionalHeaders')),
    signature: signature.toLowerCase(),
    securityToken: headerValue(headers, 'x-oss-security-token'),
    presigned: false,
  };
}

function parsePresignedQuery(query: Array<[string, string]>): SignedFields {
  const version = queryValue(query, 'x-oss-signature-version');
  if (version !== ALGORITHM) {
    throw errors.invalidArgument(`x-oss-signature-version must be ${ALGORITHM}.`, '0002-00000201' /* stand-in */);
  }
  const credential = queryValue(query, 'x-oss-credential');
  const signature = queryValue(query, 'x-oss-signature');
  const expires = queryValue(query, 'x-oss-expires');
  if (!credential) throw errors.invalidArgument('The presigned URL has no x-oss-credential.', '0002-00000222');
  if (signature === undefined) throw errors.invalidArgument('The presigned URL has no x-oss-signature.', '0002-00000219');
  if (signature === '') throw errors.invalidArgument('The x-oss-signature of the presigned URL is empty.', '0002-00000220');
  if (expires === undefined) throw errors.invalidArgument('The presigned URL has no x-oss-expires.', '0002-00000215');
  const expiresSeconds = /^\d+$/.test(expires) ? Number(expires) : NaN;
  if (!(expiresSeconds >= 1 && expiresSeconds <= MAX_PRESIGN_EXPIRES_S)) {
    throw errors.invalidArgument(`x-oss-expires must be an integer from 1 to ${MAX_PRESIGN_EXPIRES_S}.`, '0002-00000232');
  }
  return {
    ...parseCredential(credential, 'presigned'),
    ossDate: queryValue(query, 'x-oss-date') ?? '',
    additionalHeaders: parseAdditional(queryValue(query, 'x-oss-additional-headers')),
    signature: signature.toLowerCase(),
    securityToken: queryValue(query, 'x-oss-security-token'),
    presigned: true,
    expiresSeconds,
  };
}

function isoFromOssDate(ossDate: string): string {
  const ms = parseOssDate(ossDate);
  return ms === undefined ? ossDate : new Date(ms).toISOString();
}

/**
 * Authenticates a request: anonymous when it carries no signature, otherwise a verified V4 signature.
 * Throws an OssError describing the first problem found.
 */
export function authenticate(req: AuthRequest, ctx: AuthContext): AuthResult {
  const authorization = headerValue(req.headers, 'authorization');
  let fields: SignedFields;
  if (authorization !== undefined) {
    fields = parseAuthorizationHeader(authorization.trim(), req.headers);
  } else if (queryValue(req.query, 'x-oss-signature-version') !== undefined || queryValue(req.query, 'x-oss-signature') !== undefined) {
    fields = parsePresignedQuery(req.query);
  } else if (queryValue(req.query, 'OSSAccessKeyId') !== undefined) {
    throw errors.invalidArgument('V1 presigned URLs are not supported by this server; presign with OSS4-HMAC-SHA256.', '0002-00000201');
  } else {
    return { kind: 'anonymous' };
  }

  const requestTime = parseOssDate(fields.ossDate);
  if (requestTime === undefined) {
    // Doc ECs: 0002-00000503 no date at all, 0002-00000505 a date that does not parse.
    throw errors.accessDenied(`x-oss-date is missing or not in the form YYYYMMDDTHHMMSSZ (got "${fields.ossDate}").`,
      fields.ossDate === '' ? '0002-00000503' : '0002-00000505');
  }
  if (fields.ossDate.slice(0, 8) !== fields.day) {
    throw errors.invalidArgument(`The credential date ${fields.day} does not match x-oss-date ${fields.ossDate}.`, '0002-00000231');
  }
  const product = ctx.product ?? 'oss';
  if (fields.region !== ctx.region || fields.product !== product) {
    // Code, message and EC as OSS answers a wrong region (a recorded answer in tests/conformance).
    throw errors.invalidArgument(
      `Invalid signing region in Authorization header. This server expects region "${ctx.region}" and product "${product}", not "${fields.region}/${fields.product}".`,
      '0002-00000226');
  }
  for (const name of fields.additionalHeaders) {
    if (name.includes('_') || req.headers[name] === undefined) {
      throw errors.invalidArgument(`AdditionalHeaders names "${name}", which is not a header of this request.`, '0002-00000211');
    }
  }

  if (fields.presigned) {
    const expiresAt = requestTime + fields.expiresSeconds! * 1000;
    if (ctx.now < requestTime - PRESIGN_EARLY_MS) {
      throw new OssError(403, 'AccessDenied', 'Request is not valid yet: it is used more than 15 minutes before its x-oss-date.', '0002-00000235', {
        RequestTime: isoFromOssDate(fields.ossDate),
        ServerTime: new Date(ctx.now).toISOString(),
      });
    }
    if (ctx.now > expiresAt) {
      throw new OssError(403, 'AccessDenied', 'Request has expired.', '0002-00000236', {
        Expires: new Date(expiresAt).toISOString(),
        ServerTime: new Date(ctx.now).toISOString(),
      });
    }
  } else if (Math.abs(ctx.now - requestTime) > MAX_SKEW_MS) {
    throw new OssError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', '0002-00000504', {
      RequestTime: isoFromOssDate(fields.ossDate),
      ServerTime: new Date(ctx.now).toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }

  const credential = ctx.lookup(fields.accessKeyId);
  if (!credential) {
    throw new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', '0002-00000902', {
      OSSAccessKeyId: fields.accessKeyId,
    });
  }
  if (credential.securityToken !== undefined || fields.securityToken !== undefined) {
    if (credential.securityToken === undefined || fields.securityToken !== credential.securityToken) {
      throw new OssError(403, 'InvalidSecurityToken',
        fields.securityToken === undefined ? 'The request uses temporary credentials but carries no x-oss-security-token.'
          : 'The security token you provided is invalid for this AccessKeyId.', '0002-00000910');
    }
    if (credential.expiration !== undefined && ctx.now > credential.expiration) {
      throw new OssError(403, 'SecurityTokenExpired', 'The security token you provided has expired.', '0002-00000911', {
        Expiration: new Date(credential.expiration).toISOString(),
        ServerTime: new Date(ctx.now).toISOString(),
      });
    }
  }

  const headers: Record<string, string | undefined> = {};
  for (const name of Object.keys(req.headers)) headers[name] = headerValue(req.headers, name);
  const hashedPayload = UNSIGNED_PAYLOAD;
  const canonical = canonicalRequest({
    method: req.method,
    bucket: req.bucket,
    key: req.key,
    query: fields.presigned ? req.query.filter(([name]) => name !== 'x-oss-signature') : req.query,
    headers,
    additionalHeaders: fields.additionalHeaders,
    hashedPayload,
  });
  const toSign = v4StringToSign(fields.ossDate, v4Scope(fields.day, fields.region, fields.product), canonical);
  const expected = v4Signature(credential.accessKeySecret, fields.day, fields.region, fields.product, toSign);
  const provided = Buffer.from(fields.signature);
  if (provided.length !== expected.length || !timingSafeEqual(Buffer.from(expected), provided)) {
    throw new OssError(403, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      '0002-00000040', {
        OSSAccessKeyId: fields.accessKeyId,
        SignatureProvided: fields.signature,
        StringToSign: toSign,
        CanonicalRequest: canonical,
      });
  }
  return { kind: 'signed', accessKeyId: fields.accessKeyId, presigned: fields.presigned };
}
