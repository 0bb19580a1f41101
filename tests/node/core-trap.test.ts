// A trap inside the WebAssembly core (here: a call that needs more than the 64 MB one call may
// use, see src/arena.rs) becomes an OssError, leaks nothing, and leaves the module working.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OssClient, OssError, signRequest } from '../../ts/node.js';

const credentials = { accessKeyId: 'AKIDtrap', accessKeySecret: 'secret-never-shown' };
const sign = () =>
  signRequest({
    method: 'PUT', region: 'cn-hangzhou', bucket: 'examplebucket', key: 'links/a.jpg',
    query: { symlink: '' }, headers: { 'x-oss-symlink-target': 'b.jpg', 'x-oss-meta-a': '1' },
    credentials, date: new Date(Date.UTC(2026, 11, 1, 12)),
  });

test('a trap inside the core becomes an OssError and the next call works', () => {
  const before = sign();
  const client = new OssClient({ region: 'cn-hangzhou', bucket: 'examplebucket', credentials });
  const huge = 'a'.repeat(24 << 20);
  for (let i = 0; i < 3; i++) {
    assert.throws(
      () => client.signPutSymlink('links/a.jpg', 'b.jpg', { headers: { 'x-big': huge } }),
      (e: unknown) => {
        assert.ok(e instanceof OssError);
        assert.equal(e.code, 'InternalError');
        assert.match(e.message, /the signing core failed: RuntimeError/);
        assert.ok(!e.message.includes(credentials.accessKeySecret));
        return true;
      },
    );
    // The module was started afresh: the same signature as before the trap.
    assert.deepEqual(sign(), before);
    const req = client.signPutSymlink('links/a.jpg', 'b.jpg', { meta: { a: '1' } });
    assert.match(req.headers.authorization!, /^OSS4-HMAC-SHA256 Credential=AKIDtrap\//);
  }
});
