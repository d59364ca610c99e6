#!/usr/bin/env bash
# make bench: runs every bench/bench_*.sh in turn; each prints its figures next to a reference
# measured in the same run.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in "$here"/bench_*.sh; do
  [ -e "$b" ] || continue
  echo "=== $(basename "$b" .sh) ==="
  bash "$b" "$build" || { echo "bench: $(basename "$b") failed"; status=1; }
done
exit $status
