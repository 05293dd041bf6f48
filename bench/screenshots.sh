#!/usr/bin/env bash
# `make screenshots`: the README's pictures (docs/*.png) taken again from the release build, with the
# local provider issuing 12-second tokens so the home page shows renewals. About a minute; it needs
# ports 4000 and 5000 free (stop `make dev` first) and writes only docs/*.png.
set -euo pipefail
cd "$(dirname "$0")/.."
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
wait_for() { for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }
for port in 4000 5000; do
  if curl -s -o /dev/null "http://localhost:$port/"; then echo "port $port is busy: stop \`make dev\` first" >&2; exit 1; fi
done
echo "==> starting the local provider (12-second tokens) and the backend serving the release build"
(cd e2e && IDP_ACCESS_TOKEN_TTL=12 exec node idp/server.mjs >/dev/null 2>&1) & pids+=($!)
target/release/backend --spa-port 5000 >/dev/null 2>&1 & pids+=($!)
wait_for http://localhost:4000/healthz
wait_for http://localhost:5000/healthz
echo "==> signing in, waiting for two renewals, and taking docs/home.png, profile.png, ping.png, phone.png and login.png (~40 s)"
(cd e2e && node bench/screenshots.mjs ../docs)
