#!/usr/bin/env bash
# Installs what the build and tests need, once; each step is skipped when already in place.
#   scripts/ensure-tools.sh [rust] [wasm-bindgen] [npm] [chromium] [python] [node]
# With no argument it does everything. Nothing is downloaded from outside the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -nE 's/^wasm-bindgen = (\{ version = )?"=([0-9.]+)".*/\2/p' Cargo.toml | head -1)
TOOLS_ROOT="${OSS_SYMLINK_TOOLS:-${CARGO_HOME:-$HOME/.cargo}/oss-symlink-tools}"
WASM_BINDGEN_ROOT="$TOOLS_ROOT/wasm-bindgen-$WASM_BINDGEN_VERSION"
VENV="$TOOLS_ROOT/py-venv"

want() { [ $# -eq 0 ] || [[ " $ALL " == *" $1 "* ]]; }
ALL=" $* "
if [ $# -eq 0 ]; then ALL=" rust wasm-bindgen npm chromium python node "; fi

log() { printf '[ensure-tools] %s\n' "$*" >&2; }

if want rust; then
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "adding rustup target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown >&2
  fi
fi

if want wasm-bindgen; then
  if [ "$("$WASM_BINDGEN_ROOT/bin/wasm-bindgen" --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION into $WASM_BINDGEN_ROOT (about 2 minutes, once)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$WASM_BINDGEN_ROOT" >&2
  fi
fi

if want npm; then
  # npm ci only when node_modules is missing or older than the lock file.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund >&2
  fi
fi

if want chromium; then
  if [ ! -x /usr/lib/chromium/chromium ] && [ ! -x /usr/bin/chromium ]; then
    log "installing Debian's chromium with apt-get"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium fonts-wqy-microhei >&2
  fi
fi

if want python; then
  if ! "$VENV/bin/python" -c 'import alibabacloud_oss_v2' 2>/dev/null; then
    log "creating a Python virtualenv with alibabacloud-oss-v2 in $VENV"
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q 'alibabacloud-oss-v2==1.4.1' >&2
  fi
fi

if want node; then
  # The lowest Node.js of each range in package.json's engines (e.g. "^20.19.0 || >=22.12.0"),
  # which the tests run the package on: from the registry's node-<platform>-<arch> packages
  # (the binary is in the tarball; no install script).
  NODE_PKG="node-$(node -p 'process.platform + "-" + process.arch')"
  for v in $(node -p 'require("./package.json").engines.node.match(/\d+\.\d+\.\d+/g).join(" ")'); do
    dir="$TOOLS_ROOT/node-$v"
    if [ "$("$dir/node_modules/$NODE_PKG/bin/node" --version 2>/dev/null)" != "v$v" ]; then
      log "installing Node.js $v ($NODE_PKG@$v from the npm registry) into $dir"
      mkdir -p "$dir" && echo '{"private":true}' > "$dir/package.json"
      (cd "$dir" && npm install --no-save --no-audit --no-fund --ignore-scripts "$NODE_PKG@$v" >&2)
    fi
  done
fi

# Print the paths other scripts need.
echo "WASM_BINDGEN=$WASM_BINDGEN_ROOT/bin/wasm-bindgen"
echo "PYTHON_OSS=$VENV/bin/python"
