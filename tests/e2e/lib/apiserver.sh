# Shared helpers for e2e scripts: start the local API server and talk to it with kubectl.
# Source it, then call `apiserver_start [extra flags...]`. It sets APISERVER_DIR, APISERVER_URL,
# APISERVER_PID, KUBECONFIG and KUBECACHEDIR, and stops the server when the script exits.

source "$(dirname "${BASH_SOURCE[0]}")/sanitizer_env.sh"

: "${DRAGOPS_APISERVER_BINARY:?DRAGOPS_APISERVER_BINARY must point at the dragops-apiserver binary}"
source "$(dirname "${BASH_SOURCE[0]}")/service_account.sh"

apiserver_start() {
  APISERVER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dragops-e2e-XXXXXX")
  "$DRAGOPS_APISERVER_BINARY" --dir "$APISERVER_DIR" --state "$APISERVER_DIR/state.json" "$@" \
    >"$APISERVER_DIR/stdout" 2>"$APISERVER_DIR/apiserver.log" &
  APISERVER_PID=$!
  trap apiserver_cleanup EXIT
  local deadline=$((SECONDS + 30))
  until grep -q '^READY ' "$APISERVER_DIR/stdout" 2>/dev/null; do
    if ! kill -0 "$APISERVER_PID" 2>/dev/null; then
      echo "dragops-apiserver exited before READY:"; cat "$APISERVER_DIR/apiserver.log"; return 1
    fi
    if [ $SECONDS -ge $deadline ]; then echo "dragops-apiserver not READY in 30s"; return 1; fi
    sleep 0.05
  done
  APISERVER_URL=$(sed -n 's/^READY //p' "$APISERVER_DIR/stdout")
  export KUBECONFIG="$APISERVER_DIR/kubeconfig" KUBECACHEDIR="$APISERVER_DIR/kube-cache"
}

apiserver_cleanup() {
  if [ -n "${APISERVER_PID:-}" ] && kill -0 "$APISERVER_PID" 2>/dev/null; then
    kill -TERM "$APISERVER_PID" 2>/dev/null || true
    wait "$APISERVER_PID" 2>/dev/null || true
  fi
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
