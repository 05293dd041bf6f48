#!/usr/bin/env bash
# Load and soak of the backend, called by bench/run.sh with the backend's pid and a valid bearer
# token: three wrk at once for SOAK_SECS (60; 600 with BENCH_SOAK=1), 256 connections in all:
#   /silent (expect 200), /api/private with the valid token (200), and /api/private with a rotating
#   mix of invalid tokens (401): bad signatures and 1000 unknown key ids, which must not make the
#   backend fetch the issuer's key set more than once per refetch interval (10 s).
# Prints one summary line; exits non-zero on any socket error, any unexpected status, too many key
# set fetches, or memory that grew between the first and the last 10 s.
set -euo pipefail
backend_pid=$1 token=$2
secs=$([ "${BENCH_SOAK:-0}" = 1 ] && echo 600 || echo "${SOAK_SECS:-60}")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
jwks() { curl -fsS http://localhost:4000/__dev/stats | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).jwks))'; }

# Invalid tokens: the valid one with its signature reversed, and 1000 headers naming unknown kids.
node -e '
  const [h, p, s] = process.argv[1].split(".");
  const lines = ["Bearer " + [h, p, [...s].reverse().join("")].join(".")];
  for (let i = 0; i < 1000; i += 1) {
    const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "at+jwt", kid: `soak-${i}` })).toString("base64url");
    lines.push(`Bearer ${header}.${p}.${s}`);
  }
  console.log(lines.join("\n"));
' "$token" > "$work/invalid-tokens"

before=$(jwks)
(while kill -0 "$backend_pid" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$backend_pid/status"; sleep 1; done) > "$work/rss" &
sampler=$!
run() { # name connections expect url [tokens]
  BENCH_EXPECT=$3 BENCH_TOKENS=${5:-} wrk -t1 -c"$2" -d"${secs}s" --timeout 5s -s bench/soak.lua "$4" > "$work/$1" 2>&1
}
echo "Bearer $token" > "$work/valid-token"
run silent 86 200 http://localhost:3001/silent & loads=($!)
run valid 85 200 http://localhost:3001/api/private "$work/valid-token" & loads+=($!)
run invalid 85 401 http://localhost:3001/api/private "$work/invalid-tokens" & loads+=($!)
wait "${loads[@]}"
kill "$sampler"; wait "$sampler" 2>/dev/null || true
after=$(jwks)

rps() { awk '/^Requests\/sec/ {printf "%.0f", $2}' "$work/$1"; }
unexpected() { awk '/^unexpected/ {print $2}' "$work/$1"; }
socket_errors() { awk '/Socket errors/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$work/$1"; }
errors=0 wrong=0
for name in silent valid invalid; do
  e=$(socket_errors "$name") u=$(unexpected "$name")
  errors=$((errors + ${e:-0})) wrong=$((wrong + ${u:-999999}))
done
fetches=$((after - before)) limit=$((secs / 10 + 2))
first=$(head -n 10 "$work/rss" | awk '{s += $1} END {printf "%.1f", s / NR / 1024}')
last=$(tail -n 10 "$work/rss" | awk '{s += $1} END {printf "%.1f", s / NR / 1024}')
flat=$(awk -v f="$first" -v l="$last" 'BEGIN {print (l <= f * 1.1 + 2) ? "flat" : "GREW"}')
total=$(($(rps silent) + $(rps valid) + $(rps invalid)))
echo "soak: ${secs} s at 256 connections, $total req/s (/silent $(rps silent), valid token $(rps valid), invalid tokens $(rps invalid)); socket errors $errors, unexpected statuses $wrong; key-set fetches $fetches (limit $limit); RSS first 10 s $first MB, last 10 s $last MB ($flat)"
if [ "$errors" != 0 ] || [ "$wrong" != 0 ] || [ "$fetches" -gt "$limit" ] || [ "$flat" != flat ]; then
  echo "soak failed; wrk's reports:" >&2; cat "$work"/silent "$work"/valid "$work"/invalid >&2; exit 1
fi
