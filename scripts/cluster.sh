#!/usr/bin/env bash
# `make cluster`: the app behind a load balancer, as a deployment of more than one backend runs it.
# - Redis (Debian's redis-server, append-only file on), the DPoP replay store the replicas share;
# - three backend replicas on their own ports, with one DPoP nonce secret among them;
# - Debian's nginx on :3001, round-robin over the replicas, so the app's two-origin layout is as in
#   `make dev` (nginx adds `X-Upstream: <replica>` to every answer, a development aid to see the
#   round robin; a deployment would leave it out);
# - the local provider and the app, as in `make dev`.
# Each line of output says which process wrote it; Ctrl-C stops them all. Everything runs from a
# temporary directory (Redis's files, nginx's configuration, the nonce secret), removed at the end.
#
# Environment: IDP_PORT, BACKEND_PORT (nginx), APP_PORT, REPLICA_PORTS ("3011 3012 3013"),
# REDIS_PORT (6390), IDP_ISSUER, AUDIENCE ($API/api) (read by the app's server in dist mode); CLUSTER_IDP (1; 0: the provider runs elsewhere, as the e2e suite's
# fixture), CLUSTER_APP (trunk: `trunk serve` as `make dev`; dist: the release build in
# frontend/dist served by one more backend's --spa-port, as the e2e suite does), BACKEND_BIN
# (target/release/backend).
set -euo pipefail
cd "$(dirname "$0")/.."
IDP_PORT=${IDP_PORT:-4000} BACKEND_PORT=${BACKEND_PORT:-3001} APP_PORT=${APP_PORT:-5000}
read -r -a replicas <<<"${REPLICA_PORTS:-3011 3012 3013}"
REDIS_PORT=${REDIS_PORT:-6390}
IDP_ISSUER=${IDP_ISSUER:-http://localhost:$IDP_PORT}
CLUSTER_IDP=${CLUSTER_IDP:-1} CLUSTER_APP=${CLUSTER_APP:-trunk}
BACKEND_BIN=${BACKEND_BIN:-target/release/backend}
APP_ORIGIN="http://localhost:$APP_PORT"
API="http://localhost:$BACKEND_PORT"
AUDIENCE=${AUDIENCE:-$API/api}
work=$(mktemp -d)
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo "==> stopping the cluster"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup INT TERM EXIT

# Runs "$@" in the background with each line of its output prefixed by [name]; its PID is kept.
run() { # name command...
  local name=$1; shift
  "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
}
wait_for() { # url name
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "$2 did not come up at $1" >&2; return 1
}
for tool in redis-server redis-cli nginx; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run make tools" >&2; exit 1; }
done

mkdir -p "$work/redis"
echo "==> Redis on 127.0.0.1:$REDIS_PORT (the replicas' DPoP replay store; files in $work/redis)"
run redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes --save ""
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

if [ "$CLUSTER_IDP" = 1 ]; then
  echo "==> the local provider on $IDP_ISSUER"
  (cd e2e && IDP_PORT=$IDP_PORT APP_ORIGIN=$APP_ORIGIN SILENT_REDIRECT_URI="$API/silent" IDP_AUDIENCE=$AUDIENCE \
    exec node idp/server.mjs) \
    > >(sed -u 's/^/[provider] /') 2>&1 &
  pids+=($!)
fi

# One nonce secret for every replica: a nonce one replica gives, another accepts.
head -c 32 /dev/urandom >"$work/nonce-secret"
export APP_ORIGIN AUTH_ISSUER=$IDP_ISSUER AUTH0_AUDIENCE=$AUDIENCE PUBLIC_BASE_URL=$API
export DPOP_NONCE_SECRET_FILE=$work/nonce-secret
export DPOP_REPLAY_STORE="redis://127.0.0.1:$REDIS_PORT/0"
upstreams=""
for i in "${!replicas[@]}"; do
  port=${replicas[$i]}
  echo "==> replica $((i + 1)) on 127.0.0.1:$port"
  run "replica $((i + 1)) :$port" env BACKEND_PORT="$port" "$BACKEND_BIN" --access-log
  upstreams+="    server 127.0.0.1:$port;"$'\n'
done
for port in "${replicas[@]}"; do wait_for "http://127.0.0.1:$port/readyz" "the replica on :$port"; done

case "$CLUSTER_APP" in
  dist)
    echo "==> the app's release build (frontend/dist) on $APP_ORIGIN"
    # Its own API port is unused: the app calls the API through nginx (its CSP names PUBLIC_BASE_URL).
    run app env BACKEND_PORT=$((APP_PORT + 1000)) "$BACKEND_BIN" --spa-port "$APP_PORT" --dist frontend/dist
    ;;
  trunk)
    echo "==> the app with trunk serve on $APP_ORIGIN (first build ~1 min)"
    {
      sed '/^csp = \[/,$d' frontend/Trunk.toml
      "$BACKEND_BIN" --print-trunk-serve --issuer "$IDP_ISSUER" | sed 1d
    } >frontend/.trunk-serve.toml
    run app bash -c "cd frontend && exec trunk --config .trunk-serve.toml serve --port $APP_PORT"
    ;;
  *) echo "CLUSTER_APP must be trunk or dist" >&2; exit 1 ;;
esac

cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx-body;
  proxy_temp_path $work/nginx-proxy;
  fastcgi_temp_path $work/nginx-fastcgi;
  uwsgi_temp_path $work/nginx-uwsgi;
  scgi_temp_path $work/nginx-scgi;
  upstream replicas {
$upstreams    keepalive 32;
  }
  server {
    listen 127.0.0.1:$BACKEND_PORT;
    location / {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      add_header X-Upstream \$upstream_addr always;
    }
  }
}
NGINX
echo "==> nginx on $API, round-robin over ${#replicas[@]} replicas"
run nginx nginx -p "$work" -c "$work/nginx.conf" -e stderr
wait_for "$API/readyz" "nginx"
[ "$CLUSTER_IDP" = 1 ] && wait_for "http://localhost:$IDP_PORT/healthz" "the identity provider"
wait_for "$APP_ORIGIN/" "the app"
cat <<MSG

  App        $APP_ORIGIN
  API        $API   (nginx → replicas on ${replicas[*]}; /readyz says whether Redis answers)
  Redis      127.0.0.1:$REDIS_PORT
  Identity   $IDP_ISSUER   (alice@example.com / wonderland)

  Ctrl-C stops everything.
MSG
wait -n
