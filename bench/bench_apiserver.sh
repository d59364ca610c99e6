#!/usr/bin/env bash
# The local API server's create, list and watch-delivery rates and memory (make bench).
set -euo pipefail
build=${1:-build}
bin="$build/bench/apiserver/bench_apiserver"
if [ ! -x "$bin" ]; then echo "bench_apiserver: $bin not built"; exit 1; fi
export DRAGOPS_APISERVER_BINARY="${DRAGOPS_APISERVER_BINARY:-$build/tests/apiserver/dragops-apiserver}"
"$bin" "${APISERVER_BENCH_CREATES:-5000}" "${APISERVER_BENCH_LIST:-10000}"
