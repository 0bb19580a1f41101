/**
 * One signing measurement in a fresh process (so one library's JIT state and heap do not affect
 * another's): `node sign-child.js <variant> <ms>`. Prints `{ variant, opsPerSec, usPerOp, ops }`.
 *
 * Variants:
 *   ours           OssClient.signPutSymlink (public, synchronous, header form: the counterpart
 *                  of ali-oss's createRequest) — the headline figure
 *   ours-signrequest  the generic signRequest (public, synchronous; the caller builds the headers)
 *   ours-presign   OssClient.presignPutSymlink (public, async, query form)
 *   ours-internal  the core call putSymlink makes per attempt (prepareOperation, internal)
 *   ali-oss        ali-oss 6.x putSymlink's request path up to the signed request (createRequest)
 *   plain          a plain JS signer on node:crypto, no caching (reference)
 *   boundary       cost of crossing into WebAssembly (see measureBoundary)
 *   pair           ours and ali-oss in one process, alternating 50 ms slices: prints the median of
 *                  the per-slice-pair ratios (both sides see the same machine at the same moment)
 */
import { report } from './common.js';
import { CREDENTIALS, linkKey, linkTarget } from './request.js';

const variant = process.argv[2] ?? 'ours';
const durationMs = Number(process.argv[3] ?? 1500);
const N = 1024;
const keys = Array.from({ length: N }, (_, i) => linkKey(i));
const targets = Array.from({ length: N }, (_, i) => linkTarget(i));

type Op = (i: number) => unknown;

/** Runs `op` for a third of the time to warm up, then counts operations for `ms`. */
function measureSync(op: Op, ms: number): { ops: number; seconds: number } {
  const run = (untilNs: bigint) => {
    let ops = 0;
    while (process.hrtime.bigint() < untilNs) {
      for (let j = 0; j < 256; j++) op((ops + j) & (N - 1));
      ops += 256;
    }
    return ops;
  };
  run(process.hrtime.bigint() + BigInt(Math.round(ms / 3 * 1e6)));
  const start = process.hrtime.bigint();
  const ops = run(start + BigInt(Math.round(ms * 1e6)));
  return { ops, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function measureAsync(op: (i: number) => Promise<unknown>, ms: number): Promise<{ ops: number; seconds: number }> {
  const run = async (untilNs: bigint) => {
    let ops = 0;
    while (process.hrtime.bigint() < untilNs) {
      for (let j = 0; j < 256; j++) await op((ops + j) & (N - 1));
      ops += 256;
    }
    return ops;
  };
  await run(process.hrtime.bigint() + BigInt(Math.round(ms / 3 * 1e6)));
  const start = process.hrtime.bigint();
  const ops = await run(start + BigInt(Math.round(ms * 1e6)));
  return { ops, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/**
 * The internal bridge (ts/core.js) with the Node build of the core installed: the Node entry is
 * one bundled file, so its own copy of the bridge is not reachable from here.
 */
async function coreModule(): Promise<typeof import('../ts/core.js')> {
  const [bridge, glue, { readFileSync }] = await Promise.all([import('../ts/core.js'), import('../pkg/oss_symlink.node.js'), import('node:fs')]);
  glue.initSync({ module: readFileSync(new URL('../pkg/oss_symlink_bg.node.wasm', import.meta.url)) });
  bridge.installCore(glue);
  return bridge;
}

function expectSigned(headers: Record<string, string> | undefined, what: string): void {
  if (!headers || !/^OSS4-HMAC-SHA256 Credential=.+,Signature=[0-9a-f]{64}$/.test(headers.authorization ?? headers.Authorization ?? '')) {
    throw new Error(`${what} did not produce a V4 Authorization header: ${JSON.stringify(headers)}`);
  }
}

async function main(): Promise<void> {
  let result: { ops: number; seconds: number };
  switch (variant) {
    case 'ours': {
      const { OssClient } = await import('../ts/node.js');
      const client = new OssClient({ region: 'cn-hangzhou', bucket: 'bench', credentials: CREDENTIALS });
      expectSigned(client.signPutSymlink(keys[0]!, targets[0]!).headers, variant);
      result = measureSync((i) => client.signPutSymlink(keys[i]!, targets[i]!), durationMs);
      break;
    }
    case 'ours-signrequest': {
      const { signRequest } = await import('../ts/node.js');
      const { oursSign } = await import('./signers.js');
      expectSigned(oursSign(signRequest, keys[0]!, targets[0]!, CREDENTIALS), variant);
      result = measureSync((i) => oursSign(signRequest, keys[i]!, targets[i]!, CREDENTIALS), durationMs);
      break;
    }
    case 'ours-presign': {
      const { OssClient } = await import('../ts/node.js');
      const client = new OssClient({ region: 'cn-hangzhou', bucket: 'bench', credentials: CREDENTIALS });
      const first = await client.presignPutSymlink(keys[0]!, targets[0]!);
      if (!/[?&]x-oss-signature=[0-9a-f]{64}/.test(first.url)) throw new Error(`presign produced ${first.url}`);
      result = await measureAsync((i) => client.presignPutSymlink(keys[i]!, targets[i]!), durationMs);
      break;
    }
    case 'ours-internal': {
      const { prepareOperation } = await coreModule();
      // What OssClient#prepare does for a putSymlink attempt (ts/client.ts).
      const settings = { region: 'cn-hangzhou', bucket: 'bench', endpoint: '', addressing: '', product: 'oss' };
      const op = (i: number) => prepareOperation(settings, CREDENTIALS, {
        op: 'putSymlink', key: keys[i]!, target: targets[i]!, meta: [], tagging: [], headers: [], additionalHeaders: [],
      }, Date.now());
      expectSigned(Object.fromEntries(op(0).headers), variant);
      result = measureSync(op, durationMs);
      break;
    }
    case 'ali-oss': {
      const { aliClient, aliSign } = await import('./ali-signer.js');
      const client = aliClient(CREDENTIALS);
      expectSigned(aliSign(client, keys[0]!, targets[0]!), variant);
      result = measureSync((i) => aliSign(client, keys[i]!, targets[i]!), durationMs);
      break;
    }
    case 'plain': {
      const { signPutSymlinkPlain } = await import('./plain-signer.js');
      expectSigned(signPutSymlinkPlain('bench', keys[0]!, targets[0]!, 'cn-hangzhou', CREDENTIALS).headers, variant);
      result = measureSync((i) => signPutSymlinkPlain('bench', keys[i]!, targets[i]!, 'cn-hangzhou', CREDENTIALS), durationMs);
      break;
    }
    case 'boundary':
      return report(await measureBoundary());
    case 'pair':
      return report(await measurePair());
    default:
      throw new Error(`unknown variant ${variant}`);
  }
  report({ variant, opsPerSec: result.ops / result.seconds, usPerOp: (result.seconds * 1e6) / result.ops, ops: result.ops });
}

/**
 * ours (signPutSymlink) and ali-oss (createRequest) alternately in one process, 50 ms each: on a
 * busy machine both sides of a pair meet the same load, so the median of the pairs' ratios holds
 * where rates from separate processes seconds apart do not.
 */
async function measurePair() {
  const { OssClient } = await import('../ts/node.js');
  const { aliClient, aliSign } = await import('./ali-signer.js');
  const client = new OssClient({ region: 'cn-hangzhou', bucket: 'bench', credentials: CREDENTIALS });
  const ali = aliClient(CREDENTIALS);
  const ours: Op = (i) => client.signPutSymlink(keys[i]!, targets[i]!);
  const theirs: Op = (i) => aliSign(ali, keys[i]!, targets[i]!);
  expectSigned(client.signPutSymlink(keys[0]!, targets[0]!).headers, 'ours');
  expectSigned(aliSign(ali, keys[0]!, targets[0]!), 'ali-oss');
  const rate = (op: Op, ms: number) => {
    const r = measureSync(op, ms);
    return r.ops / r.seconds;
  };
  rate(ours, 300);
  rate(theirs, 300);
  const ratios: number[] = [];
  for (let end = Date.now() + durationMs; Date.now() < end; ) {
    const first = ratios.length % 2 === 0;
    const a = first ? rate(ours, 50) : 0;
    const b = rate(theirs, 50);
    const c = first ? a : rate(ours, 50);
    ratios.push(c / b);
  }
  ratios.sort((x, y) => x - y);
  return { variant: 'pair', ratio: ratios[ratios.length >> 1]!, pairs: ratios.length };
}

/**
 * The WebAssembly boundary: what one call costs by itself, and how many crossings one signature
 * makes. Every import and export function of the instance is wrapped with a counter (the
 * instance is created by the wasm-bindgen glue; WebAssembly.Instance is intercepted for that),
 * so the counts hold for whatever the core's marshalling looks like.
 */
async function measureBoundary() {
  const counts = { toWasm: 0, toJs: 0 };
  const NativeInstance = WebAssembly.Instance;
  const wrap = (fns: Record<string, unknown>, key: 'toWasm' | 'toJs') => {
    const out: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(fns)) {
      out[name] = typeof f === 'function'
        ? function (this: unknown, ...args: unknown[]) { counts[key]++; return (f as (...a: unknown[]) => unknown).apply(this, args); }
        : f;
    }
    return out;
  };
  (WebAssembly as { Instance: unknown }).Instance = function (module: WebAssembly.Module, imports: Record<string, Record<string, unknown>>) {
    const wrappedImports: Record<string, Record<string, unknown>> = {};
    for (const [ns, fns] of Object.entries(imports ?? {})) wrappedImports[ns] = wrap(fns, 'toJs');
    const instance = new NativeInstance(module, wrappedImports as WebAssembly.Imports);
    return { exports: Object.freeze(wrap(instance.exports as Record<string, unknown>, 'toWasm')) };
  };
  const { signRequest } = await import('../ts/node.js');
  const { oursSign } = await import('./signers.js');
  const { prepareOperation } = await coreModule();
  const settings = { region: 'cn-hangzhou', bucket: 'bench', endpoint: '', addressing: '', product: 'oss' };
  const countOf = (f: () => unknown) => {
    f();
    counts.toWasm = 0;
    counts.toJs = 0;
    f();
    return { toWasm: counts.toWasm, toJs: counts.toJs };
  };
  const signCrossings = countOf(() => oursSign(signRequest, linkKey(1), linkTarget(1), CREDENTIALS));
  const prepareCrossings = countOf(() => prepareOperation(settings, CREDENTIALS, {
    op: 'putSymlink', key: linkKey(1), target: linkTarget(1), meta: [], tagging: [], headers: [], additionalHeaders: [],
  }, Date.now()));
  (WebAssembly as { Instance: unknown }).Instance = NativeInstance;

  // The cost of one bare call: a fresh instance of the same module, uninstrumented; the cheapest
  // export the glue always has (freeing nothing: the arena's free is empty).
  const bytes = (await import('node:fs')).readFileSync(new URL('../pkg/oss_symlink_bg.wasm', import.meta.url));
  const module = new WebAssembly.Module(bytes);
  const stubImports: WebAssembly.Imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    stubImports[imp.module] ??= {};
    if (imp.kind === 'function') (stubImports[imp.module] as Record<string, unknown>)[imp.name] = () => 0;
  }
  const raw = new NativeInstance(module, stubImports).exports as Record<string, (...a: number[]) => number>;
  let emptyCallNs = NaN;
  if (typeof raw.__wbindgen_free === 'function') {
    const free = raw.__wbindgen_free;
    const r = measureSync(() => free(0, 0, 1), 600);
    emptyCallNs = (r.seconds * 1e9) / r.ops;
  }
  return { variant: 'boundary', emptyCallNs, signRequestCrossings: signCrossings, prepareOperationCrossings: prepareCrossings };
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
