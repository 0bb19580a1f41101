// The cold-start path of a Node script (import, new OssClient, signPutSymlink with metadata and
// headers, signRequest) must not load Node's fetch implementation (undici), its crypto modules
// nor its file streams: touching the global `Headers` loads undici (~15 ms inside the first
// signature), reading `globalThis.crypto` or importing node:crypto costs 4-6 ms of the import,
// and importing node:fs as an ES module builds its namespace, which loads the file streams (~2 ms).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const entry = fileURLToPath(new URL('../../ts/node.js', import.meta.url));

test('signing on the cold-start path loads neither undici, crypto nor the file streams', () => {
  const script = `
    const { OssClient, signRequest } = await import(${JSON.stringify(entry)});
    const credentials = { accessKeyId: 'AKIDcold', accessKeySecret: 'cold-secret' };
    const client = new OssClient({ region: 'cn-hangzhou', bucket: 'examplebucket', credentials });
    const req = client.signPutSymlink('links/a.jpg', 'b.jpg', {
      meta: { owner: 'me' }, tagging: new Map([['team', 'web']]), headers: { 'content-disposition': 'inline' },
    });
    signRequest({ method: 'GET', region: 'cn-hangzhou', bucket: 'examplebucket', key: 'a', headers: { 'x-oss-meta-a': '1' }, credentials });
    process.stdout.write(JSON.stringify({
      signed: req.headers.authorization.startsWith('OSS4-HMAC-SHA256 '),
      loaded: process.moduleLoadList.filter((m) => m.includes('undici') || m.includes('crypto') || m.includes('fs/streams')),
    }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { signed: boolean; loaded: string[] };
  assert.equal(out.signed, true);
  assert.deepEqual(out.loaded, []);
});
