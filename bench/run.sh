#!/usr/bin/env bash
# `make bench`: figures, not tests, each beside its reference from the same run.
# - The renewal floor first (bench/floor.sh: the same round trips in bare JavaScript; it needs the
#   ports this script's servers use).
# - /silent and /api/private of this backend against a bare actix-web handler returning the same
#   bytes, headers and body (backend/examples/bare.rs, checked to answer exactly what ours answers),
#   against the same bare handler sending the body alone (what the security headers cost), and
#   against the tutorial's own stack (Express + cors + connect-static-file; jose for the API), with
#   wrk on loopback. Against bare actix-web, in interleaved rounds: one run varies by ±5 % on this
#   machine, the bare one the most.
# - A soak (bench/soak.sh: 60 s, or 10 min with BENCH_SOAK=1), the first load (gzip and brotli, and
#   time to interactive with a cold cache under emulated 4G and 3G) beside the design card's crates
#   in a minimal app built and served the same way (bench/bare-yew), with where the app's bytes go
#   by crate, the two JSON engines, the browser figures in Chromium and Firefox, and the multi-tab
#   renewal counts.
# The load generator shares the 2 cores with the servers, so compare the ratios, not the absolute
# numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${BENCH_DURATION:-5s}
ROUNDS=${BENCH_ROUNDS:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
OUT=bench/results/latest.md
mkdir -p bench/results

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; [ -z "${saved:-}" ] || rm -rf "$saved"; }
trap cleanup EXIT INT TERM
wait_for() { for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }
for port in 4000 3001 3002 3101 3201 3202 3301 3302 5000 5300 5301; do
  if curl -s -o /dev/null "http://localhost:$port/"; then echo "port $port is busy: stop \`make dev\` first" >&2; exit 1; fi
done

echo "==> the renewal floor: bare JavaScript against its own provider (~1 min)"
floor=$(bench/floor.sh)
echo "==> building the bare actix-web reference (backend/examples/bare.rs)"
cargo build --release -q -p backend --example bare

if [ ! -d bench/express/node_modules ]; then
  echo "==> installing the Express baseline's npm packages (one time, ~10 s)"
  (cd bench/express && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "==> starting the local provider, this backend (+ SPA) and the Express baseline"
(cd e2e && IDP_ACCESS_TOKEN_TTL=3600 IDP_TEST_CONTROL=1 exec node idp/server.mjs >/dev/null 2>&1) & pids+=($!)
# One proof key sends every DPoP request of the load: its share of the replay store is the whole store.
target/release/backend --spa-port 5000 --dpop-replay-per-key 1000000 >/dev/null 2>&1 & backend_pid=$!; pids+=($backend_pid)
(cd bench/express && exec node server.js >/dev/null 2>&1) & pids+=($!)
wait_for http://localhost:4000/healthz; wait_for http://localhost:3001/healthz; wait_for http://localhost:3101/api/public
rss_idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$backend_pid/status")
token=$(bench/token.sh)
[ -n "$token" ] || { echo "could not obtain a token from the local provider" >&2; exit 1; }
auth="Authorization: Bearer $token"
for url in http://localhost:3001/api/private http://localhost:3101/api/private; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" "$url")" = 200 ] || { echo "$url refused the token" >&2; exit 1; }
done
# The bare reference answers with the very bytes this backend sends (headers and body, as saved
# here); the body-only one with the body and its Content-Type.
saved=$(mktemp -d)
curl -fsS -i -o "$saved/silent" http://localhost:3001/silent
curl -fsS -i -o "$saved/private" -H "$auth" http://localhost:3001/api/private
target/release/examples/bare 3201 "$saved/silent" "$saved/private" & pids+=($!)
target/release/examples/bare --body-only 3202 "$saved/silent" "$saved/private" & pids+=($!)
wait_for http://127.0.0.1:3201/silent; wait_for http://127.0.0.1:3202/silent
# An answer as compared: the headers but `Date`, sorted (actix's order follows its hash map), then the body.
answer() {
  local head body
  head=$(mktemp); body=$(mktemp)
  curl -fsS -D "$head" -o "$body" "$@"
  tr -d '\r' <"$head" | grep -vi '^date:' | sort; cat "$body"; rm -f "$head" "$body"
}
for path in /silent /api/private; do
  cmp -s <(answer -H "$auth" "http://localhost:3001$path") <(answer -H "$auth" "http://127.0.0.1:3201$path") ||
    { echo "the bare reference does not answer $path with the bytes ours sends" >&2; exit 1; }
done

# wrk → "req/s p50_ms p99_ms"; any non-2xx response invalidates the run.
measure() {
  local report
  report=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  if grep -q 'Non-2xx' <<<"$report"; then echo "non-2xx responses from $*" >&2; exit 1; fi
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }' <<<"$report"
}

# The median of numbers, one per line; column by column for lines of several.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
medians() { for column in 1 2 3; do printf '%s\n' "$@" | awk -v c=$column '{ print $c }' | median; done | paste -sd' '; }

declare -A result
for name in silent private; do
  path=/silent; header=()
  [ "$name" = private ] && { path=/api/private; header=(-H "$auth"); }
  echo "==> loading $path: $ROUNDS rounds of $DURATION each against bare actix-web (same bytes, then body only) and ours, then Express, at $CONNECTIONS connections"
  measure "${header[@]}" "http://localhost:3101$path" >/dev/null # warm the baseline's JWKS cache and JIT
  declare -A url=([ours]="http://localhost:3001$path" [bare]="http://127.0.0.1:3201$path" [body]="http://127.0.0.1:3202$path")
  declare -A runs=() got=()
  ratios=(); body_ratios=()
  for round in $(seq 1 "$ROUNDS"); do
    # Interleaved, the first one rotating: a drift of the machine falls on all alike.
    order=(bare ours body bare ours); for who in "${order[@]:$((round % 3)):3}"; do
      got[$who]=$(measure "${header[@]}" "${url[$who]}"); runs[$who]+="${got[$who]}"$'\n'
    done
    ratios+=("$(bc -l <<<"${got[ours]%% *} / ${got[bare]%% *}")"); body_ratios+=("$(bc -l <<<"${got[ours]%% *} / ${got[body]%% *}")")
  done
  for who in ours bare body; do mapfile -t lines <<<"${runs[$who]%$'\n'}"; result[${who}_$name]=$(medians "${lines[@]}"); done
  result[ratio_$name]=$(printf '%s\n' "${ratios[@]}" | median)
  result[ratios_$name]=$(printf '%.2f\n' "${ratios[@]}" | paste -sd' ')
  result[body_ratio_$name]=$(printf '%s\n' "${body_ratios[@]}" | median)
  result[express_$name]=$(measure "${header[@]}" "http://localhost:3101$path")
done
# DPoP: a bound token and one fresh proof per request (the signature and replay checks run each time).
proof_file=$(mktemp); trap 'rm -f "$proof_file"; cleanup' EXIT INT TERM
secs=${DURATION%s}
echo "==> making a DPoP-bound token and $((secs * ${BENCH_DPOP_RATE:-45000})) proofs, then loading /api/private with them for $DURATION"
node bench/dpop.mjs "$proof_file" $((secs * ${BENCH_DPOP_RATE:-45000}))
result[ours_dpop]=$(BENCH_DPOP_FILE=$proof_file measure -s bench/dpop.lua http://localhost:3001/api/private)
# The same proofs against a second backend whose replay store is Redis (each store has never seen
# them): what sharing the store between replicas costs. Its public base URL is the first's, which
# the proofs name.
redis_port=6391; redis_dir=$(mktemp -d)
echo "==> DPoP with the Redis replay store: redis-server on :$redis_port, a second backend on :3002, $DURATION"
redis-server --port $redis_port --bind 127.0.0.1 --dir "$redis_dir" --save "" --appendonly yes >/dev/null 2>&1 & pids+=($!)
target/release/backend --port 3002 --public-base-url http://localhost:3001 --replay-store "redis://127.0.0.1:$redis_port/0" \
  >/dev/null 2>&1 & pids+=($!)
wait_for http://localhost:3002/readyz
result[ours_dpop_redis]=$(BENCH_DPOP_FILE=$proof_file measure -s bench/dpop.lua http://localhost:3002/api/private)
# What one Redis takes: SETs per second on its own (redis-benchmark, 32 connections), to size a cluster.
redis_sets=$(redis-benchmark -p $redis_port -t set -r 1000000 -n 200000 -c 32 -q 2>/dev/null | grep -oP 'SET: \K[0-9.]+' | cut -d. -f1)
rm -rf "$redis_dir"
rss_loaded_kb=$(awk '/VmRSS/ {print $2}' "/proc/$backend_pid/status")
echo "==> soak: /silent, /api/private with a valid token and with invalid ones, 256 connections for $([ "${BENCH_SOAK:-0}" = 1 ] && echo 10 min || echo 60 s)"
soak=$(bench/soak.sh "$backend_pid" "$token")

echo "==> measuring the bundle and the browser-side renewal figures"
# What a first load transfers: the page (never precompressed: it carries a per-response nonce, so
# counted at gzip -9) and the precompressed assets `make build` wrote, as the backend serves them.
first_load() { # dist directory, extension of the precompressed files: gz or br
  (cd "$1" && shopt -s nullglob && { gzip -9c index.html | wc -c; for f in *.js *_bg.wasm *.css; do wc -c <"$f.$2"; done; } | paste -sd+ | bc)
}
bundle=$(first_load frontend/dist gz); bundle_br=$(first_load frontend/dist br)
wasm_gz=$(wc -c <frontend/dist/*_bg.wasm.gz); wasm_raw=$(wc -c <frontend/dist/*_bg.wasm)
# Bytes by crate of a crate's wasm as the release build makes it, names kept (-g) to be read.
by_crate() { # crate
  local dir
  dir=$(mktemp -d)
  wasm-bindgen --target web --out-dir "$dir" "target/wasm32-unknown-unknown/wasm-release/$1.wasm"
  wasm-opt -Oz -g --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue --enable-mutable-globals "$dir/$1_bg.wasm" -o "$dir/named.wasm"
  node bench/crates.mjs "$dir/named.wasm"; rm -rf "$dir"
}
crates_app=$(by_crate frontend)
# The reference: the design card's crates in a minimal app, built exactly like the app, once with
# each JSON engine (serde_json, the app's; the browser's JSON.parse through serde-wasm-bindgen).
echo "==> building the first-load reference, the card's crates in a minimal app (bench/bare-yew; ~1 min the first time), with each JSON engine"
scripts/trunk-release.sh bench/bare-yew "$PWD/target/bare-yew-dist" >/dev/null
crates_ref=$(by_crate bare-yew)
TRUNK_BUILD_NO_DEFAULT_FEATURES=true TRUNK_BUILD_FEATURES=json-js \
  scripts/trunk-release.sh bench/bare-yew "$PWD/target/bare-yew-js-dist" bare-yew-js >/dev/null
reference=$(first_load target/bare-yew-dist gz); reference_br=$(first_load target/bare-yew-dist br)
reference_js=$(first_load target/bare-yew-js-dist gz); reference_js_br=$(first_load target/bare-yew-js-dist br)
# Served like the app: the backend's --spa-port (precompressed files, the same headers).
target/release/backend --port 3301 --spa-port 5300 --dist target/bare-yew-dist >/dev/null 2>&1 & pids+=($!)
target/release/backend --port 3302 --spa-port 5301 --dist target/bare-yew-js-dist >/dev/null 2>&1 & pids+=($!)
wait_for http://localhost:5300/; wait_for http://localhost:5301/
browser=$(cd e2e && node bench/browser.mjs)
echo "==> first loads with a cold cache under emulated 4G and 3G (Chromium), and the JSON engines"
firstload=$(cd e2e && node bench/firstload.mjs)

echo "==> multi-tab renewal: restarting the provider with ${BENCH_TTL:-12}-second tokens (3 paths × 1, 5 and 10 tabs, ~7 min)"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
(cd e2e && IDP_ACCESS_TOKEN_TTL=${BENCH_TTL:-12} IDP_TEST_CONTROL=1 exec node idp/server.mjs >/dev/null 2>&1) & pids[0]=$!
wait_for http://localhost:4000/healthz
tabs=$(cd e2e && node bench/tabs.mjs)

row() { # label key
  read -r rps_o p50_o p99_o <<<"${result[ours_$2]}"; read -r rps_b p50_b p99_b <<<"${result[bare_$2]}"
  read -r rps_e p50_e p99_e <<<"${result[express_$2]}"; read -r rps_y _ _ <<<"${result[body_$2]}"
  printf '| %s | %s | %s | **%.2f×** (%s) | %s | %.2f× | %s | %.1f× | %s / %s | %s / %s | %s / %s |\n' "$1" "$rps_o" "$rps_b" "${result[ratio_$2]}" "${result[ratios_$2]}" \
    "$rps_y" "${result[body_ratio_$2]}" "$rps_e" "$(bc -l <<<"$rps_o / $rps_e")" "$p50_o" "$p99_o" "$p50_b" "$p99_b" "$p50_e" "$p99_e"
}
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, wrk -t1 -c$CONNECTIONS on loopback (wrk shares the cores): ours and bare actix-web (the same bytes, and the body alone) in $ROUNDS interleaved rounds of $DURATION each, their medians; ours / bare is the median of the rounds' ratios (each round's in brackets). Express and DPoP: one run of $DURATION."
  echo
  echo "| route | ours req/s | bare actix-web, same bytes, req/s | ours / bare | bare, body only, req/s | ours / body only | Express req/s | ours / Express | ours p50 / p99 ms | bare p50 / p99 ms | Express p50 / p99 ms |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  row '`/silent`' silent
  row '`/api/private` (valid RS256 token)' private
  read -r rps_d p50_d p99_d <<<"${result[ours_dpop]}"; read -r rps_p _ _ <<<"${result[ours_private]}"
  read -r rps_x _ _ <<<"${result[express_private]}"
  printf '| %s | %s | – | %.0f %% of Bearer | – | – | – | %.1f× | %s / %s | – | – |\n' '`/api/private` with DPoP (a fresh proof per request)' \
    "$rps_d" "$(bc -l <<<"100 * $rps_d / $rps_p")" "$(bc -l <<<"$rps_d / $rps_x")" "$p50_d" "$p99_d"
  echo
  echo "| \`/api/private\` (one run of $DURATION each) | req/s | p50 / p99 ms | against DPoP with the memory store |"
  echo "|---|---|---|---|"
  read -r rps_r p50_r p99_r <<<"${result[ours_dpop_redis]}"; read -r _ p50_p p99_p <<<"${result[ours_private]}"
  echo "| Bearer | $rps_p | $p50_p / $p99_p | – |"
  echo "| DPoP, replay store in memory (the default) | $rps_d | $p50_d / $p99_d | – |"
  printf '| DPoP, replay store in Redis (shared by replicas) | %s | %s / %s | **%.0f %%** of its throughput (target ≥ 75 %%), p50 **%+.3f ms** (target ≤ +0.3) |\n' \
    "$rps_r" "$p50_r" "$p99_r" "$(bc -l <<<"100 * $rps_r / $rps_d")" "$(bc -l <<<"$p50_r - $p50_d")"
  echo
  echo "- One Redis on its own takes ${redis_sets} SETs per second here (redis-benchmark, 32 connections, one core's share): one SET per DPoP request."
  echo
  node bench/renewals.mjs <(printf '%s\n' "$browser") "$floor"
  echo
  echo "| first load (index.html + JS + wasm + CSS, as served) | gzip | brotli |"
  echo "|---|---|---|"
  echo "| the card's reference (bench/bare-yew: yew, yew-router, one context, gloo-storage, gloo-timers, serde_json) | $((reference / 1024)) KB | $((reference_br / 1024)) KB |"
  echo "| the app | **$((bundle / 1024)) KB** | $((bundle_br / 1024)) KB |"
  echo "| the app's own delta (target ≤ 60 KB gzip) | **$(((bundle - reference) / 1024)) KB** | $(((bundle_br - reference_br) / 1024)) KB |"
  echo "| the reference with JSON.parse + serde-wasm-bindgen instead of serde_json | $((reference_js / 1024)) KB | $((reference_js_br / 1024)) KB |"
  echo
  delta=$(((bundle - reference) / 1024))
  if [ "$delta" -gt 60 ]; then
    echo "- Delta target (≤ 60 KB gzip) **missed by $((delta - 60)) KB**; where the app's bytes go, by crate (raw wasm, names kept to be read; the app, the reference, the difference):"
  else
    echo "- Delta target (≤ 60 KB gzip) met; the app's bytes by crate (raw wasm; the app, the reference, the difference):"
  fi
  echo
  echo "| crate | app | reference | app − reference |"
  echo "|---|---|---|---|"
  node -e '
    const [app, ref] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2])];
    const rows = [...new Set([...Object.keys(app), ...Object.keys(ref)])].map((c) => [c, app[c] ?? 0, ref[c] ?? 0])
      .sort((a, b) => (b[1] - b[2]) - (a[1] - a[2]));
    const kb = (n) => (n / 1024).toFixed(1);
    for (const [c, a, r] of rows.slice(0, 12)) console.log(`| ${c} | ${kb(a)} KB | ${kb(r)} KB | ${kb(a - r)} KB |`);
    const rest = rows.slice(12).reduce((t, [, a, r]) => [t[0] + a, t[1] + r], [0, 0]);
    console.log(`| the other ${rows.length - 12} | ${kb(rest[0])} KB | ${kb(rest[1])} KB | ${kb(rest[0] - rest[1])} KB |`);
  ' "$crates_app" "$crates_ref"
  echo
  read -r _ trunk_gz _ rewritten_gz <target/release-sizes/frontend.txt
  echo "- Post-build rewriting (scripts/minify-glue.mjs: the glue minified, the wasm's import names shortened) saves $(((trunk_gz - rewritten_gz) / 1024)) KB gzip of the app's glue and wasm (gzip -9; kept while ≥ 5 KB). wasm $((wasm_gz / 1024)) KB gzip of $((wasm_raw / 1024)) KB."
  sed 's/^/- /' <<<"$firstload"
  echo "- Backend RSS: $((rss_idle_kb / 1024)) MB idle, $((rss_loaded_kb / 1024)) MB after the load."
  echo "- ${soak/#soak: /Soak: }."
  sed 's/^/- /' <<<"$browser"
  sed 's/^/- /' <<<"$tabs"
} | tee "$OUT"
echo "(saved to $OUT)"
