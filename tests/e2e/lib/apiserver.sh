# Shared helpers for e2e scripts: start the API server of the test's backend (lib/cluster.sh:
# the local one or the real control plane) and talk to it with kubectl. Source it, then call
# `apiserver_start [local server flags...]`. It sets APISERVER_DIR, APISERVER_URL, APISERVER_PID,
# KUBECONFIG and KUBECACHEDIR, and stops the server when the script exits.

source "$(dirname "${BASH_SOURCE[0]}")/sanitizer_env.sh"

source "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
source "$(dirname "${BASH_SOURCE[0]}")/service_account.sh"

apiserver_start() {
  APISERVER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dragops-e2e-XXXXXX")
  trap apiserver_cleanup EXIT
  cluster_start "$APISERVER_DIR" --state "$APISERVER_DIR/state.json" "$@" || return 1
  APISERVER_PID=$CLUSTER_PID APISERVER_URL=$CLUSTER_URL
}

apiserver_cleanup() {
  cluster_stop
  if [ -n "${APISERVER_DIR:-}" ] && [ -z "${DRAGOPS_KEEP_TMP:-}" ]; then rm -rf "$APISERVER_DIR"; fi
}

# Polls a command until it succeeds, up to a deadline in seconds.
wait_until() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then return 1; fi
    sleep 0.1
  done
}
