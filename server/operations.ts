// The object operations: PutObject, GetObject, HeadObject, DeleteObject, PutSymlink, GetSymlink.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ossEncode, type AuthResult } from './auth.js';
import { crc64ecma } from './crc64.js';
import { newVersionId, type Acl, type Bucket, type ObjectVersion, type Store } from './store.js';
import { OssError, errors } from './xml.js';

export interface ImmutableRule {
  bucket: string;
  prefix: string;
}

export interface OpRequest {
  method: string;
  bucket: Bucket;
  key: string;
  query: Map<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
  auth: AuthResult;
  now: number;
  store: Store;
  immutable: ImmutableRule[];
}

export interface OpResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
}

const ACLS: readonly Acl[] = ['default', 'private', 'public-read', 'public-read-write'];
const STORAGE_CLASSES = ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'];
// The PutSymlink page lists only these; IA and Archive are allowed but discouraged for links.
const SYMLINK_STORAGE_CLASSES = ['Standard', 'IA', 'Archive'];
const MAX_META_BYTES = 8 * 1024;
const MAX_TAGS = 10;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
const MAX_KEY_BYTES = 1023;
/** EC of a read through a symlink whose target does not exist (documented by OSS). */
export const DANGLING_LINK_EC = '0026-00000012';
// Standard headers stored with an object and returned on GetObject/HeadObject.
const KEPT_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'];

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

const httpDate = (ms: number) => new Date(ms).toUTCString();
const md5 = (data: Buffer | string) => createHash('md5').update(data);

/** Checks an object key against the OSS naming rules (1..1023 UTF-8 bytes, no leading / or \). */
export function validateKey(key: string, what = 'object name'): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0 || bytes > MAX_KEY_BYTES || key.startsWith('/') || key.startsWith('\\')) {
    throw new OssError(400, 'InvalidObjectName', `The ${what} is not valid: it must be 1 to 1023 bytes of UTF-8 and not start with / or \\.`, '0016-00000005');
  }
}

/** Percent-decodes a key the way OSS does: UTF-8, `+` stays a plus. */
export function decodeKey(encoded: string, what: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw errors.invalidArgument(`The ${what} is not valid percent-encoded UTF-8.`, '0016-00000005');
  }
}

interface WriteOptions {
  acl: Acl;
  storageClass: string;
  forbidOverwrite: boolean;
  meta: Record<string, string>;
  tagging: string;
  tagCount: number;
}

function parseTagging(value: string | undefined): { tagging: string; count: number } {
  if (value === undefined || value === '') return { tagging: '', count: 0 };
  // ECs from OSS's pages: 0010-00000219 a malformed header, 0010-00000217 a bad key, value or
  // count; 0010-00000216 (bad percent-encoding) and the Code InvalidTag are this server's own.
  const invalidTag = (message: string, ec: string) => new OssError(400, 'InvalidTag', message, ec);
  const pairs: Array<[string, string]> = [];
  for (const item of value.split('&')) {
    const parts = item.split('=');
    if (parts.length > 2) throw invalidTag(`x-oss-tagging must be in the form k1=v1&k2=v2 (got "${item}").`, '0010-00000219');
    let key: string;
    let tagValue: string;
    try {
      key = decodeURIComponent(parts[0]!);
      tagValue = decodeURIComponent(parts[1] ?? '');
    } catch {
      throw invalidTag('x-oss-tagging is not valid percent-encoded UTF-8.', '0010-00000216');
    }
    if (key === '' || [...key].length > MAX_TAG_KEY) throw invalidTag(`A tag key must be 1 to ${MAX_TAG_KEY} characters.`, '0010-00000217');
    if ([...tagValue].length > MAX_TAG_VALUE) throw invalidTag(`A tag value must be at most ${MAX_TAG_VALUE} characters.`, '0010-00000217');
    if (pairs.some(([k]) => k === key)) throw invalidTag(`The tag key "${key}" appears twice.`, '0010-00000217');
    pairs.push([key, tagValue]);
  }
  if (pairs.length > MAX_TAGS) throw invalidTag(`An object can have at most ${MAX_TAGS} tags (got ${pairs.length}).`, '0010-00000217');
  return { tagging: pairs.map(([k, v]) => `${ossEncode(k)}=${ossEncode(v)}`).join('&'), count: pairs.length };
}

function parseMeta(headers: IncomingHttpHeaders): Record<string, string> {
  const meta: Record<string, string> = {};
  let total = 0;
  for (const name of Object.keys(headers)) {
    if (!name.startsWith('x-oss-meta-')) continue;
    const shortName = name.slice('x-oss-meta-'.length);
    if (!/^[a-z0-9-]+$/.test(shortName)) {
      throw errors.invalidArgument(`The user metadata name "${name}" may only contain letters, digits and "-".`, '0011-00000004');
    }
    const value = header(headers, name) ?? '';
    total += Buffer.byteLength(name) + Buffer.byteLength(value);
    meta[shortName] = value;
  }
  if (total > MAX_META_BYTES) {
    throw errors.invalidArgument(`The user metadata (x-oss-meta-*) totals ${total} bytes; at most ${MAX_META_BYTES} are allowed.`, '0011-00000002');
  }
  return meta;
}

function parseWriteOptions(headers: IncomingHttpHeaders, storageClasses: string[]): WriteOptions {
  const acl = header(headers, 'x-oss-object-acl') ?? 'default';
  if (!ACLS.includes(acl as Acl)) {
    throw errors.invalidArgument(`x-oss-object-acl must be one of ${ACLS.join(', ')} (got "${acl}").`, '0016-00000103');
  }
  const requestedClass = header(headers, 'x-oss-storage-class') ?? 'Standard';
  const storageClass = storageClasses.find((c) => c.toLowerCase() === requestedClass.toLowerCase());
  if (!storageClass) {
    throw errors.invalidArgument(`x-oss-storage-class must be one of ${storageClasses.join(', ')} (got "${requestedClass}").`, '0016-00000104');
  }
  const forbid = (header(headers, 'x-oss-forbid-overwrite') ?? 'false').toLowerCase();
  if (forbid !== 'true' && forbid !== 'false') {
    throw errors.invalidArgument('x-oss-forbid-overwrite must be true or false.', '0017-00000279');
  }
  const { tagging, count } = parseTagging(header(headers, 'x-oss-tagging'));
  return { acl: acl as Acl, storageClass, forbidOverwrite: forbid === 'true', meta: parseMeta(headers), tagging, tagCount: count };
}

function requireSigned(req: OpRequest): void {
  if (req.auth.kind === 'anonymous') {
    throw errors.accessDenied('You have no right to access this object because of bucket acl.');
  }
}

function isLive(version: ObjectVersion | undefined): version is ObjectVersion {
  return version !== undefined && !version.deleteMarker;
}

const fileImmutable = () =>
  new OssError(409, 'FileImmutable', 'Your object is protected by a retention policy and cannot be overwritten or deleted.', '0044-00000005');

function isImmutable(req: OpRequest): boolean {
  return req.immutable.some((rule) => rule.bucket === req.bucket.name && req.key.startsWith(rule.prefix));
}

/** Refuses writes that would replace an existing object under retention or with forbid-overwrite. */
function checkReplace(req: OpRequest, forbidOverwrite: boolean): void {
  const exists = isLive(req.store.current(req.bucket, req.key));
  if (exists && isImmutable(req)) {
    throw fileImmutable();
  }
  // Under versioning a write adds a version instead of replacing, so the header has no effect.
  if (exists && forbidOverwrite && !req.bucket.versioned) {
    throw new OssError(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.', '0026-00000002');
  }
}

function versionHeader(req: OpRequest, version: ObjectVersion): Record<string, string> {
  return req.bucket.versioned ? { 'x-oss-version-id': version.versionId } : {};
}

function newVersion(req: OpRequest, fields: Partial<ObjectVersion> & Pick<ObjectVersion, 'etag'>): ObjectVersion {
  return {
    versionId: req.bucket.versioned ? newVersionId() : 'null',
    deleteMarker: false,
    body: Buffer.alloc(0),
    contentType: 'application/octet-stream',
    crc64: '0',
    lastModified: req.now,
    acl: 'default',
    storageClass: 'Standard',
    meta: {},
    tagging: '',
    httpHeaders: {},
    ...fields,
  };
}

export async function putObject(req: OpRequest): Promise<OpResponse> {
  requireSigned(req);
  if (header(req.headers, 'x-oss-copy-source') !== undefined) throw errors.notImplemented('CopyObject');
  const options = parseWriteOptions(req.headers, STORAGE_CLASSES);
  const digest = md5(req.body).digest();
  const contentMd5 = header(req.headers, 'content-md5');
  if (contentMd5 !== undefined && contentMd5 !== digest.toString('base64')) {
    throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified does not match the body received.', '0016-00000501');
  }
  checkReplace(req, options.forbidOverwrite);
  const httpHeaders: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = header(req.headers, name);
    if (value !== undefined) httpHeaders[name] = value;
  }
  const version = newVersion(req, {
    body: req.body,
    contentType: header(req.headers, 'content-type') || 'application/octet-stream',
    etag: digest.toString('hex').toUpperCase(),
    crc64: crc64ecma(req.body),
    acl: options.acl,
    storageClass: options.storageClass,
    meta: options.meta,
    tagging: options.tagging,
    httpHeaders,
  });
  await req.store.put(req.bucket, req.key, version);
  return {
    status: 200,
    headers: {
      ETag: `"${version.etag}"`,
      'Content-MD5': digest.toString('base64'),
      'x-oss-hash-crc64ecma': version.crc64,
      ...versionHeader(req, version),
    },
  };
}

export async function putSymlink(req: OpRequest): Promise<OpResponse> {
  requireSigned(req);
  const encodedTarget = header(req.headers, 'x-oss-symlink-target');
  if (!encodedTarget) throw errors.missingArgument('The x-oss-symlink-target header is required.');
  const target = decodeKey(encodedTarget, 'x-oss-symlink-target');
  validateKey(target, 'symlink target');
  const options = parseWriteOptions(req.headers, SYMLINK_STORAGE_CLASSES);
  checkReplace(req, options.forbidOverwrite);
  const version = newVersion(req, {
    symlinkTarget: target,
    etag: md5(target).digest('hex').toUpperCase(),
    contentType: header(req.headers, 'content-type') || 'application/octet-stream',
    acl: options.acl,
    storageClass: options.storageClass,
    meta: options.meta,
    tagging: options.tagging,
  });
  await req.store.put(req.bucket, req.key, version);
  return { status: 200, headers: { ETag: `"${version.etag}"`, ...versionHeader(req, version) } };
}

function allowsAnonymousRead(acl: Acl): boolean {
  // `default` inherits the bucket ACL, and buckets here are private.
  return acl === 'public-read' || acl === 'public-read-write';
}

/** The version a read names (versionId) or the current one; errors like OSS for missing ones. */
function versionToRead(req: OpRequest): ObjectVersion {
  const versionId = req.query.get('versionId');
  const anonymous = req.auth.kind === 'anonymous';
  const version = versionId !== undefined ? req.store.version(req.bucket, req.key, versionId) : req.store.current(req.bucket, req.key);
  if (!version) {
    // Anonymous callers of a private bucket must not learn whether a key exists.
    if (anonymous) throw errors.accessDenied('You have no right to access this object because of bucket acl.');
    if (versionId !== undefined && req.store.hasKey(req.bucket, req.key)) {
      throw new OssError(404, 'NoSuchVersion', 'The specified version does not exist.', '0026-00000003');
    }
    throw errors.noSuchKey(req.key);
  }
  if (anonymous && !allowsAnonymousRead(version.acl)) {
    throw errors.accessDenied('You have no right to access this object because of object acl.');
  }
  if (version.deleteMarker) {
    throw errors.noSuchKey(req.key, { 'x-oss-delete-marker': 'true', 'x-oss-version-id': version.versionId });
  }
  return version;
}

function metaHeaders(version: ObjectVersion): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(version.meta)) headers[`x-oss-meta-${name}`] = value;
  return headers;
}

export function getSymlink(req: OpRequest): OpResponse {
  const version = versionToRead(req);
  if (version.symlinkTarget === undefined) {
    throw new OssError(400, 'NotSymlink', 'The specified object is not a symlink.', '0043-00000101');
  }
  return {
    status: 200,
    headers: {
      'x-oss-symlink-target': ossEncode(version.symlinkTarget, true),
      ETag: `"${version.etag}"`,
      'Last-Modified': httpDate(version.lastModified),
      ...versionHeader(req, version),
      ...metaHeaders(version),
    },
  };
}

/** Parses a single `bytes=` range; undefined means "send everything", as OSS does for bad ranges. */
function parseRange(value: string | undefined, size: number): [number, number] | undefined {
  const m = value ? /^bytes=(\d*)-(\d*)$/.exec(value.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start <= end && start < size ? [start, end] : undefined;
}

export function getObject(req: OpRequest, withBody: boolean): OpResponse {
  const link = versionToRead(req);
  let data = link;
  if (link.symlinkTarget !== undefined) {
    const target = req.store.current(req.bucket, link.symlinkTarget);
    // OSS's error-code page for EC 0026-00000012: a HEAD (or GET) through a link whose target
    // is missing answers 404; the code is NoSuchKey, the EC tells it from a missing link.
    if (!isLive(target)) {
      throw new OssError(404, 'NoSuchKey', 'The symlink target object does not exist.', DANGLING_LINK_EC, {
        Key: req.key,
        SymlinkTarget: link.symlinkTarget,
      });
    }
    // One level only: OSS documents that a link's target must not be a link, checked when the
    // link is read, not written. The code is the one OSS-compatible stores document for it; the
    // EC is a stand-in (OSS publishes none for this case).
    if (target.symlinkTarget !== undefined) {
      throw new OssError(400, 'InvalidTargetType', 'The symlink target object is itself a symlink.', '0026-00000013', {
        Key: req.key,
        SymlinkTarget: link.symlinkTarget,
      });
    }
    if (req.auth.kind === 'anonymous' && !allowsAnonymousRead(target.acl)) {
      throw errors.accessDenied('You have no right to access the symlink target because of object acl.');
    }
    data = target;
  }
  const headers: Record<string, string> = {
    'Content-Type': data.contentType,
    ETag: `"${data.etag}"`,
    'Last-Modified': httpDate(data.lastModified),
    'Accept-Ranges': 'bytes',
    'x-oss-object-type': link.symlinkTarget !== undefined ? 'Symlink' : 'Normal',
    'x-oss-storage-class': data.storageClass,
    'x-oss-hash-crc64ecma': data.crc64,
    ...data.httpHeaders,
    ...metaHeaders(data),
    ...versionHeader(req, link),
  };
  if (data.tagging !== '') headers['x-oss-tagging-count'] = String(data.tagging.split('&').length);
  const range = parseRange(header(req.headers, 'range'), data.body.length);
  if (range) {
    headers['Content-Range'] = `bytes ${range[0]}-${range[1]}/${data.body.length}`;
    headers['Content-Length'] = String(range[1] + 1 - range[0]);
    return { status: 206, headers, body: withBody ? data.body.subarray(range[0], range[1] + 1) : Buffer.alloc(0) };
  }
  headers['Content-Length'] = String(data.body.length);
  return { status: 200, headers, body: withBody ? data.body : Buffer.alloc(0) };
}

export async function deleteObject(req: OpRequest): Promise<OpResponse> {
  requireSigned(req);
  const versionId = req.query.get('versionId');
  const current = req.store.current(req.bucket, req.key);
  if (versionId !== undefined) {
    const target = req.store.version(req.bucket, req.key, versionId);
    if (target && !target.deleteMarker && isImmutable(req)) {
      throw fileImmutable();
    }
    const removed = await req.store.remove(req.bucket, req.key, versionId);
    const headers: Record<string, string> = { 'x-oss-version-id': versionId };
    if (removed?.deleteMarker) headers['x-oss-delete-marker'] = 'true';
    return { status: 204, headers };
  }
  if (isLive(current) && isImmutable(req)) {
    throw fileImmutable();
  }
  if (!req.bucket.versioned) {
    await req.store.remove(req.bucket, req.key, 'null');
    return { status: 204, headers: {} };
  }
  const marker = newVersion(req, { deleteMarker: true, etag: '' });
  await req.store.put(req.bucket, req.key, marker);
  return { status: 204, headers: { 'x-oss-delete-marker': 'true', 'x-oss-version-id': marker.versionId } };
}
