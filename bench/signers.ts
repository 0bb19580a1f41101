/**
 * "Sign one PutSymlink request without sending it" with our library, the same request as
 * ali-signer.ts: key `linkKey(i)`, target `linkTarget(i)`, bucket `bench`, V4 header form.
 */
import { ossEncode } from './encode.js';
import { BUCKET, REGION } from './request.js';

type Creds = { accessKeyId: string; accessKeySecret: string };
type SignRequest = typeof import('../ts/node.js').signRequest;

/**
 * Ours through the public synchronous signer `signRequest`: the caller supplies the PutSymlink
 * headers (the target percent-encoded, as ali-oss's putSymlink does before createRequest).
 */
export function oursSign(signRequest: SignRequest, key: string, target: string, credentials: Creds): Record<string, string> {
  return signRequest({
    method: 'PUT', region: REGION, bucket: BUCKET, key,
    query: { symlink: '' },
    headers: { 'x-oss-symlink-target': ossEncode(target, true) },
    credentials,
  }).headers;
}
