/**
 * `npm start`: oss-symlink at work, without an Alibaba Cloud account.
 *
 * Starts the project's local OSS-compatible server on a free loopback port (with a demo bucket
 * and a versioned bucket), then, through `OssClient`, uploads objects, links them with
 * `putSymlink` (Chinese names included), reads them back through the links, shows version ids,
 * the FileAlreadyExists of a forbidden overwrite and a presigned link, and keeps serving until
 * Ctrl-C so you can point the library or the CLI at it.
 *
 * The same code talks to real OSS when OSS_REGION, OSS_BUCKET, OSS_ACCESS_KEY_ID and
 * OSS_ACCESS_KEY_SECRET (and optionally OSS_ENDPOINT, OSS_SESSION_TOKEN) are set.
 * `--once` exits after the walkthrough instead of serving.
 */
import { OssClient, OssError, type Credentials } from '../ts/node.js';
import { DEV_CREDENTIALS, startServer, type OssServer } from '../server/index.js';

const once = process.argv.includes('--once');
const env = process.env;
const real = Boolean(env.OSS_REGION && env.OSS_BUCKET && env.OSS_ACCESS_KEY_ID && env.OSS_ACCESS_KEY_SECRET);

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`\n${bold('▸ ' + s)}`);
const show = (label: string, value: unknown) => console.log(`  ${label.padEnd(14)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);

async function main(): Promise<void> {
  let server: OssServer | undefined;
  let clients: { demo: OssClient; versioned?: OssClient };
  const stamp = Date.now().toString(36);

  if (real) {
    const credentials: Credentials = { accessKeyId: env.OSS_ACCESS_KEY_ID!, accessKeySecret: env.OSS_ACCESS_KEY_SECRET!, ...(env.OSS_SESSION_TOKEN ? { securityToken: env.OSS_SESSION_TOKEN } : {}) };
    clients = { demo: new OssClient({ region: env.OSS_REGION!, bucket: env.OSS_BUCKET!, credentials, ...(env.OSS_ENDPOINT ? { endpoint: env.OSS_ENDPOINT } : {}) }) };
    console.log(bold(`oss-symlink demo against real OSS: bucket ${env.OSS_BUCKET} in ${env.OSS_REGION}`));
    console.log(dim(`  (objects are created under oss-symlink-demo/${stamp}/)`));
  } else {
    server = await startServer({ port: Number(env.PORT ?? 0), buckets: ['demo'], versioned: ['demo-versioned'], stsEndpoint: true });
    const common = { region: server.region, endpoint: server.url, credentials: DEV_CREDENTIALS };
    clients = { demo: new OssClient({ ...common, bucket: 'demo' }), versioned: new OssClient({ ...common, bucket: 'demo-versioned' }) };
    console.log(bold(`oss-symlink demo: local OSS-compatible server at ${server.url}`));
    console.log(dim('  (V4 signatures checked by the server with its own code; buckets: demo, demo-versioned)'));
  }
  const prefix = real ? `oss-symlink-demo/${stamp}/` : '';
  const c = clients.demo;

  step('Upload two objects with PutObject');
  const photo = `${prefix}photos/2026/原图 1.jpg`;
  const report = `${prefix}reports/2026-q3 final (v2).pdf`;
  for (const [key, body] of [[photo, 'a photo, pretend these are JPEG bytes'], [report, 'a report']] as const) {
    const r = await c.putObject(key, body, { headers: { 'content-type': 'text/plain' } });
    show(key, `ETag ${r.etag}`);
  }

  step('Create symlinks with putSymlink');
  const links: [string, string][] = [[`${prefix}links/today.jpg`, photo], [`${prefix}链接/最新报告.pdf`, report]];
  for (const [link, target] of links) {
    const r = await c.putSymlink(link, target, { meta: { source: 'demo' }, tagging: { team: 'web' }, acl: 'default', storageClass: 'Standard' });
    show(link, `→ ${target}`);
    show('', `ETag ${r.etag}, request ${r.requestId || '(not exposed)'}, attempts ${r.attempts}`);
  }

  step('Read them back: getSymlink, and getObject through the link');
  for (const [link] of links) {
    const s = await c.getSymlink(link);
    const o = await c.getObject(link);
    show(link, `target "${s.target}", meta ${JSON.stringify(s.meta)}`);
    show('', `content through the link: "${o.text()}"`);
  }

  step('forbidOverwrite: an existing link is not replaced');
  try {
    await c.putSymlink(links[0]![0], report, { forbidOverwrite: true });
    console.log('  unexpected: the link was replaced');
  } catch (e) {
    if (!(e instanceof OssError)) throw e;
    show('OssError', `${e.status} ${e.code}: ${e.message}`);
  }

  step('Invalid input is refused before anything is sent');
  try {
    await c.putSymlink('bad\r\nx-oss-injected: 1', photo);
  } catch (e) {
    if (!(e instanceof OssError)) throw e;
    show('OssError', `${e.code} (field ${e.field}): ${e.message}`);
  }

  if (clients.versioned) {
    step('Versioned bucket: each putSymlink makes a new version');
    const v = clients.versioned;
    await v.putObject('a.txt', 'version A');
    await v.putObject('b.txt', 'version B');
    const first = await v.putSymlink('current.txt', 'a.txt');
    const second = await v.putSymlink('current.txt', 'b.txt', { forbidOverwrite: true }); // ignored when versioned, as on OSS
    show('version 1', `${first.versionId} → a.txt`);
    show('version 2', `${second.versionId} → b.txt`);
    show('read v1', (await v.getSymlink('current.txt', { versionId: first.versionId! })).target);
    show('read latest', (await v.getSymlink('current.txt')).target);
  }

  step('Presigned PutSymlink: a URL a browser can use once, for 10 minutes');
  const presigned = await c.presignPutSymlink(`${prefix}links/shared.jpg`, photo, { expires: 600 });
  show('URL', presigned.url.length > 110 ? presigned.url.slice(0, 107) + '...' : presigned.url);
  show('headers', presigned.headers);
  const put = await fetch(presigned.url, { method: presigned.method, headers: presigned.headers });
  show('used by fetch', `${put.status} → ${(await c.getSymlink(`${prefix}links/shared.jpg`)).target}`);

  if (!server) return;
  console.log(`\n${bold('The server keeps running.')} Try it:`);
  console.log(`  export OSS_ENDPOINT=${server.url} OSS_REGION=${server.region} OSS_BUCKET=demo`);
  console.log(`  export OSS_ACCESS_KEY_ID=${DEV_CREDENTIALS.accessKeyId} OSS_ACCESS_KEY_SECRET=${DEV_CREDENTIALS.accessKeySecret}   # development-only pair`);
  console.log('  npx oss-symlink ln photos/2026/原图\\ 1.jpg links/cli.jpg && npx oss-symlink readlink links/cli.jpg');
  console.log(`  or in code: new OssClient({ region: '${server.region}', bucket: 'demo', endpoint: '${server.url}', credentials })`);
  if (once) {
    await server.close();
    return;
  }
  console.log(dim('\nCtrl-C to stop.'));
  const stop = async () => { await server.close(); process.exit(0); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof OssError ? `OssError ${e.status} ${e.code}: ${e.message}` : e);
  process.exit(1);
});
