# The API server an e2e script runs against (sourced): the backend is DRAGOPS_E2E_BACKEND, which
# CTest sets per test (tests/e2e/CMakeLists.txt registers every script once per backend):
#   local  the local in-memory API server, tests/apiserver (dragops-apiserver); the default.
#   real   etcd, kube-apiserver and kube-controller-manager of the pinned release, started by
#          tests/kube/control-plane.sh; its kubectl (same release) comes first on PATH.
# Both print `READY URL` and write DIR/kubeconfig (the local one with a token, the real one with a
# client certificate), so scripts need not care which one they have.

DRAGOPS_E2E_BACKEND=${DRAGOPS_E2E_BACKEND:-local}
case "$DRAGOPS_E2E_BACKEND" in
  local|real) ;;
  *) echo "DRAGOPS_E2E_BACKEND must be local or real, not '$DRAGOPS_E2E_BACKEND'" >&2; exit 2 ;;
esac
DRAGOPS_CLUSTER_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../kube" && pwd)

# The real tier uses the kubectl built with the control plane (tests/kube/upstream/build.sh).
if [ "$DRAGOPS_E2E_BACKEND" = real ]; then
  DRAGOPS_KUBE_BIN=${DRAGOPS_KUBE_BIN:-$("$DRAGOPS_CLUSTER_SCRIPTS/upstream/build.sh")} ||
    { echo "FAIL: the real control plane's binaries could not be built (tests/kube/upstream/build.sh)" >&2; exit 1; }
  export DRAGOPS_KUBE_BIN PATH="$DRAGOPS_KUBE_BIN:$PATH"
fi

source "$DRAGOPS_CLUSTER_SCRIPTS/free_port.sh"

backend_is_real() { [ "$DRAGOPS_E2E_BACKEND" = real ]; }

# cluster_start DIR [LOCAL-SERVER-FLAGS...]: starts the backend with its files in DIR, waits for
# READY (60 s for the local server, the control plane's own deadline for the real one), and sets
# CLUSTER_PID, CLUSTER_URL, KUBECONFIG and KUBECACHEDIR. The flags go to the local server only;
# the real one's kube-apiserver gets the entries of the array REAL_APISERVER_ARGS, if a script set
# it (e.g. REAL_APISERVER_ARGS=(--oidc-issuer-url=https://...); tests/e2e/dashboard_oidc.sh).
cluster_start() {
  local dir=$1; shift
  CLUSTER_DIR=$dir CLUSTER_FLAGS=("$@")
  mkdir -p "$dir"
  : >"$dir/stdout"
  if backend_is_real; then
    local extra=() arg
    for arg in ${REAL_APISERVER_ARGS[@]+"${REAL_APISERVER_ARGS[@]}"}; do extra+=("--apiserver-arg=$arg"); done
    "$DRAGOPS_CLUSTER_SCRIPTS/control-plane.sh" --dir "$dir" ${extra[@]+"${extra[@]}"} >>"$dir/stdout" 2>>"$dir/apiserver.log" &
  else
    : "${DRAGOPS_APISERVER_BINARY:?DRAGOPS_APISERVER_BINARY must point at the dragops-apiserver binary}"
    "$DRAGOPS_APISERVER_BINARY" --dir "$dir" "$@" >>"$dir/stdout" 2>>"$dir/apiserver.log" &
  fi
  CLUSTER_PID=$!
  local deadline=$((SECONDS + 180))
  until grep -q '^READY ' "$dir/stdout" 2>/dev/null; do
    if ! kill -0 "$CLUSTER_PID" 2>/dev/null; then
      echo "the $DRAGOPS_E2E_BACKEND API server exited before READY:" >&2; cat "$dir/apiserver.log" >&2; return 1
    fi
    if [ $SECONDS -ge $deadline ]; then echo "the $DRAGOPS_E2E_BACKEND API server was not READY in 180 s" >&2; return 1; fi
    sleep 0.05
  done
  CLUSTER_URL=$(sed -n 's/^READY //p' "$dir/stdout")
  export KUBECONFIG="$dir/kubeconfig" KUBECACHEDIR="$dir/kube-cache"
}

# cluster_stop: SIGTERM to the backend (the control plane script stops its components) and wait.
cluster_stop() {
  if [ -n "${CLUSTER_PID:-}" ] && kill -0 "$CLUSTER_PID" 2>/dev/null; then
    kill -TERM "$CLUSTER_PID" 2>/dev/null || true
    wait "$CLUSTER_PID" 2>/dev/null || true
  fi
}

# cluster_restart: stops the backend and starts it again on the same directory, so that what it
# keeps there survives (the local server's --state, the control plane's etcd data, certificates
# and ServiceAccount signing key); the port may change, and KUBECONFIG is rewritten with it.
cluster_restart() {
  cluster_stop
  cluster_start "$CLUSTER_DIR" "${CLUSTER_FLAGS[@]}"
}

# apply_crds SOURCE_DIR: the CRDs, applied and Established (a real server serves a new CRD's
# resources only once it is), then the built-in packs.
apply_crds_and_packs() {
  local source=$1
  kubectl apply -f "$source/crds/" >/dev/null || return 1
  kubectl wait --for condition=Established --timeout=60s -f "$source/crds/" >/dev/null || return 1
  kubectl apply -f "$source/packs/" >/dev/null
}

# ensure_namespace NAME: the namespace exists (applied as YAML: the local server reads no
# protobuf from `kubectl create namespace`), with its default ServiceAccount, which the real
# control plane's ServiceAccount controller makes a moment later and without which the
# ServiceAccount admission plugin refuses pods.
ensure_namespace() {
  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n' "$1" | kubectl apply -f - >/dev/null || return 1
  local deadline=$((SECONDS + 30))
  until kubectl -n "$1" get serviceaccount default >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "namespace $1 has no default ServiceAccount after 30 s" >&2; return 1; }
    sleep 0.1
  done
}

