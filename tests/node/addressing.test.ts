// A key addresses exactly its own object: every URL the client builds, parsed the way fetch parses
// it (WHATWG URL), decodes back to the key for every addressing style; keys no URL can address
// (`.` and `..`) are refused before fetch. And `host` can be signed as an additional header.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OssClient, OssError, signRequest } from '../../ts/node.js';
import { DEV_CREDENTIALS, startServer, type OssServer } from '../../server/index.js';
import { rng } from './helpers/rng.js';

const credentials = { accessKeyId: 'LTAIaddressing', accessKeySecret: 'addressing-secret' };
const styles = [
  { addressing: 'virtual-hosted', endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', prefix: '/' },
  { addressing: 'path', endpoint: 'http://127.0.0.1:9', prefix: '/bkt/' },
  { addressing: 'cname', endpoint: 'https://cdn.example.com', prefix: '/' },
] as const;

/** Segments that URL parsers treat specially, or that look like they might be. */
const SEGMENTS = ['.', '..', '%2e', '%2E', '.%2e', '%2e.', '%2E%2e', '', '...', 'a.', '.a', '\\', '..\\', '\\..', 'a\\..\\b', '?', '#', 'x?y=1', '%', '%2f', ';', ' ', '中', 'a', '~'];

function randomKey(r: () => number): string {
  const n = 1 + Math.floor(r() * 5);
  return Array.from({ length: n }, () => SEGMENTS[Math.floor(r() * SEGMENTS.length)]!).join('/');
}

/** The rules a refusal may come from; anything else must be addressable. */
function refusable(key: string): boolean {
  return key === '.' || key === '..' || key === '' || key.startsWith('/') || key.startsWith('\\');
}

/** Each operation's URL for `key`, as handed to fetch (a recording fetch answers 200). */
async function urlsFor(key: string, style: (typeof styles)[number]): Promise<string[]> {
  const urls: string[] = [];
  const fetch = async (url: string) => {
    urls.push(url);
    return new Response(null, { status: 200, headers: { 'x-oss-symlink-target': 't' } });
  };
  const c = new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials, endpoint: style.endpoint, addressing: style.addressing, fetch });
  urls.push(c.signPutSymlink(key, 'target').url);
  urls.push((await c.presignGetSymlink(key)).url);
  await c.putSymlink(key, 'target');
  await c.getSymlink(key);
  await c.putObject(key, 'body');
  await c.getObject(key);
  await c.headObject(key);
  await c.deleteObject(key);
  urls.push(signRequest({ method: 'GET', region: 'cn-hangzhou', bucket: 'bkt', key, credentials, endpoint: style.endpoint, addressing: style.addressing }).url);
  return urls;
}

test('property: 600 random keys with dot segments, %2e, //, \\ and trailing dots address exactly themselves (WHATWG URL parsing)', async () => {
  const r = rng(20261201);
  const keys = ['.', '..', './a', 'a/.', 'a/..', '../..', '%2e', '%2e%2e', '.%2e', 'a//b', 'a\\..\\b', 'a.', ...Array.from({ length: 600 }, () => randomKey(r))];
  let addressed = 0;
  for (const key of keys) {
    for (const style of styles) {
      let urls: string[];
      try {
        urls = await urlsFor(key, style);
      } catch (e) {
        assert.ok(e instanceof OssError, String(e));
        assert.equal(e.code, 'InvalidObjectName', `${JSON.stringify(key)}: ${e.message}`);
        assert.ok(refusable(key), `${JSON.stringify(key)} was refused, but it can be addressed: ${e.message}`);
        continue;
      }
      assert.ok(!refusable(key), `${JSON.stringify(key)} was sent, but no URL addresses it: ${urls[0]}`);
      for (const url of urls) {
        const parsed = new URL(url); // exactly what fetch does with the string
        assert.ok(parsed.pathname.startsWith(style.prefix), `${style.addressing} ${JSON.stringify(key)}: ${url} → ${parsed.pathname}`);
        const decoded = decodeURIComponent(parsed.pathname.slice(style.prefix.length));
        assert.equal(decoded, key, `${style.addressing}: ${url} parses to ${parsed.pathname}`);
        assert.equal(parsed.host, style.addressing === 'virtual-hosted' ? 'bkt.oss-cn-hangzhou.aliyuncs.com' : new URL(style.endpoint).host);
      }
      addressed++;
    }
  }
  assert.ok(addressed > 1500, `most keys are addressable (${addressed})`);
});

test('the keys . and .. are refused with InvalidObjectName before fetch, by every operation', async () => {
  let fetched = 0;
  const c = new OssClient({ region: 'cn-hangzhou', bucket: 'bkt', credentials, fetch: async () => { fetched++; return new Response(null); } });
  for (const key of ['.', '..']) {
    const calls: Array<() => unknown> = [
      () => c.putSymlink(key, 'a'), () => c.getSymlink(key), () => c.putObject(key, 'x'), () => c.getObject(key),
      () => c.headObject(key), () => c.deleteObject(key), () => c.presignPutSymlink(key, 'a'), () => c.presignGetSymlink(key),
      () => c.signPutSymlink(key, 'a'),
      () => signRequest({ method: 'PUT', region: 'cn-hangzhou', bucket: 'bkt', key, credentials }),
    ];
    for (const call of calls) {
      const e = await (async () => call())().then(() => undefined, (err: unknown) => err);
      assert.ok(e instanceof OssError, `${call.toString()} with ${key}`);
      assert.deepEqual([e.code, e.field, e.status], ['InvalidObjectName', 'key', 0], e.message);
    }
  }
  assert.equal(fetched, 0);
  // A target travels in a header: `..` is a (dangling) target like any other.
  assert.equal(c.signPutSymlink('link', '..').headers['x-oss-symlink-target'], '..');
});

let server: OssServer;
before(async () => {
  server = await startServer({ buckets: ['plain'] });
});
after(() => server.close());

test('additionalHeaders: ["host"] in OssClient signs the Host fetch sends; the local server verifies it', async () => {
  const c = new OssClient({ region: server.region, bucket: 'plain', endpoint: server.url, credentials: DEV_CREDENTIALS });
  await c.putSymlink('host/signed', 'target', { additionalHeaders: ['Host'] });
  assert.equal((await c.getSymlink('host/signed')).target, 'target');
  const put = [...server.requests].reverse().find((q) => q.method === 'PUT')!;
  assert.match(String(put.headers.authorization), /,AdditionalHeaders=host,/);
  assert.equal(put.headers.host, new URL(server.url).host);
  // And signed for another Host, the same request is refused: the Host really is signed.
  const signed = signRequest({
    method: 'GET', region: server.region, bucket: 'plain', key: 'host/signed', query: { symlink: '' },
    credentials: DEV_CREDENTIALS, endpoint: server.url.replace('127.0.0.1', 'localhost'), addressing: 'path', additionalHeaders: ['host'],
  });
  const url = signed.url.replace('localhost', '127.0.0.1');
  assert.equal((await fetch(url, { headers: signed.headers })).status, 403);
  const right = signRequest({
    method: 'GET', region: server.region, bucket: 'plain', key: 'host/signed', query: { symlink: '' },
    credentials: DEV_CREDENTIALS, endpoint: server.url, additionalHeaders: ['host'],
  });
  const answer = await fetch(right.url, { headers: right.headers });
  assert.equal(answer.status, 200, await answer.text());
  assert.equal(answer.headers.get('x-oss-symlink-target'), 'target');
});
