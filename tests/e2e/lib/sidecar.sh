# Helpers for the sidecar end-to-end scripts (sourced after lib/apiserver.sh):
# the operator with its webhook behind a Service, and a stand-in kubelet that starts the sidecar
# with the environment the webhook wrote into a stored pod.

: "${DRAGOPS_OPERATOR_BINARY:?DRAGOPS_OPERATOR_BINARY must point at the dragops-operator binary}"
: "${DRAGOPS_SIDECAR_BINARY:?DRAGOPS_SIDECAR_BINARY must point at the dragops-sidecar binary}"
source "$(dirname "${BASH_SOURCE[0]}")/webhook.sh"

# Starts the operator (webhook on a free port) as the chart's ServiceAccount with the chart's
# RBAC, and registers the webhook as the chart does (lib/webhook.sh). The key propagation delay
# is 0 (the scripts that rotate sync the key volume themselves); the array OPERATOR_ARGS adds or
# overrides flags.
# With OPERATOR_WATCH_NAMESPACES=a,b (namespaces that exist) the chart is rendered with that
# watchNamespaces, which is its least-privilege mode (Roles in those namespaces only), and the
# operator watches only those.
operator_start() {
  local source=$DRAGOPS_SOURCE_DIR
  apply_crds_and_packs "$source" || return 1
  ensure_namespace dragops-system || return 1
  webhook_register || return 1
  # Least privilege: the chart's ServiceAccount and RBAC (controller and webhook rules), rendered
  # by helm, and a token for that ServiceAccount.
  local operator_kubeconfig=$KUBECONFIG scope=() watch=()
  if [ -n "${OPERATOR_WATCH_NAMESPACES:-}" ]; then
    scope=(--set "watchNamespaces={$OPERATOR_WATCH_NAMESPACES}")
    watch=(--watch-namespaces "$OPERATOR_WATCH_NAMESPACES")
  fi
  if chart_operator_kubeconfig "$source" "$APISERVER_DIR/operator.kubeconfig" "${scope[@]}"; then
    operator_kubeconfig=$APISERVER_DIR/operator.kubeconfig
  else
    echo "note: no helm (tests/tools/fetch-tools.sh): the operator runs with the admin's kubeconfig"
  fi
  "$DRAGOPS_OPERATOR_BINARY" --kubeconfig "$operator_kubeconfig" --namespace dragops-system --leader-elect=false \
    --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 --webhook-addr "$WEBHOOK_ADDR" \
    --key-rotation-interval 0 --key-propagation-delay 0 --allow-insecure-loopback-endpoints "${watch[@]}" "${OPERATOR_ARGS[@]}" >>"$APISERVER_DIR/operator.log" 2>&1 &
  OPERATOR_PID=$!
  wait_until 30 webhook_serving
}

operator_stop() {
  if [ -n "${OPERATOR_PID:-}" ] && kill -0 "$OPERATOR_PID" 2>/dev/null; then
    kill -TERM "$OPERATOR_PID"; wait "$OPERATOR_PID" 2>/dev/null
  fi
}

# sidecar_start NAMESPACE POD: the stand-in kubelet. Reads the dragops-sidecar container of the
# stored pod, resolves its downward-API env, mounts the key volume (a directory holding the
# dragops-data-keys Secret's keyring file) and the token volume (a directory), and runs the
# binary with that environment and a kubeconfig holding a token for the pod's ServiceAccount
# (`default` unless the pod names another, which is created if missing), as a kubelet would
# project it. The mount paths are remapped to the temporary directories, as a
# kubelet maps volumes; the listen ports are remapped to free ones so tests can run in parallel.
# With SIDECAR_POD_JSON=FILE the pod is read from FILE (e.g. the output of a server dry run).
sidecar_start() {
  sidecar_launch "$@" || return 1
  wait_until 20 curl -fsS "http://127.0.0.1:$SIDECAR_HEALTH_PORT/readyz"
}

# sidecar_launch NAMESPACE POD: sidecar_start without waiting for readiness.
sidecar_launch() {
  local ns=$1 pod=$2 pod_json
  SIDECAR_DIR=$(mktemp -d "$APISERVER_DIR/sidecar-XXXXXX")
  mkdir -p "$SIDECAR_DIR/keys" "$SIDECAR_DIR/token"
  sidecar_sync_keys "$ns" || return 1
  SIDECAR_PORT=$(free_port)
  SIDECAR_HEALTH_PORT=$(free_port)
  if [ -n "${SIDECAR_POD_JSON:-}" ]; then pod_json=$(cat "$SIDECAR_POD_JSON"); else pod_json=$(kubectl -n "$ns" get pod "$pod" -o json); fi
  jq -r --arg ns "$ns" --arg pod "$pod" \
      '.spec.initContainers[] | select(.name == "dragops-sidecar") | .env[] |
       "\(.name)=\(if .valueFrom then (if .valueFrom.fieldRef.fieldPath == "metadata.namespace" then $ns else $pod end) else .value end)"' \
      >"$SIDECAR_DIR/env" <<<"$pod_json" || return 1
  local env_args=()
  while IFS= read -r line; do
    case "$line" in
      DRAGOPS_KEY_DIR=*) line="DRAGOPS_KEY_DIR=$SIDECAR_DIR/keys" ;;
      DRAGOPS_TOKEN_FILE=*) line="DRAGOPS_TOKEN_FILE=$SIDECAR_DIR/token/token" ;;
      DRAGOPS_LISTEN=*) line="DRAGOPS_LISTEN=127.0.0.1:$SIDECAR_PORT,[::1]:$SIDECAR_PORT" ;;
      DRAGOPS_HEALTH_LISTEN=*) line="DRAGOPS_HEALTH_LISTEN=127.0.0.1:$SIDECAR_HEALTH_PORT" ;;
    esac
    env_args+=("$line")
  done <"$SIDECAR_DIR/env"
  # Least privilege, as in a pod: a token for the pod's ServiceAccount, whose only rights are the
  # Role the operator reconciled for it from the injected pods.
  local sa
  sa=$(jq -r '.spec.serviceAccountName // ""' <<<"$pod_json")
  service_account_kubeconfig "$ns" "${sa:-default}" "$SIDECAR_DIR/kubeconfig" || return 1
  env -i PATH="$PATH" KUBECONFIG="$SIDECAR_DIR/kubeconfig" $(sanitizer_env) "${env_args[@]}" ${SIDECAR_EXTRA_ENV:-} \
    "$DRAGOPS_SIDECAR_BINARY" >>"$SIDECAR_DIR/sidecar.log" 2>&1 &
  SIDECAR_PID=$!
}

# sidecar_sync_keys NAMESPACE [KEYRING_FILE]: installs the projected key ring (read now, or the
# copy in KEYRING_FILE) as the kubelet would (atomically, through a ..data symlink swap).
sidecar_sync_keys() {
  local ns=$1 copy=${2:-} stamp
  stamp="..$(date +%s%N)"
  mkdir -p "$SIDECAR_DIR/keys/$stamp"
  if [ -n "$copy" ]; then
    cp "$copy" "$SIDECAR_DIR/keys/$stamp/keyring"
  else
    wait_until 30 kubectl -n "$ns" get secret dragops-data-keys || return 1
    kubectl -n "$ns" get secret dragops-data-keys -o jsonpath='{.data.keyring}' | base64 -d >"$SIDECAR_DIR/keys/$stamp/keyring"
  fi
  ln -sfn "$stamp" "$SIDECAR_DIR/keys/..data_tmp" && mv -T "$SIDECAR_DIR/keys/..data_tmp" "$SIDECAR_DIR/keys/..data"
  [ -L "$SIDECAR_DIR/keys/keyring" ] || ln -s ..data/keyring "$SIDECAR_DIR/keys/keyring"
}

sidecar_stop() {
  if [ -n "${SIDECAR_PID:-}" ] && kill -0 "$SIDECAR_PID" 2>/dev/null; then
    kill -TERM "$SIDECAR_PID"; wait "$SIDECAR_PID" 2>/dev/null
  fi
}

# sidecar_get PATH [curl args...]: prints "<status> <body>" for a request with the pod token.
sidecar_get() {
  local path=$1; shift
  curl -sS -o "$SIDECAR_DIR/body" -w '%{http_code}' -H "Authorization: Bearer $(cat "$SIDECAR_DIR/token/token")" \
    "$@" "http://127.0.0.1:$SIDECAR_PORT$path" >"$SIDECAR_DIR/code" 2>/dev/null
  echo "$(cat "$SIDECAR_DIR/code") $(cat "$SIDECAR_DIR/body")"
}
