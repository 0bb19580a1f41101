#!/usr/bin/env bash
# `npm test`: every check and test, installing what is missing first.
#   lint (cargo fmt, clippy native + wasm32) → cargo test → wasm build + TypeScript type check →
#   Node tests (library, local server, official-client oracles, CLI, the packed package and every
#   README example in Node.js floors, Deno, Bun, Vite, webpack) → headless Chromium → workerd.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "tools"
bash scripts/ensure-tools.sh >/dev/null

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings (native and wasm32)"
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --lib --target wasm32-unknown-unknown -- -D warnings
cargo clippy --quiet --lib --target wasm32-unknown-unknown --features key-cache -- -D warnings

step "cargo test"
cargo test --quiet 2>&1

step "build: wasm + TypeScript (type check)"
node scripts/build.mjs

step "node --test (Node, Chromium, workerd)"
rm -rf test-output && mkdir -p test-output
dirs=(dist/tests/node)
for d in dist/tests/browser dist/tests/workerd; do [ -d "$d" ] && dirs+=("$d"); done
node --test --test-concurrency=2 "${dirs[@]}"

step "the signing proofs again, against the size-optimized core that browsers and workers load"
OSS_SYMLINK_CORE=size node --test --test-concurrency=2 dist/tests/node/vectors.test.js \
  dist/tests/node/signing-oracle.test.js dist/tests/node/hostile-input.test.js \
  dist/tests/node/client.test.js dist/tests/node/core-trap.test.js
