#!/usr/bin/env bash
# An informer's cold start over 10,000 objects in the local API server: time to sync, next to a
# plain paginated list in the same run, and resident memory (make bench).
set -euo pipefail
build=${1:-build}
bin="$build/bench/kube/bench_informer"
if [ ! -x "$bin" ]; then echo "bench_informer: $bin not built"; exit 1; fi
export DRAGOPS_APISERVER_BINARY="${DRAGOPS_APISERVER_BINARY:-$build/tests/apiserver/dragops-apiserver}"
"$bin" "${INFORMER_BENCH_OBJECTS:-10000}"
