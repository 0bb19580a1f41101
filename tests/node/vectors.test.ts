// The shared official vectors, through the public TypeScript API and the WebAssembly core.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { signRequest } from '../../ts/node.js';
import { vectorsFile } from './helpers/paths.js';

interface VectorCase {
  name: string; method: string; region: string; product?: string; bucket: string; key: string;
  accessKeyId: string; accessKeySecret: string; securityToken?: string; time: number;
  query: [string, string][]; headers: [string, string][]; additionalHeaders?: string[]; presignExpires?: number;
  expected: { authorization?: string; signature: string; stringToSign: string; url?: string; 'x-oss-date'?: string };
}

const cases = (JSON.parse(readFileSync(vectorsFile, 'utf8')) as { cases: VectorCase[] }).cases;

test('every shared vector matches through signRequest', () => {
  assert.ok(cases.length >= 60);
  for (const c of cases) {
    const signed = signRequest({
      method: c.method, region: c.region, bucket: c.bucket, key: c.key,
      ...(c.product ? { product: c.product } : {}),
      query: Object.fromEntries(c.query), headers: Object.fromEntries(c.headers),
      credentials: { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, ...(c.securityToken ? { securityToken: c.securityToken } : {}) },
      date: new Date(c.time * 1000),
      additionalHeaders: c.additionalHeaders ?? [],
      ...(c.presignExpires ? { presignExpires: c.presignExpires } : {}),
    });
    assert.equal(signed.stringToSign, c.expected.stringToSign, `${c.name}: string to sign`);
    assert.equal(signed.signature, c.expected.signature, `${c.name}: signature`);
    if (c.presignExpires) {
      const query = signed.query.map(([k, v]) => encodeURIComponent(k) + (v ? '=' + encodeRfc3986(v) : '')).join('&');
      assert.equal(c.expected.url?.split('?')[1], query, `${c.name}: presigned query`);
    } else {
      assert.equal(signed.headers.authorization, c.expected.authorization, `${c.name}: authorization`);
      assert.equal(signed.headers['x-oss-date'], c.expected['x-oss-date'], `${c.name}: x-oss-date`);
      assert.equal(signed.headers['x-oss-content-sha256'], 'UNSIGNED-PAYLOAD');
      assert.equal(signed.headers['x-oss-security-token'], c.securityToken, `${c.name}: token header`);
    }
  }
});

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase());
}
