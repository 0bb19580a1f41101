/** ali-oss 6.x signing one PutSymlink request without sending it (the same request as signers.ts). */
import { createRequire } from 'node:module';
import OSS from 'ali-oss';
import { BUCKET, REGION } from './request.js';

// A deep CommonJS import (ali-oss ships the .ts source next to it, which would be type-checked).
const { createRequest } = createRequire(import.meta.url)('ali-oss/lib/common/utils/createRequest.js') as {
  createRequest(this: unknown, params: Record<string, unknown>): { url: string; params: { method: string; headers: Record<string, string> } };
};

type Creds = { accessKeyId: string; accessKeySecret: string };

export function aliClient(credentials: Creds, endpoint?: string): OSS {
  return new OSS({ region: `oss-${REGION}`, bucket: BUCKET, authorizationV4: true, ...credentials, ...(endpoint ? { endpoint } : {}) });
}

/** Exactly what ali-oss's `putSymlink` does before sending: its preamble, then `createRequest` (headers, V4 signature, URL). */
export function aliSign(client: OSS, key: string, target: string): Record<string, string> {
  const options: Record<string, unknown> & { headers: Record<string, string> } = { headers: {} };
  const targetName = client._escape(client._objectName(target));
  client._convertMetaToHeaders(undefined, options.headers);
  options.headers['x-oss-symlink-target'] = targetName;
  options.subres = Object.assign({ symlink: '' }, undefined);
  const params = client._objectRequestParams('PUT', client._objectName(key), options);
  params.successStatuses = [200];
  return createRequest.call(client, params).params.headers;
}
