// The cold-start path of a Node script (import, new OssClient, signPutSymlink with metadata and
// headers, signRequest) must not load Node's fetch implementation (undici), its crypto modules
// nor its file streams: touching the global `Headers` loads undici (~15 ms inside the first
// signature), reading `globalThis.crypto` or importing node:crypto costs 4-6 ms of the import,
// and importing node:fs as an ES module builds its namespace, which loads the file streams (~2 ms).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import binaryen from 'binaryen';

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

/** Body sizes of a module's functions, in bytes (read from its code section). */
function functionSizes(wasm: Uint8Array): number[] {
  let at = 8; // after the magic number and version
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = wasm[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < wasm.length) {
    const id = wasm[at++];
    const end = leb() + at;
    if (id === 10) {
      const sizes: number[] = [];
      for (let n = leb(); n > 0; n--) {
        const size = leb();
        sizes.push(size);
        at += size;
      }
      return sizes;
    }
    at = end;
  }
  return [];
}

const nodeCore = readFileSync(fileURLToPath(new URL('../../pkg/oss_symlink_bg.node.wasm', import.meta.url)));

// V8 compiles each function of the core on its first call, in time that grows faster than the
// function's size: the speed build must not fold the core into one function (wasm-opt -O3 alone
// makes a 21 KB `call`).
test("the Node core's functions stay small enough for V8's first-call compiler", () => {
  const sizes = functionSizes(nodeCore);
  assert.ok(sizes.length > 20, `the code section lists ${sizes.length} functions`);
  assert.ok(Math.max(...sizes) <= 12_000, `largest function ${Math.max(...sizes)} bytes`);
});

// V8 calls an export returning several values, and any import, through a wrapper it compiles with
// TurboFan while compiling the module (~0.7 ms, then ~0.4 ms, of every process); exports with one
// result go through the generic wrapper built into Node (scripts/node-core.mjs).
test('the Node core has no import and no export returning several values, and signs through them', () => {
  assert.deepEqual(WebAssembly.Module.imports(new WebAssembly.Module(nodeCore)), []);
  const module = binaryen.readBinary(nodeCore);
  try {
    const multi: string[] = [];
    for (let i = 0; i < module.getNumExports(); i++) {
      const exp = binaryen.getExportInfo(module.getExportByIndex(i));
      if (exp.kind !== binaryen.ExternalFunction) continue;
      const results = binaryen.expandType(binaryen.getFunctionInfo(module.getFunction(exp.value)).results);
      if (results.length > 1) multi.push(exp.name);
    }
    assert.deepEqual(multi, []);
  } finally {
    module.dispose();
  }
  // The answers still arrive whole through Node's glue, with either module, and agree.
  const signatures = ['speed', 'size'].map((core) => {
    const script = `
      const { signRequest } = await import(${JSON.stringify(entry)});
      const credentials = { accessKeyId: 'AKIDcold', accessKeySecret: 'cold-secret' };
      const signed = signRequest({ method: 'GET', region: 'cn-hangzhou', bucket: 'examplebucket', key: 'a/原图.jpg', credentials, date: new Date(0) });
      process.stdout.write(JSON.stringify(signed));
    `;
    const env = { ...process.env, OSS_SYMLINK_CORE: core };
    const signed = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env })) as { url: string; headers: Record<string, string> };
    assert.equal(signed.url, 'https://examplebucket.oss-cn-hangzhou.aliyuncs.com/a/%E5%8E%9F%E5%9B%BE.jpg', core);
    assert.match(signed.headers.authorization ?? '', /^OSS4-HMAC-SHA256 Credential=AKIDcold\/19700101\/cn-hangzhou\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/, core);
    return signed.headers.authorization;
  });
  assert.equal(signatures[0], signatures[1]);
});
