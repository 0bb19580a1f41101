// Cold start, ali-oss 6.x: a fresh process imports it and signs its first PutSymlink request
// (putSymlink's request path up to the signed request). Times are from process start.
import { aliClient, aliSign } from '../ali-signer.js';
import { CREDENTIALS, linkKey, linkTarget } from '../request.js';

const imported = performance.now();
const headers = aliSign(aliClient(CREDENTIALS), linkKey(0), linkTarget(0));
const signed = performance.now();
if (!headers.authorization?.startsWith('OSS4-HMAC-SHA256 ')) throw new Error('not signed');
const { user, system } = process.cpuUsage();
process.stdout.write(JSON.stringify({ importedAtMs: imported, firstSignMs: signed - imported, totalMs: signed, cpuMs: (user + system) / 1000 }) + '\n');
