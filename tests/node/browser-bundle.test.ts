// What the browser and worker entries put in a page's bundle: none of the Node.js-only machinery
// (timeout batching for undici, Node's event-listener limits, the empty-body shortcut). The Node
// entry installs it (ts/node-tuning.ts); browsers and workers give each attempt its own timer.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { repoRoot } from './helpers/paths.js';

async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [join(repoRoot, 'dist/ts', entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    external: ['*.wasm'],
  });
  return result.outputFiles[0]!.text;
}

for (const entry of ['browser.js', 'worker.js']) {
  test(`the ${entry.replace('.js', '')} entry's bundle has no Node.js-only code`, async () => {
    const js = await bundle(entry);
    assert.match(js, /OssClient = class/, 'the client is in the bundle');
    for (const nodeOnly of ['getBuiltinModule', 'setMaxListeners', 'process', 'TimeoutBatch', 'BATCH_']) {
      assert.ok(!js.includes(nodeOnly), `${nodeOnly} in the ${entry} bundle`);
    }
  });
}
