#!/usr/bin/env bash
# A release build of a trunk app (`make app`: frontend/; `make bench`: its card reference), ready to
# serve: size-optimised wasm (the `wasm-release` profile), the JS glue minified and the wasm's import
# names shortened (minify-glue.mjs), and brotli and zopfli-gzip copies of every asset.
#   scripts/trunk-release.sh <app dir> <dist dir, absolute> [<name>]
# What minify-glue.mjs saves is written to target/release-sizes/<name>.txt (name: the app dir's;
# gzip -9 of the glue and the wasm, as trunk wrote them and as rewritten) for `make bench` to print:
# the step stays only while it saves 5 KB or more. trunk's own environment passes through
# (`TRUNK_BUILD_FEATURES`, say).
# Panic locations name source files: with the remap, the shipped wasm says `crates/<crate>/src/…`
# rather than this machine's home directory and package cache. Both apps get the same flags, so
# they share the compiled dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
app=$1 dist=$2 name=${3:-$(basename "$1")}
cargo fetch -q
flags=""
for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  flags+="--remap-path-prefix=${dir%/}=crates "
done
(cd "$app" && RUSTFLAGS="$flags" trunk build --release --quiet --dist "$dist")
# gzip -9 of the glue and the wasm together.
code_gz() { (cd "$dist" && cat ./*.js ./*_bg.wasm | gzip -9 | wc -c); }
before=$(code_gz)
node scripts/minify-glue.mjs "$dist"
mkdir -p target/release-sizes
echo "trunk $before rewritten $(code_gz)" >"target/release-sizes/$name.txt"
node scripts/compress.mjs "$dist"
