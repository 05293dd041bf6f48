#!/usr/bin/env bash
# `make e2e`: the Playwright suite in Chromium and in Firefox at the same time, each engine with its
# own stack (provider, backend serving the app) on its own ports: Chromium on the usual ones (4000,
# 3001, 5000), Firefox ten above them (E2E_PORT_OFFSET=10); and beside them, twenty above, the
# cluster's test (playwright.cluster.config.ts: nginx, three replicas, Redis; Chromium). Most of
# either engine's run waits for token lifetimes to pass, so the three together take about as long as
# the slowest alone. Each line says its run; each run's time and result are printed at the end, and
# the script fails if any did. Usage: scripts/e2e.sh (E2E_ACCESS_TOKEN_TTL and the other E2E_
# variables pass through).
set -uo pipefail
cd "$(dirname "$0")/../e2e"
trap 'kill 0' INT TERM

run() { # name port-offset [playwright args]
  local name=$1 offset=$2 start status
  shift 2
  start=$(date +%s)
  E2E_ENGINES=$name E2E_PORT_OFFSET=$offset npx playwright test "$@" 2>&1 | tee "test-results/.$name.log" | sed -u "s/^/[$name] /"
  status=${PIPESTATUS[0]}
  echo "$name $(($(date +%s) - start)) $status" > "test-results/.$name.time"
  return "$status"
}

mkdir -p test-results
run chromium 0 & chromium=$!
run firefox 10 & firefox=$!
run cluster 20 -c playwright.cluster.config.ts & cluster=$!
wait "$chromium"; chromium_status=$?
wait "$firefox"; firefox_status=$?
wait "$cluster"; cluster_status=$?
# A failure's report scrolls by while the other engine is still running; print it again here, at the
# end, where a CI log's tail shows it: Playwright's numbered reports (the first 150 lines), then one
# line per failed test with its first error, then each engine's time and result.
for engine in chromium firefox cluster; do
  log="test-results/.$engine.log"
  read -r _ _ status < "test-results/.$engine.time"
  if ! grep -qE '^  [0-9]+ (failed|flaky)$' "$log"; then
    # Failed before any test's report (the stack did not start, say): the run's last lines.
    [ "$status" -ne 0 ] && { echo; echo "==> e2e $engine: the end of its output"; tail -n 30 "$log" | sed "s/^/[$engine] /"; }
    continue
  fi
  echo; echo "==> e2e $engine: the failure reports (all of them above and in e2e/playwright-report/$engine)"
  sed -n '/^  1) /,$p' "$log" | head -n 150 | sed "s/^/[$engine] /"
  echo; echo "==> e2e $engine: what failed"
  awk -v e="$engine" '/^  [0-9]+\) \[/ { title = $0; next } title && /^    [A-Za-z]*Error/ { print "[" e "] " title; print "[" e "]   " $0; title = "" }' "$log"
done
echo
for engine in chromium firefox cluster; do
  read -r name secs status < "test-results/.$engine.time"
  printf '==> e2e %-8s %4d s, %s\n' "$name" "$secs" "$([ "$status" -eq 0 ] && echo passed || echo "FAILED (exit $status)")"
done
[ "$chromium_status" -eq 0 ] && [ "$firefox_status" -eq 0 ] && [ "$cluster_status" -eq 0 ]
