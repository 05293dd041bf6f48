#!/usr/bin/env bash
# Writes frontend/auth_config.json, the app's run-time configuration. With AUTH0_DOMAIN set it
# targets that Auth0 tenant (AUTH0_CLIENT_ID and AUTH0_AUDIENCE are then required); otherwise the
# local identity provider (IDP_ISSUER, or http://localhost:IDP_PORT). AUTH_FLOW (code|implicit),
# USE_REFRESH_TOKENS (true|false) and TOKEN_STORAGE (local|memory) choose the modes.
set -euo pipefail
out=${1:-frontend/auth_config.json}
# Values go into JSON strings as they are: refuse the characters that would need escaping.
case "${AUTH_FLOW:-code}" in code|implicit) ;; *) echo "auth-config.sh: AUTH_FLOW must be code or implicit" >&2; exit 2;; esac
case "${TOKEN_STORAGE:-local}" in local|memory) ;; *) echo "auth-config.sh: TOKEN_STORAGE must be local or memory" >&2; exit 2;; esac
case "${USE_REFRESH_TOKENS:-true}" in true|false) ;; *) echo "auth-config.sh: USE_REFRESH_TOKENS must be true or false" >&2; exit 2;; esac
json_safe() { # name value
  case "$2" in *'"'*|*'\'*|*[[:cntrl:]]*) echo "auth-config.sh: $1 must not contain quotes, backslashes or control characters" >&2; exit 2;; esac
}
app="http://localhost:${APP_PORT:-5000}"
api="http://localhost:${BACKEND_PORT:-3001}"
if [ -n "${AUTH0_DOMAIN:-}" ]; then
  : "${AUTH0_CLIENT_ID:?AUTH0_CLIENT_ID is required with AUTH0_DOMAIN}"
  : "${AUTH0_AUDIENCE:?AUTH0_AUDIENCE is required with AUTH0_DOMAIN}"
  json_safe AUTH0_DOMAIN "$AUTH0_DOMAIN"; json_safe AUTH0_CLIENT_ID "$AUTH0_CLIENT_ID"; json_safe AUTH0_AUDIENCE "$AUTH0_AUDIENCE"
  # The app and the backend apply the same rule (auth-rules): a host name, optionally with https://.
  provider="\"domain\": \"${AUTH0_DOMAIN}\""
  client=$AUTH0_CLIENT_ID
  audience=$AUTH0_AUDIENCE
else
  # IDP_ISSUER=http://127.0.0.1:4000 puts the provider on another site than the app (the Safari case).
  provider="\"issuer\": \"${IDP_ISSUER:-http://localhost:${IDP_PORT:-4000}}\""
  # The local provider has a client per mode: implicit tokens cannot be bound (DPoP).
  if [ "${AUTH_FLOW:-code}" = implicit ]; then client=${IDP_IMPLICIT_CLIENT_ID:-dev-spa-implicit}; else client=${IDP_CLIENT_ID:-dev-spa-client}; fi
  audience=${AUTH0_AUDIENCE:-$api/api}
fi
cat > "$out" <<JSON
{
  $provider,
  "clientId": "$client",
  "audience": "$audience",
  "scope": "openid profile email read:messages",
  "redirectUri": "$app/callback",
  "silentRedirectUri": "$api/silent",
  "logoutReturnTo": "$app/",
  "apiBaseUrl": "$api",
  "renewalTimeoutMs": ${RENEWAL_TIMEOUT_MS:-10000},
  "localLogoutOnly": ${LOCAL_LOGOUT_ONLY:-false},
  "flow": "${AUTH_FLOW:-code}",
  "useRefreshTokens": ${USE_REFRESH_TOKENS:-$([ "${AUTH_FLOW:-code}" = code ] && echo true || echo false)},
  "tokenStorage": "${TOKEN_STORAGE:-local}"
}
JSON
echo "wrote $out ($( [ -n "${AUTH0_DOMAIN:-}" ] && echo "Auth0 tenant $AUTH0_DOMAIN" || echo "local identity provider" ))"
