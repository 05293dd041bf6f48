#!/usr/bin/env bash
# `make dev`: the local identity provider (unless AUTH0_DOMAIN is set), the backend and `trunk serve`,
# all stopped together on Ctrl-C or when any of them exits.
set -euo pipefail
cd "$(dirname "$0")/.."
IDP_PORT=${IDP_PORT:-4000} BACKEND_PORT=${BACKEND_PORT:-3001} APP_PORT=${APP_PORT:-5000}
# IDP_ISSUER=http://127.0.0.1:4000 runs the provider on another site than the app: its cookie no
# longer reaches the silent frame (the Safari situation), and renewal goes through refresh tokens.
IDP_ISSUER=${IDP_ISSUER:-http://localhost:$IDP_PORT}
export IDP_ISSUER
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "==> stopping"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

wait_for() { # url name
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.5; done
  echo "$2 did not come up at $1" >&2; return 1
}

if [ -z "${AUTH0_DOMAIN:-}" ]; then
  (cd e2e && IDP_PORT=$IDP_PORT APP_ORIGIN="http://localhost:$APP_PORT" \
    SILENT_REDIRECT_URI="http://localhost:$BACKEND_PORT/silent" exec node idp/server.mjs) &
  pids+=($!)
fi
echo "==> building the backend (release; first build ~3 min)"
cargo build --release -q -p backend
# With AUTH0_DOMAIN the backend reads it (and AUTH0_AUDIENCE) itself; `--issuer` would conflict.
if [ -n "${AUTH0_DOMAIN:-}" ]; then
  APP_ORIGIN="http://localhost:$APP_PORT" BACKEND_PORT=$BACKEND_PORT target/release/backend --access-log &
else
  APP_ORIGIN="http://localhost:$APP_PORT" BACKEND_PORT=$BACKEND_PORT AUTH_ISSUER="$IDP_ISSUER" target/release/backend --access-log &
fi
pids+=($!)
# trunk serve sends the app page the same CSP and isolation headers as the backend's --spa-port:
# the backend prints them for this layout (issuer, API) into a Trunk config used for this run.
{
  sed '/^csp = \[/,$d' frontend/Trunk.toml
  # With AUTH0_DOMAIN in the environment the backend reads the tenant itself.
  if [ -n "${AUTH0_DOMAIN:-}" ]; then issuer=(); else issuer=(--issuer "$IDP_ISSUER"); fi
  target/release/backend --print-trunk-serve --public-base-url "http://localhost:$BACKEND_PORT" "${issuer[@]}" | sed 1d
} > frontend/.trunk-serve.toml
echo "==> building the frontend with trunk (first build ~1 min), then serving it with live reload"
(cd frontend && exec trunk --config .trunk-serve.toml serve --port "$APP_PORT") &
pids+=($!)

[ -z "${AUTH0_DOMAIN:-}" ] && wait_for "http://localhost:$IDP_PORT/healthz" "identity provider"
wait_for "http://localhost:$BACKEND_PORT/healthz" "backend"
wait_for "http://localhost:$APP_PORT/" "frontend"
cat <<MSG

  App        http://localhost:$APP_PORT
  Backend    http://localhost:$BACKEND_PORT   (/silent, /api/public, /api/private, /api/private-scoped)
MSG
if [ -z "${AUTH0_DOMAIN:-}" ]; then
  cat <<MSG
  Identity   $IDP_ISSUER   (local provider; log in as alice@example.com / wonderland
                                      or bob@example.com / builder)
MSG
else
  echo "  Identity   https://$AUTH0_DOMAIN/ (Auth0)"
fi
echo; echo "  Ctrl-C stops everything."
wait -n
