#!/usr/bin/env bash
# Propagation on the real control plane (issue 14, item 5): the e2e scenario
# tests/e2e/sidecar_injection.sh run against kube-apiserver and etcd of the pinned release, its
# timings printed: a credential change and a revocation until a sidecar serves it (p50/p99 over
# 50 each; reference: the kubectl patch alone), and the webhook's admission (50 server dry runs of
# an injected pod; reference: a pod the webhook is not called for), also as kube-apiserver's own
# histogram sees it. The scenario's checks must pass, or the figures mean nothing.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DRAGOPS_E2E_BACKEND=real DRAGOPS_BUILD_DIR=$build DRAGOPS_SOURCE_DIR=$root DRAGOPS_TESTDATA=$root/tests/testdata
export DRAGOPS_APISERVER_BINARY=$build/tests/apiserver/dragops-apiserver DRAGOPS_OPERATOR_BINARY=$build/operator/dragops-operator
export DRAGOPS_SIDECAR_BINARY=$build/sidecar/dragops-sidecar
export DRAGOPSCTL_BINARY=$build/tools/dragopsctl/dragopsctl
export SIDECAR_E2E_ROUNDS=50 SIDECAR_E2E_ADMISSIONS=50
if ! bash "$root/tests/e2e/sidecar_injection.sh" >"$log" 2>&1; then
  grep -E '^FAIL' -A2 "$log" | head -20
  echo "bench_propagation: the scenario failed; no figures"
  exit 1
fi
grep -E 'latency|reference|admission \(|as kube-apiserver sees it' "$log"
echo "(real control plane; see tests/kube for the pinned release)"
