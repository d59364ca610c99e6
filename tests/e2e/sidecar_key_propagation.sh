#!/usr/bin/env bash
# Scheduled key rotation with a kubelet that is slow to refresh the key volume (issue 12,
# finding 5). A real kubelet updates a Secret volume up to about 90 s after the Secret changes;
# here a stand-in kubelet installs each version of the projected ring KUBELET_LAG seconds after
# it sees it. A sampler asks the sidecar for the token all through each rotation.
#   1. The operator waits --key-propagation-delay (longer than the lag) between adding a key
#      version and sealing with it: 0 failed answers across the rotation.
#   2. Control: the same rotation with --key-propagation-delay 0 (the old default) gives failed
#      answers, so the sampler can see the failure it guards against.
#   3. The defaults cover a real kubelet: the operator's flag and the chart's value are >= 90 s.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/apiserver.sh"
source "$here/lib/sidecar.sh"
source "$here/lib/checks.sh"

KUBELET_LAG=2          # seconds between a ring change and the key volume showing it
PROPAGATION_DELAY=4s   # the operator's wait, longer than the lag
CANARY="CANARY-propagation-$RANDOM$RANDOM"
NS=team-k

cleanup() { sampler_stop; kubelet_stop; sidecar_stop; operator_stop; apiserver_cleanup; }
apiserver_start || exit 1
trap cleanup EXIT
WORK=$APISERVER_DIR

# --- the stand-in kubelet: each ring version reaches the volume KUBELET_LAG seconds late -------
kubelet_run() {
  local last rv n=0
  # The volume already holds the ring sidecar_start installed.
  last=$(kubectl -n "$NS" get secret dragops-data-keys -o jsonpath='{.metadata.resourceVersion}')
  while [ ! -e "$WORK/kubelet.stop" ]; do
    rv=$(kubectl -n "$NS" get secret dragops-data-keys -o jsonpath='{.metadata.resourceVersion}' 2>/dev/null)
    if [ -n "$rv" ] && [ "$rv" != "$last" ]; then
      n=$((n + 1))
      kubectl -n "$NS" get secret dragops-data-keys -o jsonpath='{.data.keyring}' | base64 -d >"$WORK/ring-$n"
      # Each change reaches the volume KUBELET_LAG seconds after it was seen (the simulated lag
      # itself, not a wait for a condition); changes seconds apart arrive in order.
      (sleep "$KUBELET_LAG"; sidecar_sync_keys "$NS" "$WORK/ring-$n" && echo "installed ring $rv" >>"$WORK/kubelet.log") &
      last=$rv
    fi
    sleep 0.1
  done
  wait
}
kubelet_start() { rm -f "$WORK/kubelet.stop"; kubelet_run & KUBELET_PID=$!; }
kubelet_stop() {
  [ -n "${KUBELET_PID:-}" ] || return 0
  touch "$WORK/kubelet.stop"; wait "$KUBELET_PID" 2>/dev/null; KUBELET_PID=""
}

# --- the sampler: one request after the other until told to stop; one status code per line ----
sampler_run() {
  local token
  token=$(cat "$SIDECAR_DIR/token/token")
  while [ ! -e "$WORK/sampler.stop" ]; do
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$SIDECAR_PORT/v1/connections/api/token" >>"$WORK/samples-$1"
  done
}
sampler_start() { rm -f "$WORK/sampler.stop"; : >"$WORK/samples-$1"; sampler_run "$1" & SAMPLER_PID=$!; }
sampler_stop() {
  [ -n "${SAMPLER_PID:-}" ] || return 0
  touch "$WORK/sampler.stop"; wait "$SAMPLER_PID" 2>/dev/null; SAMPLER_PID=""
}

key_version() { kubectl -n "$NS" get secret dragops-conn-api -o jsonpath='{.metadata.annotations.dragops\.io/key-version}'; }

# rotate ROUND: rotates under the sampler; prints "<answers> <failed> <from>-><to>".
rotate() {
  local round=$1 before after
  before=$(key_version)
  sampler_start "$round"
  wait_until 10 test -s "$WORK/samples-$round"
  kubectl -n dragops-system annotate secret dragops-root-key --overwrite "dragops.io/rotate=$round" >/dev/null
  wait_until 60 bash -c "[ \"\$(kubectl -n dragops-system get secret dragops-root-key -o 'jsonpath={.metadata.annotations.dragops\\.io/rotated}')\" = $round ]" ||
    echo "rotation $round was not recorded as handled" >&2
  after=$(key_version)
  # Keep sampling until the volume shows the ring the store is now sealed with (one lag later).
  wait_until 30 grep -q "\"version\": *${after#v}" "$SIDECAR_DIR/keys/keyring"
  sampler_stop
  echo "$(wc -l <"$WORK/samples-$round") $(grep -vc '^200$' "$WORK/samples-$round") $before->$after"
}

OPERATOR_ARGS=(--key-propagation-delay "$PROPAGATION_DELAY")
operator_start || { echo "FAIL the operator did not start"; tail -20 "$WORK/operator.log"; exit 1; }
ensure_namespace "$NS"
grant_use "$NS" default connection api || bad "the pod's ServiceAccount may use the connection"
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata: {name: api-credentials, namespace: $NS}
stringData: {api_key: "$CANARY"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: api, namespace: $NS}
spec: {pack: generic-api-key, credentialsRef: {name: api-credentials}}
---
apiVersion: v1
kind: Pod
metadata:
  name: worker
  namespace: $NS
  annotations: {dragops.io/inject: "true", dragops.io/connections: api}
spec:
  containers: [{name: app, image: busybox}]
EOF
kubectl -n "$NS" wait --for=condition=Ready connection/api --timeout=30s >/dev/null ||
  bad "the connection is Ready" "$(kubectl -n "$NS" get connection api -o yaml)"
sidecar_start "$NS" worker || bad "the sidecar starts" "$(tail -5 "$SIDECAR_DIR/sidecar.log")"
wait_until 20 bash -c "[[ \"\$(curl -s -H \"Authorization: Bearer \$(cat $SIDECAR_DIR/token/token)\" http://127.0.0.1:$SIDECAR_PORT/v1/connections/api/token)\" == $CANARY ]]" ||
  bad "the sidecar serves the connection before any rotation" "$(sidecar_get /v1/connections/api/token)"
kubelet_start

# 1. With the propagation delay: the volume has the new version before anything is sealed with it.
read -r answers failures versions <<<"$(rotate with-delay)"
echo "with --key-propagation-delay $PROPAGATION_DELAY, kubelet lag ${KUBELET_LAG}s: $answers answers, $failures failed, $versions"
[ "${versions%->*}" != "${versions#*->}" ] && ok "the rotation re-sealed the store ($versions)" || bad "the rotation re-sealed the store" "$versions"
[ "$answers" -ge 20 ] && ok "the sampler asked throughout the rotation ($answers answers)" || bad "enough samples" "$answers"
[ "$failures" = 0 ] && ok "0 failed answers across a rotation with a lagging kubelet" ||
  bad "0 failed answers across the rotation" "$(sort "$WORK/samples-with-delay" | uniq -c)" "$(cat "$WORK/kubelet.log")"

# 2. Control: without the delay the store moves to a version the volume does not have yet.
operator_stop
OPERATOR_ARGS=(--key-propagation-delay 0)
operator_start || bad "the operator restarts" "$(tail -5 "$WORK/operator.log")"
read -r answers failures versions <<<"$(rotate without-delay)"
echo "with --key-propagation-delay 0, kubelet lag ${KUBELET_LAG}s: $answers answers, $failures failed, $versions"
[ "$failures" -gt 0 ] && ok "control: without the delay the sidecar fails while the kubelet lags ($failures of $answers)" ||
  bad "control: without the delay some answers fail" "$(sort "$WORK/samples-without-delay" | uniq -c)"
[ "$(sidecar_get /v1/connections/api/token)" = "200 $CANARY" ] && ok "once the volume catches up the sidecar serves again" ||
  bad "the sidecar serves after the volume catches up" "$(sidecar_get /v1/connections/api/token)"

# 3. The defaults a real kubelet needs (it refreshes a Secret volume up to about 90 s late).
default=$("$DRAGOPS_OPERATOR_BINARY" --help 2>&1 | grep -A1 -- '--key-propagation-delay' | grep -o '\[[^]]*\]')
[ "$default" = "[2m]" ] && ok "the operator's default --key-propagation-delay is 2m" || bad "operator default" "$default"
chart=$(grep '^keyPropagationDelay:' "$DRAGOPS_SOURCE_DIR/charts/dragops/values.yaml" | awk '{print $2}')
[ "$chart" = "2m" ] && ok "the chart sets keyPropagationDelay: 2m" || bad "the chart's keyPropagationDelay" "$chart"

leaks=$(grep -l -e "$CANARY" "$WORK"/operator.log "$WORK"/sidecar-*/sidecar.log "$WORK"/kubelet.log 2>/dev/null)
[ -z "$leaks" ] && ok "no canary in any log" || bad "no canary in any log" "$leaks"
echo "passed $passed, failed $failed"
[ "$failed" = 0 ]
