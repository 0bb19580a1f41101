// The local server refuses what OSS refuses (issue 13): presigned URLs used too early, payload
// hashes other than UNSIGNED-PAYLOAD, AdditionalHeaders naming absent headers, one metadata rule
// shared with the client, and an STS endpoint that answers only the pages it should.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { canonicalRequest, v4Scope, v4Signature, v4StringToSign } from '../../server/auth.js';
import { DEV_CREDENTIALS, startServer, type OssServer } from '../../server/index.js';
import { parseServeArgs } from '../../server/serve-command.js';
import { OssClient, OssError, signRequest } from '../../ts/node.js';
import { queryString, rawRequest, xmlField, type RawAnswer } from './helpers/raw-http.js';

const BUCKET = 'rules';
let server: OssServer;

before(async () => {
  server = await startServer({ buckets: [BUCKET], stsEndpoint: true });
});
after(() => server.close());

const client = () =>
  new OssClient({ region: server.region, bucket: BUCKET, endpoint: server.url, credentials: DEV_CREDENTIALS, retry: { maxAttempts: 1 } });

type Answer = RawAnswer;
const send = (method: string, path: string, headers: Record<string, string> = {}, body = '') => rawRequest(server.port, method, path, headers, body);

function assertRefused(answer: Answer, status: number, code: string, ec: string): void {
  assert.equal(answer.status, status, answer.body);
  assert.equal(xmlField(answer.body, 'Code'), code, answer.body);
  assert.equal(xmlField(answer.body, 'EC'), ec, answer.body);
  assert.equal(answer.headers['x-oss-ec'], ec);
}

/**
 * A header-signed request whose otherwise-correct signature covers what the caller chose
 * (payload hash, AdditionalHeaders), signed with the V4 helpers so that the server can only
 * refuse it for the rule under test, never for a bad signature.
 */
function craftSigned(key: string, options: { hashedPayload?: string | undefined; additional?: string[]; headers?: Record<string, string> }): { path: string; headers: Record<string, string> } {
  const ossDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = ossDate.slice(0, 8);
  const headers: Record<string, string> = { 'x-oss-date': ossDate, ...options.headers };
  if (options.hashedPayload !== undefined) headers['x-oss-content-sha256'] = options.hashedPayload;
  const additional = options.additional ?? [];
  const canonical = canonicalRequest({
    method: 'PUT', bucket: BUCKET, key, query: [], headers: { ...headers, host: `127.0.0.1:${server.port}` }, additionalHeaders: additional,
    hashedPayload: options.hashedPayload ?? 'UNSIGNED-PAYLOAD',
  });
  const scope = v4Scope(day, server.region, 'oss');
  const signature = v4Signature(DEV_CREDENTIALS.accessKeySecret, day, server.region, 'oss', v4StringToSign(ossDate, scope, canonical));
  const extra = additional.length > 0 ? `,AdditionalHeaders=${additional.join(';')}` : '';
  headers.authorization = `OSS4-HMAC-SHA256 Credential=${DEV_CREDENTIALS.accessKeyId}/${scope}${extra},Signature=${signature}`;
  return { path: `/${BUCKET}/${key}`, headers };
}

describe('item 1: presigned URLs live from x-oss-date - 15 min to x-oss-date + x-oss-expires', () => {
  const presignedGet = (key: string, date: Date, expires: number) => {
    const signed = signRequest({
      method: 'GET', region: server.region, bucket: BUCKET, key, credentials: DEV_CREDENTIALS, date, presignExpires: expires,
    });
    return `/${BUCKET}/${key}?${queryString(signed.query)}`;
  };

  test('a URL dated a year ahead is refused with AccessDenied 0002-00000235, not served for a year', async () => {
    await client().putObject('presigned.txt', 'hello');
    const yearAhead = new Date(Date.now() + 365 * 86400_000);
    const answer = await send('GET', presignedGet('presigned.txt', yearAhead, 604800));
    assertRefused(answer, 403, 'AccessDenied', '0002-00000235');
  });

  test('within the 15-minute leeway before x-oss-date, and until it expires, the URL works', async () => {
    const soon = await send('GET', presignedGet('presigned.txt', new Date(Date.now() + 14 * 60_000), 60));
    assert.equal(soon.status, 200, soon.body);
    assert.equal(soon.body, 'hello');
    const tooSoon = await send('GET', presignedGet('presigned.txt', new Date(Date.now() + 16 * 60_000), 60));
    assertRefused(tooSoon, 403, 'AccessDenied', '0002-00000235');
    const expired = await send('GET', presignedGet('presigned.txt', new Date(Date.now() - 120_000), 60));
    assertRefused(expired, 403, 'AccessDenied', '0002-00000236');
  });
});

describe('item 2: header-signed requests carry x-oss-content-sha256: UNSIGNED-PAYLOAD', () => {
  const body = 'payload';
  const hex = '239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5'; // sha256("payload")

  test('a correctly signed request with the hex SHA-256 of its body is refused with 0002-00000214', async () => {
    const { path, headers } = craftSigned('hashed.txt', { hashedPayload: hex });
    assertRefused(await send('PUT', path, headers, body), 400, 'InvalidArgument', '0002-00000214');
  });

  test('a signed request without the header is refused the same way', async () => {
    const { path, headers } = craftSigned('unhashed.txt', { hashedPayload: undefined });
    assertRefused(await send('PUT', path, headers, body), 400, 'InvalidArgument', '0002-00000214');
  });

  test('UNSIGNED-PAYLOAD, as the official SDKs send it, is accepted', async () => {
    const { path, headers } = craftSigned('unsigned.txt', { hashedPayload: 'UNSIGNED-PAYLOAD' });
    const answer = await send('PUT', path, headers, body);
    assert.equal(answer.status, 200, answer.body);
  });
});

describe('item 3: AdditionalHeaders may only name headers the request carries', () => {
  test('naming an absent header is refused with 0002-00000211', async () => {
    const { path, headers } = craftSigned('additional.txt', { hashedPayload: 'UNSIGNED-PAYLOAD', additional: ['range'] });
    assertRefused(await send('PUT', path, headers, 'x'), 400, 'InvalidArgument', '0002-00000211');
  });

  test('an empty AdditionalHeaders= and an empty name are refused (0002-00000209, 0002-00000210)', async () => {
    const { path, headers } = craftSigned('additional.txt', { hashedPayload: 'UNSIGNED-PAYLOAD' });
    const withEmpty = { ...headers, authorization: headers.authorization!.replace(',Signature=', ',AdditionalHeaders=,Signature=') };
    assertRefused(await send('PUT', path, withEmpty, 'x'), 400, 'InvalidArgument', '0002-00000209');
    const withBlankName = { ...headers, authorization: headers.authorization!.replace(',Signature=', ',AdditionalHeaders=host;,Signature=') };
    assertRefused(await send('PUT', path, withBlankName, 'x'), 400, 'InvalidArgument', '0002-00000210');
  });

  test('naming headers that are present still works', async () => {
    const { path, headers } = craftSigned('additional.txt', {
      hashedPayload: 'UNSIGNED-PAYLOAD', additional: ['content-disposition'], headers: { 'content-disposition': 'inline' },
    });
    const answer = await send('PUT', path, headers, 'x');
    assert.equal(answer.status, 200, answer.body);
  });
});

// --- Item 4: the server's verdict comes from ali-oss, which has no metadata rule of its own. ---
interface AliOssError extends Error {
  status?: number;
  code?: string;
}
interface AliOssClient {
  put(name: string, body: Buffer, options?: object): Promise<{ res: { status: number } }>;
}
const AliOss = createRequire(import.meta.url)('ali-oss') as new (options: Record<string, unknown>) => AliOssClient;

describe('item 4: one metadata rule, 8192 bytes of full x-oss-meta-* names plus values', () => {
  /** Metadata headers adding up to `total` bytes: one header, or two when `split`. */
  function metaOfTotal(total: number, split: boolean): Record<string, string> {
    if (!split) return { 'x-oss-meta-k': 'v'.repeat(total - 'x-oss-meta-k'.length) };
    const first = Math.floor(total / 2);
    return { 'x-oss-meta-a': 'a'.repeat(first - 12), 'x-oss-meta-bb': 'b'.repeat(total - first - 13) };
  }
  const shortNames = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.slice('x-oss-meta-'.length), value]));

  async function serverAccepts(key: string, headers: Record<string, string>): Promise<boolean> {
    const oss = new AliOss({ endpoint: server.url, region: 'oss-cn-hangzhou', authorizationV4: true, bucket: BUCKET, ...DEV_CREDENTIALS });
    try {
      return (await oss.put(key, Buffer.from('x'), { headers })).res.status === 200;
    } catch (e) {
      assert.equal((e as AliOssError).status, 400, String(e));
      return false;
    }
  }

  async function clientAccepts(run: () => Promise<unknown>, key: string): Promise<boolean> {
    const before = server.stats.requests;
    try {
      await run();
      return true;
    } catch (e) {
      assert.ok(e instanceof OssError, String(e));
      assert.equal(e.code, 'MetadataTooLarge', e.message);
      assert.equal(e.status, 0);
      assert.equal(server.stats.requests, before, `${key}: refused before any request`);
      return false;
    }
  }

  test('the client accepts exactly what the server accepts, through meta and through headers', async () => {
    const c = client();
    let i = 0;
    for (const total of [8000, 8191, 8192, 8193, 8202, 9000]) {
      for (const split of [false, true]) {
        const meta = metaOfTotal(total, split);
        assert.equal(Object.entries(meta).reduce((n, [k, v]) => n + k.length + v.length, 0), total);
        const label = `total ${total}${split ? ' in two names' : ''}`;
        const expected = await serverAccepts(`probe-${i++}`, meta);
        assert.equal(expected, total <= 8192, `server verdict for ${label}`);
        const viaMeta = await clientAccepts(() => c.putSymlink(`link-${i++}`, 'target', { meta: shortNames(meta) }), label);
        assert.equal(viaMeta, expected, `putSymlink meta: ${label}`);
        const viaHeaders = await clientAccepts(() => c.putSymlink(`link-${i++}`, 'target', { headers: meta }), label);
        assert.equal(viaHeaders, expected, `putSymlink headers: ${label}`);
        const viaPutObject = await clientAccepts(() => c.putObject(`object-${i++}`, 'x', { headers: meta }), label);
        assert.equal(viaPutObject, expected, `putObject headers: ${label}`);
        if (split) {
          const [[firstName, firstValue], [secondName, secondValue]] = Object.entries(meta) as [[string, string], [string, string]];
          const mixed = await clientAccepts(
            () => c.putSymlink(`link-${i++}`, 'target', { meta: shortNames({ [firstName]: firstValue }), headers: { [secondName]: secondValue } }), label);
          assert.equal(mixed, expected, `putSymlink meta + headers: ${label}`);
        }
      }
    }
  });

  test("the issue's example: meta { k: 'v'.repeat(8191) } is refused by both", async () => {
    const c = client();
    const refused = await c.putSymlink('example', 'target', { meta: { k: 'v'.repeat(8191) } }).catch((e: unknown) => e);
    assert.ok(refused instanceof OssError && refused.code === 'MetadataTooLarge');
    assert.equal(await serverAccepts('example-probe', { 'x-oss-meta-k': 'v'.repeat(8191) }), false);
  });
});

describe('item 5: POST /-/sts answers only its own origin and the allowed ones', () => {
  const stsFrom = (origin: string | undefined, method = 'POST', extra: Record<string, string> = {}) =>
    fetch(`${server.url}/-/sts`, { method, headers: { ...(origin ? { Origin: origin } : {}), ...extra } });

  test('a page from another origin gets 403 with no CORS headers and no keys', async () => {
    const res = await stsFrom('https://evil.example');
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(res.headers.get('access-control-allow-credentials'), null);
    const text = await res.text();
    assert.doesNotMatch(text, /accessKeySecret|securityToken/);
    const preflight = await stsFrom('https://evil.example', 'OPTIONS', { 'Access-Control-Request-Method': 'POST' });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const nullOrigin = await stsFrom('null');
    assert.equal(nullOrigin.status, 403);
  });

  test('the server\'s own origin and allowed origins get keys, named explicitly, never *', async () => {
    for (const origin of [server.url, `http://localhost:${server.port}`]) {
      const res = await stsFrom(origin);
      assert.equal(res.status, 200, origin);
      assert.equal(res.headers.get('access-control-allow-origin'), origin);
      assert.match(((await res.json()) as { accessKeyId: string }).accessKeyId, /^STS\./);
    }
    const page = 'http://localhost:8080';
    assert.equal((await stsFrom(page)).status, 403, 'not allowed yet');
    const allowed = await startServer({ buckets: [BUCKET], stsEndpoint: true, stsAllowedOrigins: [page] });
    try {
      const res = await fetch(`${allowed.url}/-/sts`, { method: 'POST', headers: { Origin: page } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), page);
      const preflight = await fetch(`${allowed.url}/-/sts`, { method: 'OPTIONS', headers: { Origin: page, 'Access-Control-Request-Method': 'POST' } });
      assert.equal(preflight.status, 200);
      assert.equal(preflight.headers.get('access-control-allow-origin'), page);
    } finally {
      await allowed.close();
    }
    const scripted = await stsFrom(undefined);
    assert.equal(scripted.status, 200, 'curl and scripts send no Origin');
    assert.notEqual(scripted.headers.get('access-control-allow-origin'), '*');
  });

  test('object requests keep the bucket CORS behaviour', async () => {
    const res = await fetch(`${server.url}/${BUCKET}/presigned.txt`, { method: 'HEAD', headers: { Origin: 'https://evil.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://evil.example');
  });

  test('serve --sts-allow-origin takes origins, and refuses * and non-origins', () => {
    const { options } = parseServeArgs(['--sts-allow-origin', 'http://localhost:8080', '--sts-allow-origin=https://app.example/']);
    assert.deepEqual(options.stsAllowedOrigins, ['http://localhost:8080', 'https://app.example']);
    assert.equal(options.stsEndpoint, true);
    for (const bad of ['*', 'localhost:8080', 'http://localhost:8080/path', 'file:///x']) {
      assert.throws(() => parseServeArgs(['--sts-allow-origin', bad]), /origin/, bad);
    }
  });
});
