#!/usr/bin/env bash
# The operator benchmark (bench_operator.sh) on the real control plane: 10,000 Connections in 100
# namespaces against kube-apiserver and etcd of the pinned release, with the real server's own raw
# create rates for Connections and core Secrets measured in the same run.
set -euo pipefail
DRAGOPS_E2E_BACKEND=real exec bash "$(dirname "$0")/bench_operator.sh" "$@"
