/**
 * A plain JavaScript OSS V4 signer for PutSymlink on node:crypto: the reference point "what a
 * straightforward signer costs", and the signer of the pre-signed requests that the unsigned
 * baselines of the bulk benchmark replay. No caching: five HMACs and one SHA-256 per request.
 */
import { createHash, createHmac } from 'node:crypto';
import { ossEncode } from './encode.js';

export interface PlainSigned {
  /** Path and query, e.g. `/bench/links/a.jpg?symlink`. */
  path: string;
  headers: Record<string, string>;
}


function ossDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function signPutSymlinkPlain(
  bucket: string, key: string, target: string, region: string,
  credentials: { accessKeyId: string; accessKeySecret: string }, timeMs = Date.now(),
): PlainSigned {
  const date = ossDate(timeMs);
  const day = date.slice(0, 8);
  const uri = ossEncode(`/${bucket}/${key}`, true);
  const headers: Record<string, string> = {
    'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-oss-date': date,
    'x-oss-symlink-target': ossEncode(target, true),
  };
  const canonical = `PUT\n${uri}\nsymlink\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:${date}\nx-oss-symlink-target:${headers['x-oss-symlink-target']}\n\n\nUNSIGNED-PAYLOAD`;
  const scope = `${day}/${region}/oss/aliyun_v4_request`;
  const toSign = `OSS4-HMAC-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  let k = createHmac('sha256', 'aliyun_v4' + credentials.accessKeySecret).update(day).digest();
  k = createHmac('sha256', k).update(region).digest();
  k = createHmac('sha256', k).update('oss').digest();
  k = createHmac('sha256', k).update('aliyun_v4_request').digest();
  const signature = createHmac('sha256', k).update(toSign).digest('hex');
  headers.authorization = `OSS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope},Signature=${signature}`;
  return { path: `${ossEncode(`/${bucket}/${key}`, true)}?symlink`, headers };
}
