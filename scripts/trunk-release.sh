#!/usr/bin/env bash
# A release build of a trunk app (`make app`: frontend/; `make bench`: its bare-Yew reference),
# ready to serve: size-optimised wasm (the `wasm-release` profile), its functions in the order that
# compresses best (order-functions.mjs), the JS glue minified and the wasm's import names shortened
# (minify-glue.mjs), and brotli and zopfli-gzip copies of every asset.
#   scripts/trunk-release.sh <app dir> <dist dir, absolute>
# Panic locations name source files: with the remap, the shipped wasm says `crates/<crate>/src/…`
# rather than this machine's home directory and package cache. Both apps get the same flags, so
# they share the compiled dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
app=$1 dist=$2
cargo fetch -q
flags=""
for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  flags+="--remap-path-prefix=${dir%/}=crates "
done
(cd "$app" && RUSTFLAGS="$flags" trunk build --release --quiet --dist "$dist")
node scripts/minify-glue.mjs "$dist"
node scripts/compress.mjs "$dist"
