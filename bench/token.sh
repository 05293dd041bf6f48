#!/usr/bin/env bash
# Prints an access token from the local provider, obtained the way a browser would: /authorize,
# the login form, the redirect with the token in its fragment (the tutorial's implicit client: a
# bearer token).
set -euo pipefail
idp=${IDP:-http://localhost:4000}
jar=$(mktemp); trap 'rm -f "$jar"' EXIT
q='client_id=dev-spa-implicit&response_type=id_token%20token&redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Fcallback'
q+='&scope=openid%20profile%20email%20read%3Amessages&audience=http%3A%2F%2Flocalhost%3A3001%2Fapi&state=bench&nonce=bench'
login=$(curl -fsS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$idp/authorize?$q")
resume=$(curl -fsS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' \
  --data-urlencode email=alice@example.com --data-urlencode password=wonderland "$login/login")
final=$(curl -fsS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$resume")
tr '#&' '\n\n' <<<"$final" | sed -n 's/^access_token=//p'
