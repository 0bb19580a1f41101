/** ali-oss 6.x signing one PutSymlink request without sending it (the same request as signers.ts). */
import OSS from 'ali-oss';
import { createRequest } from 'ali-oss/lib/common/utils/createRequest.js';
import { BUCKET, REGION } from './request.js';

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
