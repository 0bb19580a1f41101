// Hostile and malformed input through the public TypeScript API: every bad value is refused with
// a typed OssError before fetch is called, nothing else is ever thrown, what does go out is legal
// HTTP, and no error text carries a secret.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rng } from './helpers/rng.js';
import { OssClient, OssError, signRequest } from '../../ts/node.js';

const SECRET = 'hostile-test-SECRET-8f3a';
const TOKEN = 'hostile-test-TOKEN-77b1';
const credentials = { accessKeyId: 'ak', accessKeySecret: SECRET, securityToken: TOKEN };
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Every error produced in this file, scanned for secrets at the end. */
const produced: unknown[] = [];

function recordingClient() {
  const sent: { url: string; headers: [string, string][] }[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    sent.push({ url, headers: init.headers as [string, string][] });
    return new Response(null, { status: 200 });
  };
  return { sent, client: new OssClient({ region: 'cn-hangzhou', bucket: 'examplebucket', credentials, fetch }) };
}

async function expectRefused(call: () => Promise<unknown>, code: string | RegExp, sentBefore: number, sent: unknown[]) {
  const e = await (async () => call())().then(() => undefined, (x: unknown) => x);
  produced.push(e);
  assert.ok(e instanceof OssError, `expected an OssError, got ${String(e)}`);
  if (typeof code === 'string') assert.equal(e.code, code, e.message);
  else assert.match(e.code, code);
  assert.equal(e.status, 0);
  assert.equal(e.isInputError, true, `${e.code} is an input error`);
  assert.equal(sent.length, sentBefore, 'nothing may be sent');
}

test('header injection, encoding tricks and limits are refused before any fetch', async () => {
  const { client, sent } = recordingClient();
  // A tab is legal inside a header value, but not in a key, a target or a tag.
  await expectRefused(() => client.putSymlink('a\tb', 't'), 'InvalidObjectName', 0, sent);
  await expectRefused(() => client.putSymlink('k', 'a\tb'), 'InvalidSymlinkTarget', 0, sent);
  const injections = ['a\r\nx-oss-evil: 1', 'a\nb', 'a\rb', 'a\0b', 'a\u0085b', 'a\u007fb', '\r\n\r\nGET / HTTP/1.1'];
  for (const bad of injections) {
    await expectRefused(() => client.putSymlink(bad, 't'), 'InvalidObjectName', 0, sent);
    await expectRefused(() => client.putSymlink('k', bad), 'InvalidSymlinkTarget', 0, sent);
    await expectRefused(() => client.putSymlink('k', 't', { meta: { m: bad } }), 'InvalidHeaderValue', 0, sent);
    await expectRefused(() => client.putSymlink('k', 't', { headers: { 'x-extra': bad } }), 'InvalidHeaderValue', 0, sent);
    await expectRefused(() => client.putSymlink('k', 't', { tagging: { t: bad } }), 'InvalidTagging', 0, sent);
  }
  for (const lone of ['\uD800', '\uDC00', 'a\uDBFFb', '\uDFFF\uD800']) {
    for (const call of [
      () => client.putSymlink(lone, 't'), () => client.putSymlink('k', lone),
      () => client.putSymlink('k', 't', { meta: { m: lone } }), () => client.putSymlink('k', 't', { tagging: { [lone]: 'v' } }),
      () => client.getSymlink(lone),
    ]) await expectRefused(call, 'InvalidEncoding', 0, sent);
  }
  await expectRefused(() => client.putSymlink('k'.repeat(1024), 't'), 'InvalidObjectName', 0, sent);
  await expectRefused(() => client.putSymlink('中'.repeat(342), 't'), 'InvalidObjectName', 0, sent); // 1026 bytes
  await expectRefused(() => client.putSymlink('k', 't'.repeat(1024)), 'InvalidSymlinkTarget', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { meta: { a: 'x'.repeat(4096), b: 'y'.repeat(4096) } }), 'MetadataTooLarge', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { tagging: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`t${i}`, 'v'])) }), 'InvalidTagging', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { tagging: { ['k'.repeat(129)]: 'v' } }), 'InvalidTagging', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { tagging: { k: 'v'.repeat(257) } }), 'InvalidTagging', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { meta: { '中': 'v' } }), 'InvalidMetadata', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { meta: { v: '中文' } }), 'InvalidHeaderValue', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { headers: { 'bad header': 'v' } }), 'InvalidHeaderName', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { headers: { 'X-A': '1', 'x-a': '2' } }), 'ConflictingHeader', 0, sent);
  for (const owned of ['x-oss-symlink-target', 'x-oss-date', 'authorization', 'host', 'content-length', 'x-oss-security-token']) {
    await expectRefused(() => client.putSymlink('k', 't', { headers: { [owned]: 'v' } }), 'ConflictingHeader', 0, sent);
  }
  for (const bucket of ['ab', 'AB-c', '-abc', 'abc-', 'a_b', 'a'.repeat(64), 'a.b', '']) {
    const fetch = async () => { throw new Error('must not be called'); };
    await expectRefused(() => new OssClient({ region: 'cn-hangzhou', bucket, credentials, fetch }).putSymlink('k', 't'), 'InvalidBucketName', 0, sent);
  }
});

test('values of the wrong type from untyped JavaScript', async () => {
  const { client, sent } = recordingClient();
  const wrong: unknown[] = [42, null, undefined, {}, [], true, Symbol('s'), () => 'k', 10n];
  for (const w of wrong) {
    await expectRefused(() => client.putSymlink(w as string, 't'), 'InvalidInput', 0, sent);
    await expectRefused(() => client.putSymlink('k', 't', { meta: { m: w as string } }), 'InvalidInput', 0, sent);
  }
  await expectRefused(() => client.putSymlink('k', 't', { meta: 'a=b' as never }), 'InvalidInput', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { meta: [['a', 'b']] as never }), 'InvalidInput', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { forbidOverwrite: 'yes' as never }), 'InvalidInput', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', { additionalHeaders: 'content-type' as never }), 'InvalidInput', 0, sent);
  await expectRefused(() => client.putSymlink('k', 't', null as never), 'InvalidInput', 0, sent);
  await expectRefused(() => client.presignPutSymlink('k', 't', { expires: 1.5 }), 'InvalidExpires', 0, sent);
  await expectRefused(() => client.presignPutSymlink('k', 't', { expires: Number.NaN }), 'InvalidInput', 0, sent);
  await expectRefused(() => client.presignPutSymlink('k', 't', { expires: 0 }), 'InvalidExpires', 0, sent);
});

test('prototype-polluting names stay harmless', async () => {
  const { client, sent } = recordingClient();
  for (const name of ['__proto__', 'constructor', 'prototype']) {
    const meta = JSON.parse(`{"${name}": "polluted"}`) as Record<string, string>;
    const e = await client.putSymlink('k', 't', { meta }).then(() => undefined, (x: unknown) => x);
    if (e !== undefined) produced.push(e);
    if (name === '__proto__') assert.equal((e as OssError).code, 'InvalidMetadata');
  }
  // Names that are legal metadata names (constructor, prototype) were sent as plain headers.
  assert.ok(sent.every((s) => s.headers.every(([n]) => TOKEN_RE.test(n))));
  // A GetSymlink answer with hostile meta names does not pollute anything.
  const fetch = async () => new Response(null, { status: 200, headers: { 'x-oss-symlink-target': 't', 'x-oss-meta-__proto__': 'x', 'x-oss-meta-constructor': 'y' } });
  const r = await new OssClient({ region: 'cn-hangzhou', bucket: 'examplebucket', credentials, fetch }).getSymlink('k');
  assert.equal(Object.getPrototypeOf(r.meta), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(r.meta.constructor as unknown, 'y');
});


test('5,000 random inputs: either a legal request or a typed input error, nothing else', async () => {
  const r = rng(7);
  const pool = ['a', '/', ' ', '%', '中', '😀', '\r', '\n', '\0', '\t', '\u0085', '\uD800', '\uDC00', '"', ':', ';', '=', '&', '?', '#', '\\', '~', '\u00e9', '\u00ff', '-', '_'];
  const clean = ['a', 'b', 'Z', '0', '/', ' ', '-', '_', '.', '中', '😀', '~', '(', '%'];
  // About a third of the strings draw from the hostile pool.
  const word = (max: number) => {
    const from = r() < 0.35 ? pool : clean;
    return Array.from({ length: Math.floor(r() * max) }, () => from[Math.floor(r() * from.length)]).join('');
  };
  const { client, sent } = recordingClient();
  let refused = 0;
  for (let i = 0; i < 5000; i++) {
    const before = sent.length;
    const opts = {
      meta: r() < 0.2 ? { [word(6) || 'm']: word(10) } : { location: r() < 0.5 ? 'hz' : word(4) },
      tagging: r() < 0.2 ? { [word(6) || 't']: word(10) } : {},
      headers: r() < 0.1 ? { [word(8) || 'h']: word(10) } : {},
    };
    try {
      await client.putSymlink(word(30), word(30), opts);
      const req = sent.at(-1)!;
      assert.equal(sent.length, before + 1);
      assert.ok(/^[\x21-\x7e]+$/.test(req.url), `illegal URL ${req.url}`);
      for (const [name, value] of req.headers) {
        assert.ok(TOKEN_RE.test(name), `illegal header name ${JSON.stringify(name)}`);
        assert.ok(/^[\t\x20-\x7e]*$/.test(value), `illegal header value ${JSON.stringify(value)}`);
      }
    } catch (e) {
      produced.push(e);
      assert.ok(e instanceof OssError && e.status === 0 && e.field !== undefined, `unexpected ${String(e)}`);
      assert.equal(sent.length, before);
      refused++;
    }
  }
  assert.ok(refused > 500 && refused < 4500, `both outcomes occur (${refused} refused)`);
});

test('signRequest refuses the same hostile input synchronously', () => {
  const hostile: Record<string, string>[] = [{ 'x-oss-meta-a': 'x\r\ny' }, { 'bad name': 'v' }];
  for (const headers of hostile) {
    let thrown: unknown;
    try {
      signRequest({ method: 'PUT', region: 'cn-hangzhou', bucket: 'examplebucket', key: 'k', headers, credentials });
    } catch (e) {
      thrown = e;
    }
    produced.push(thrown);
    assert.ok(thrown instanceof OssError && thrown.status === 0);
  }
});

test('a client logged or serialized shows no secret', async () => {
  const { inspect } = await import('node:util');
  const { client } = recordingClient();
  for (const text of [inspect(client, { showHidden: true, depth: 10 }), JSON.stringify(client), String(client)]) {
    assert.ok(!text.includes(SECRET) && !text.includes(TOKEN), text);
  }
});

test('no error produced above carries the secret or the token', () => {
  assert.ok(produced.length > 100);
  for (const e of produced) {
    assert.ok(e instanceof OssError);
    for (const text of [e.message, String(e), e.stack ?? '', JSON.stringify(e), JSON.stringify(e.toJSON())]) {
      assert.ok(!text.includes(SECRET) && !text.includes(TOKEN), `secret in ${e.code}: ${text}`);
    }
  }
});
