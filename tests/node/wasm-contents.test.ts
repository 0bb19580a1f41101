// What the browsers' module must not carry: `core::fmt`'s panic formatting. The core traps on a
// panic (src/arena.rs), so panic messages are never formatted, yet a reachable formatting panic
// keeps its message, the integer formatter's "00".."99" table and location paths in the data
// section. The crates' SHA-256/HMAC buffer copies kept them until they were instantiated in
// crates/primitives, and percent-encoding's iterator kept a `split_at` panic until src/encode.rs
// encoded byte by byte (README "Results", the wasm size table).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './helpers/paths.js';

const wasm = readFileSync(join(repoRoot, 'dist/pkg/oss_symlink_bg.wasm'));
const holds = (text: string) => wasm.includes(Buffer.from(text, 'latin1'));

test('the browsers\' module holds no core::fmt integer table and no slice panic messages', () => {
  assert.ok(holds('OSS4-HMAC-SHA256'), 'the module\'s data section is searched');
  const digits = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join('');
  assert.equal(holds(digits), false, 'the "00".."99" table of the integer formatter');
  assert.equal(holds('copy_from_slice: source slice length'), false, 'copy_from_slice\'s length panic');
  assert.equal(holds('mid > len'), false, 'split_at\'s panic (percent-encoding\'s iterator)');
});
