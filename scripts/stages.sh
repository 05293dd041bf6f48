#!/usr/bin/env bash
# `make test`: runs each stage (a make target) in order and prints how long each took, at the end
# and also when a stage fails, so a slower stage shows up in the next run's output.
# Usage: MAKE=make scripts/stages.sh <target>...
set -uo pipefail
MAKE=${MAKE:-make}
names=(); secs=(); status=0
report() {
  echo
  echo "==> stage times"
  local total=0
  for i in "${!names[@]}"; do
    printf '    %-14s %4d s\n' "${names[$i]}" "${secs[$i]}"
    total=$((total + secs[i]))
  done
  printf '    %-14s %4d s (%d min %02d s)\n' total "$total" $((total / 60)) $((total % 60))
}
for stage in "$@"; do
  start=$(date +%s)
  $MAKE --no-print-directory "$stage"; status=$?
  names+=("$stage"); secs+=($(($(date +%s) - start)))
  if [ "$status" -ne 0 ]; then report; echo "==> stage $stage failed" >&2; exit "$status"; fi
done
report
