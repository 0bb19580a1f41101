/**
 * Creates an OSS symbolic link from Node.js and reads it back.
 *
 *   OSS_REGION=cn-hangzhou OSS_BUCKET=examplebucket \
 *   OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=... [OSS_ENDPOINT=http://127.0.0.1:9000] \
 *   node node-example.js links/today.jpg "photos/2026/原图 1.jpg"
 *
 * The link is created with forbidOverwrite: running it twice with the same link name reports
 * FileAlreadyExists (on unversioned buckets). Exit code 0 on success, 1 when OSS refuses, 2 on
 * missing configuration.
 */
import { OssClient, OssError } from 'oss-symlink';

const env = process.env;
const missing = ['OSS_REGION', 'OSS_BUCKET', 'OSS_ACCESS_KEY_ID', 'OSS_ACCESS_KEY_SECRET'].filter((name) => !env[name]);
if (missing.length > 0) {
  console.error(`missing environment variables: ${missing.join(', ')}`);
  process.exit(2);
}

const client = new OssClient({
  region: env.OSS_REGION!,
  bucket: env.OSS_BUCKET!,
  endpoint: env.OSS_ENDPOINT, // optional: https://oss-<region>.aliyuncs.com by default
  credentials: {
    accessKeyId: env.OSS_ACCESS_KEY_ID!,
    accessKeySecret: env.OSS_ACCESS_KEY_SECRET!,
    securityToken: env.OSS_SECURITY_TOKEN, // only for STS credentials
  },
});

const [link = 'links/latest.jpg', target = 'photos/2026/原图 1.jpg'] = process.argv.slice(2);

try {
  const created = await client.putSymlink(link, target, { forbidOverwrite: true, meta: { 'created-by': 'node-example' } });
  console.log(`linked ${link} -> ${target}`);
  console.log(`  etag:       ${created.etag}`);
  console.log(`  request id: ${created.requestId}`);
  if (created.versionId) console.log(`  version id: ${created.versionId}`);

  const found = await client.getSymlink(link);
  console.log(`read back ${link} -> ${found.target}`);
} catch (e) {
  if (!(e instanceof OssError)) throw e;
  console.error(`${e.code} (HTTP ${e.status}): ${e.message}`);
  if (e.requestId) console.error(`  request id: ${e.requestId}`);
  process.exitCode = 1;
}
