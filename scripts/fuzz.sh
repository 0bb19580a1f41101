#!/usr/bin/env bash
# The long property run (not part of npm test): 1,000,000 generated inputs per property by
# default, in release mode. `npm run fuzz [-- CASES]`.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-1000000}"
echo "property tests, $cases cases each (release build)"
start=$(date +%s)
PROPTEST_CASES="$cases" cargo test --release --quiet --test properties --test error_parsing -- --nocapture
echo "done in $(( $(date +%s) - start )) s: $cases cases per property, 6 properties, no failure"
