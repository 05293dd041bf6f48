#!/usr/bin/env bash
# The renewal floor for `make bench`: the same round trips in bare JavaScript (no framework, no
# wasm; RS256 through WebCrypto), from the shared `bench-floor` harness, run in this same bench run
# so the figures compare. The harness is read-only and not ours: it is copied to
# target/bench-floor (npm packages installed there once) and run there. Needs ports 4000, 5000 and
# 3001 free, so `make bench` runs it before starting its own servers.
# Prints the path of the floor's results (JSON: per path n, min, median, max in ms; bench/renewals.mjs
# compares silentRenewMs, refreshDpopMs and codeFrameDpopMs with the app's paths), or nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${BENCH_FLOOR:-../shared/bench-floor}
work=target/bench-floor
if [ ! -f "$src/playwright.config.mjs" ]; then
  echo "no floor harness at $src (set BENCH_FLOOR): the floor is left out" >&2
  exit 0
fi
mkdir -p "$work"
cp -a "$src"/. "$work"/ && chmod -R u+w "$work"
if [ ! -d "$work/node_modules" ] || [ "$work/package-lock.json" -nt "$work/node_modules" ]; then
  echo "==> installing the floor harness's npm packages (one time, ~15 s)" >&2
  (cd "$work" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)
fi
rm -f "$work/results/localhost-lax.json"
(cd "$work" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test >/dev/null 2>&1) || {
  echo "the floor harness failed (run it by hand in $work to see why)" >&2; exit 0; }
echo "$PWD/$work/results/localhost-lax.json"
