// Our signer against the official Python SDK's SignerV4, on generated requests and on requests
// exactly as OssClient put them on the wire.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rng } from './helpers/rng.js';
import { OssClient, signRequest } from '../../ts/node.js';
import { ok, startCaptureServer, type CaptureServer } from './helpers/capture-server.js';
import { signWithPythonSdk, type OracleCase } from './helpers/python-oracle.js';


const KEY_ALPHABET = ['a', 'Z', '0', '/', ' ', '+', '-', '_', '.', '~', '!', '*', "'", '(', ')', '?', '#', '&', '=', '%', '中', '文', 'é', '😀', ';', ',', '@', '$', '|', '\\'];
const VALUE_ALPHABET = ['a', 'Z', '9', ' ', '-', '_', '=', ';', '/', '+', '"', ':', '*', '(', ',', '%', '~'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}
function word(r: () => number, alphabet: readonly string[], min: number, max: number): string {
  const n = min + Math.floor(r() * (max - min + 1));
  return Array.from({ length: n }, () => pick(r, alphabet)).join('');
}

function generate(count: number, seed: number): OracleCase[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    let key = word(r, KEY_ALPHABET, 1, 40);
    if (key.startsWith('/') || key.startsWith('\\')) key = 'k' + key;
    if (key === '.' || key === '..') key += 'k'; // refused: no URL addresses them
    const headers: [string, string][] = [['x-oss-symlink-target', encodeURIComponent(word(r, KEY_ALPHABET, 1, 30))]];
    if (r() < 0.5) headers.push(['x-oss-forbid-overwrite', pick(r, ['true', 'false'])]);
    if (r() < 0.5) headers.push(['x-oss-meta-' + word(r, ['a', 'b', '1', '-'], 1, 8).replace(/^-+/, 'm'), word(r, VALUE_ALPHABET, 0, 20).trim() || 'v']);
    if (r() < 0.3) headers.push(['content-type', 'text/plain']);
    if (r() < 0.4) headers.push(['content-disposition', 'attachment; filename=' + word(r, ['a', 'b'], 1, 5)]);
    if (r() < 0.3) headers.push(['x-custom-' + i, 'v' + i]);
    // Edge cases of additional headers the official SDK leaves out: an empty value, a padded name.
    if (r() < 0.15) headers.push(['x-empty', '']);
    const additional = headers.filter(([n]) => !n.startsWith('x-oss-') && r() < 0.7).map(([n]) => (r() < 0.5 ? n.toUpperCase() : n));
    if (r() < 0.1 && additional.length) additional[0] = ` ${additional[0]}`;
    const query: [string, string][] = [['symlink', '']];
    if (r() < 0.3) query.push(['versionId', word(r, VALUE_ALPHABET, 1, 12)]);
    const c: OracleCase = {
      method: pick(r, ['PUT', 'GET']),
      region: pick(r, ['cn-hangzhou', 'ap-southeast-1', 'us-west-1']),
      bucket: pick(r, ['examplebucket', 'b-1', 'a0z']),
      key, query, headers,
      accessKeyId: 'LTAI' + word(r, ['A', 'b', '7'], 8, 16),
      accessKeySecret: word(r, ['s', 'K', '/', '+', '='], 10, 30),
      time: 1_600_000_000 + Math.floor(r() * 200_000_000),
      additionalHeaders: additional,
    };
    if (r() < 0.4) c.securityToken = word(r, ['C', 'a', '/', '+', '='], 10, 60);
    if (r() < 0.3) c.presignExpires = 1 + Math.floor(r() * 604_800);
    return c;
  });
}

test('500 generated requests: signRequest agrees with the official Python SDK', () => {
  const cases = generate(500, 20261127);
  const expected = signWithPythonSdk(cases);
  cases.forEach((c, i) => {
    const signed = signRequest({
      method: c.method, region: c.region, bucket: c.bucket, key: c.key,
      query: Object.fromEntries(c.query), headers: Object.fromEntries(c.headers),
      credentials: { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, ...(c.securityToken ? { securityToken: c.securityToken } : {}) },
      date: new Date(c.time * 1000), additionalHeaders: c.additionalHeaders ?? [],
      ...(c.presignExpires ? { presignExpires: c.presignExpires } : {}),
    });
    const want = expected[i]!;
    assert.equal(signed.stringToSign, want.stringToSign, `case ${i}: ${JSON.stringify(c)}`);
    if (c.presignExpires) assert.equal(want.url!.split('x-oss-signature=')[1], signed.signature, `case ${i}`);
    else assert.equal(signed.headers.authorization, want.authorization, `case ${i}`);
  });
});

let server: CaptureServer;
before(async () => {
  server = await startCaptureServer((req, res, i) => {
    if (req.method !== 'GET') return ok(req, res, i);
    res.writeHead(200, { 'x-oss-symlink-target': 'target' });
    res.end();
  });
});
after(() => server.close());

test('what OssClient sends is what the official SDK would sign', async () => {
  const credentials = { accessKeyId: 'LTAI-wire', accessKeySecret: 'wire/secret+key', securityToken: 'CAIS+tok/=' };
  const client = new OssClient({ region: 'cn-hangzhou', bucket: 'examplebucket', endpoint: server.url, credentials });
  const keys = ['links/today.jpg', '原图/链接 1.jpg', 'emoji/😀+~!*()\'.txt', 'a//b', 'sp ace&q=1?x#y'];
  for (const key of keys) {
    await client.putSymlink(key, `targets/${key}`, { forbidOverwrite: true, meta: { location: 'hz' }, tagging: { team: 'web' }, headers: { 'content-disposition': 'attachment' }, additionalHeaders: ['content-disposition'] });
    await client.getSymlink(key);
  }
  const wire = server.requests.slice(-keys.length * 2);
  const cases: OracleCase[] = wire.map((req, i) => {
    const url = new URL(req.url, server.url);
    const sent = Object.entries(req.headers).filter(([n]) => !['host', 'connection', 'content-length', 'authorization', 'accept', 'accept-language', 'accept-encoding', 'sec-fetch-mode', 'user-agent', 'x-oss-date', 'x-oss-security-token', 'x-oss-content-sha256'].includes(n));
    return {
      method: req.method, region: 'cn-hangzhou', bucket: 'examplebucket', key: keys[Math.floor(i / 2)]!,
      query: [...url.searchParams.entries()],
      headers: sent, ...credentials,
      time: Date.UTC(+req.headers['x-oss-date']!.slice(0, 4), +req.headers['x-oss-date']!.slice(4, 6) - 1, +req.headers['x-oss-date']!.slice(6, 8), +req.headers['x-oss-date']!.slice(9, 11), +req.headers['x-oss-date']!.slice(11, 13), +req.headers['x-oss-date']!.slice(13, 15)) / 1000,
      additionalHeaders: ['content-disposition'],
    };
  });
  const expected = signWithPythonSdk(cases);
  wire.forEach((req, i) => assert.equal(req.headers.authorization, expected[i]!.authorization, `${req.method} ${req.url}`));
});

test('additionalHeaders: ["host"] signs the Host of the URL, as the official SDK does (200 generated requests)', () => {
  const r = rng(20261201);
  const endpoints: Array<{ endpoint?: string; addressing?: 'virtual-hosted' | 'path' | 'cname'; host: (bucket: string, region: string) => string }> = [
    { host: (b, region) => `${b}.oss-${region}.aliyuncs.com` },
    { endpoint: 'https://oss-accelerate.aliyuncs.com:443', host: (b) => `${b}.oss-accelerate.aliyuncs.com` },
    { endpoint: 'http://127.0.0.1:9000', host: () => '127.0.0.1:9000' },
    { endpoint: 'http://Local.Test:8080', addressing: 'virtual-hosted', host: (b) => `${b}.local.test:8080` },
    { endpoint: 'https://cdn.example.com', addressing: 'cname', host: () => 'cdn.example.com' },
    { endpoint: 'https://oss-cn-hangzhou.aliyuncs.com', addressing: 'path', host: () => 'oss-cn-hangzhou.aliyuncs.com' },
  ];
  const base = generate(200, 20261201);
  const inputs = base.map((c) => {
    const where = pick(r, endpoints);
    const additionalHeaders = [...(c.additionalHeaders ?? []), pick(r, ['host', 'Host', 'HOST'])];
    return { c, where, additionalHeaders };
  });
  // The Python SDK signs the Host it is given as a header; ours derives it from the endpoint.
  const expected = signWithPythonSdk(inputs.map(({ c, where, additionalHeaders }) => ({
    ...c, headers: [...c.headers, ['host', where.host(c.bucket, c.region)]], additionalHeaders,
  })));
  inputs.forEach(({ c, where, additionalHeaders }, i) => {
    const signed = signRequest({
      method: c.method, region: c.region, bucket: c.bucket, key: c.key,
      ...(where.endpoint ? { endpoint: where.endpoint } : {}), ...(where.addressing ? { addressing: where.addressing } : {}),
      query: Object.fromEntries(c.query), headers: Object.fromEntries(c.headers),
      credentials: { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, ...(c.securityToken ? { securityToken: c.securityToken } : {}) },
      date: new Date(c.time * 1000), additionalHeaders,
      ...(c.presignExpires ? { presignExpires: c.presignExpires } : {}),
    });
    const want = expected[i]!;
    assert.match(signed.canonicalRequest, new RegExp(`\\nhost:${where.host(c.bucket, c.region).replace(/\./g, '\\.')}\\n`), `case ${i}`);
    assert.equal(signed.stringToSign, want.stringToSign, `case ${i}: ${JSON.stringify(c)}`);
    if (c.presignExpires) assert.equal(want.url!.split('x-oss-signature=')[1], signed.signature, `case ${i}`);
    else assert.equal(signed.headers.authorization, want.authorization, `case ${i}`);
    assert.equal(new URL(signed.url).host, where.host(c.bucket, c.region), `case ${i}: the Host fetch sends for signed.url`);
    assert.equal(signed.headers.host, undefined, 'host is not among the headers to send');
  });
});
