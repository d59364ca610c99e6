# Shared set-up for the operator end-to-end tests (sourced). Starts the backend's API server
# (lib/cluster.sh: the local one, or the real control plane), applies
# the CRDs and packs, starts operators, and cleans up every process it started.
# Run by CTest (tests/e2e/CMakeLists.txt passes DRAGOPS_BUILD_DIR and the binaries), or by hand:
#   bash tests/e2e/operator_basic.sh BUILD_DIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/sanitizer_env.sh"

BUILD=$(cd "${1:-${DRAGOPS_BUILD_DIR:?usage: $0 BUILD_DIR}}" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export DRAGOPS_APISERVER_BINARY=${DRAGOPS_APISERVER_BINARY:-$BUILD/tests/apiserver/dragops-apiserver}
source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
OPERATOR=${DRAGOPS_OPERATOR_BINARY:-$BUILD/operator/dragops-operator}
PROBE=$BUILD/tests/operator/dragops-e2e-probe
[ -x "$PROBE" ] || { echo "FAIL: $PROBE not built" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dragops-e2e-op.XXXXXX")
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  cluster_stop
  if [ "${KEEP_WORK:-}" = "" ]; then rm -rf "$WORK"; else echo "work dir kept: $WORK"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

now_ms() { date +%s%3N; }

# Waits up to $1 seconds for the command to succeed.
wait_until() {
  local timeout=$1
  shift
  local deadline=$(($(now_ms) + timeout * 1000))
  until "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

start_apiserver() {
  cluster_start "$WORK/apiserver" || fail "API server did not start"
  apply_crds_and_packs "$ROOT" || fail "cannot apply the CRDs and packs"
  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: dragops-system}\n' | kubectl apply -f - >/dev/null
}

source "$(dirname "${BASH_SOURCE[0]}")/service_account.sh"

# operator_least_privilege: later operators run as the ServiceAccount dragops-operator with only
# the RBAC of operator/rbac.yaml (applied here), through a TokenRequest token, as in a cluster.
operator_least_privilege() {
  kubectl apply -f "$ROOT/operator/rbac.yaml" >/dev/null || fail "cannot apply operator/rbac.yaml"
  service_account_kubeconfig dragops-system dragops-operator "$WORK/operator.kubeconfig" ||
    fail "no token for the operator's ServiceAccount"
  OPERATOR_KUBECONFIG=$WORK/operator.kubeconfig
  [ "$(kubectl --kubeconfig "$OPERATOR_KUBECONFIG" auth whoami -o jsonpath='{.status.userInfo.username}')" = \
    system:serviceaccount:dragops-system:dragops-operator ] || fail "the operator's kubeconfig is not its ServiceAccount's"
}

# no_rbac_denials: no operator log shows a request RBAC refused (a right missing from
# operator/rbac.yaml), whatever the test checked otherwise.
no_rbac_denials() {
  if grep -h 'is forbidden' "$WORK"/*.log; then fail "the operator was refused by RBAC (operator/rbac.yaml)"; fi
}


# start_operator NAME [flags...]: logs to $WORK/NAME.log; sets OP_PID and NAME's metrics port file.
start_operator() {
  local name=$1
  shift
  "$OPERATOR" --kubeconfig "${OPERATOR_KUBECONFIG:-$KUBECONFIG}" --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 --webhook-addr "" \
    --lease-duration 3s --renew-deadline 2s --retry-period 500ms --identity "$name" --allow-insecure-loopback-endpoints "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.log" &
  OP_PID=$!
  PIDS+=($OP_PID)
  echo "$OP_PID" >"$WORK/$name.pid"
  wait_until 10 grep -q '"endpoint":"metrics"' "$WORK/$name.log" || fail "operator $name did not start"
  grep -o '"endpoint":"metrics","addr":"[^"]*","port":[0-9]*' "$WORK/$name.log" | grep -o '[0-9]*$' >"$WORK/$name.port"
}

# metric NAME SERIES: the sum of every sample whose line starts with SERIES (0 if none).
metric() {
  curl -sf "http://127.0.0.1:$(cat "$WORK/$1.port")/metrics" |
    awk -v s="$2" 'index($0, s) == 1 { sum += $NF } END { printf "%d\n", sum + 0 }'
}

condition() { # condition KIND/NAME NS TYPE FIELD
  kubectl get "$1" -n "$2" -o "jsonpath={.status.conditions[?(@.type==\"$3\")].$4}"
}

resource_version() { kubectl get "$1" -n "$2" -o 'jsonpath={.metadata.resourceVersion}'; }

# A fresh random canary, never printed by the tests.
canary() { echo "CANARY-$1-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
