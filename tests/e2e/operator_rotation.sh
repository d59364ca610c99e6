#!/usr/bin/env bash
# Key rotation requested by annotation on the root key: every store ends on the new version, the
# old version is retired from the authoritative and the projected rings, and at every sampled
# moment during the rotation every store opens with the projected ring.
# Then the root key: the operator restarted with --pkcs11-* (a SoftHSM2 token initialised here)
# wraps the plain root key and rotates away from it; the root key Secret holds only wrapped bytes
# (the token opens them, another token with the same labels does not, and the ring that was in
# etcd in plaintext opens nothing); a root key rotation re-wraps every ring; a sidecar serves a
# Connection throughout; a restart reopens everything; a wrong PIN is a clear error (log, Event
# on the root key Secret, /readyz 503) that changes nothing.
source "$(dirname "$0")/lib/operator_lib.sh"
CTL=${DRAGOPSCTL_BINARY:-$BUILD/tools/dragopsctl/dragopsctl}
start_apiserver
operator_least_privilege
NAMESPACES="team-a team-b team-c"
for ns in $NAMESPACES; do ensure_namespace "$ns"; done
start_operator op-a --leader-elect=false --key-propagation-delay 1s

for ns in $NAMESPACES; do
  for i in 1 2 3 4; do
    kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: c$i-credentials, namespace: $ns}
stringData: {api_key: "$(canary $ns-$i)"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: c$i, namespace: $ns}
spec: {pack: generic-api-key, credentialsRef: {name: c$i-credentials}}
YAML
  done
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: $ns}
stringData: {dev: "$(canary dev)", prod: "$(canary prod)"}
---
apiVersion: dragops.io/v1alpha1
kind: Secret
metadata: {name: db, namespace: $ns}
spec:
  environments:
    development: {secretKeyRef: {name: db, key: dev}}
    production: {secretKeyRef: {name: db, key: prod}}
YAML
done
for ns in $NAMESPACES; do
  kubectl wait --for=condition=Ready conn --all -n "$ns" --timeout=10s >/dev/null || fail "$ns not Ready"
  kubectl wait --for=condition=Ready secrets.dragops.io --all -n "$ns" --timeout=10s >/dev/null || fail "$ns Secret not Ready"
  [ "$("$PROBE" all-open "$ns")" = "stores 5 versions 1" ] || fail "$ns does not start on version 1"
done

# Sample every namespace continuously while the rotation runs.
for ns in $NAMESPACES; do
  "$PROBE" sample-open "$ns" 9000 >"$WORK/sample-$ns.txt" &
  SAMPLERS+=($!)
  PIDS+=($!)
done
sleep 0.5
started=$(now_ms)
kubectl annotate secret dragops-root-key -n dragops-system dragops.io/rotate=r1 >/dev/null
wait_until 20 bash -c "[ \"\$(kubectl get secret dragops-root-key -n dragops-system -o 'jsonpath={.metadata.annotations.dragops\\.io/rotated}')\" = r1 ]" ||
  fail "rotation r1 not recorded as handled"
echo "rotation complete (root key annotated dragops.io/rotated=r1) after $(($(now_ms) - started)) ms"
for pid in "${SAMPLERS[@]}"; do wait "$pid" || true; done
for ns in $NAMESPACES; do
  summary=$(tail -1 "$WORK/sample-$ns.txt")
  echo "$ns: $summary"
  case "$summary" in *"failures 0 "*) ;; *) cat "$WORK/sample-$ns.txt" >&2; fail "$ns: a store did not open during the rotation" ;; esac
  [ "$("$PROBE" all-open "$ns")" = "stores 5 versions 2" ] || fail "$ns: stores are not all on version 2"
  versions=$(kubectl get secret dragops-data-keys -n "$ns" -o 'jsonpath={.data.keyring}' | base64 -d | grep -o '"version": *[0-9]*' | tr -d ' ' | tr '\n' ' ')
  [ "$versions" = '"version":2 ' ] || fail "$ns: the projected ring still holds: $versions"
  [ "$(metric op-a "dragops_key_versions{namespace=\"$ns\"}")" = 1 ] || fail "$ns: the authoritative ring still holds the old version"
done
grep -q '"msg":"key version retired"' "$WORK/op-a.log" || fail "no retirement logged"

# --- The root key in a PKCS#11 token (SoftHSM2) ---
SOFTHSM_MODULE=${DRAGOPS_SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
[ -f "$SOFTHSM_MODULE" ] || fail "SoftHSM2 is missing ($SOFTHSM_MODULE): install softhsm2 (make deps)"
softhsm_init() { # softhsm_init DIR PIN: a token labelled dragops-e2e in its own SOFTHSM2_CONF
  mkdir -p "$1/tokens"
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$1/tokens" >"$1/softhsm2.conf"
  SOFTHSM2_CONF=$1/softhsm2.conf softhsm2-util --init-token --free --label dragops-e2e --pin "$2" --so-pin "so-$2" >/dev/null
}
PIN=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
softhsm_init "$WORK/hsm" "$PIN" || fail "cannot initialise the SoftHSM2 token"
export SOFTHSM2_CONF=$WORK/hsm/softhsm2.conf
(umask 077 && printf '%s\n' "$PIN" >"$WORK/hsm/pin")
PKCS11=(--pkcs11-module "$SOFTHSM_MODULE" --pkcs11-token-label dragops-e2e --pkcs11-key-label dragops-root-wrap
        --pkcs11-pin-file "$WORK/hsm/pin")
root_annotation() { kubectl get secret dragops-root-key -n dragops-system -o "jsonpath={.metadata.annotations.dragops\.io/$1}"; }
health_port() { grep -o '"endpoint":"health","addr":"[^"]*","port":[0-9]*' "$WORK/$1.log" | grep -o '[0-9]*$'; }

# A sidecar of a pod in team-a serving c1, with a token of the namespace's default ServiceAccount
# and a Role for that one store (what the operator grants a pod), asked every 50 ms from here on.
kubectl apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: c1-reader, namespace: team-a}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list, watch], resourceNames: [dragops-conn-c1]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: c1-reader, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: c1-reader}
subjects: [{kind: ServiceAccount, name: default, namespace: team-a}]
YAML
SC=$WORK/sidecar
mkdir -p "$SC/keys" "$SC/token"
service_account_kubeconfig team-a default "$SC/kubeconfig" || fail "no token for team-a's default ServiceAccount"
kubectl -n team-a get secret dragops-data-keys -o jsonpath='{.data.keyring}' | base64 -d >"$SC/keys/keyring"
SC_PORT=$(free_port)
SC_HEALTH=$(free_port)
env -i PATH="$PATH" KUBECONFIG="$SC/kubeconfig" $(sanitizer_env) DRAGOPS_POD_NAMESPACE=team-a DRAGOPS_POD_NAME=app \
  DRAGOPS_CONNECTIONS=c1 DRAGOPS_SECRETS= DRAGOPS_ENVIRONMENT=production DRAGOPS_KEY_DIR="$SC/keys" \
  DRAGOPS_TOKEN_FILE="$SC/token/token" DRAGOPS_LISTEN="127.0.0.1:$SC_PORT" DRAGOPS_HEALTH_LISTEN="127.0.0.1:$SC_HEALTH" \
  "${DRAGOPS_SIDECAR_BINARY:-$BUILD/sidecar/dragops-sidecar}" >"$SC/sidecar.out" 2>"$SC/sidecar.err" &
PIDS+=($!)
wait_until 20 curl -fsS "http://127.0.0.1:$SC_HEALTH/readyz" || fail "the sidecar is not ready"
ask_c1() { curl -sS -o "$1" -w '%{http_code}' -H "Authorization: Bearer $(cat "$SC/token/token")" "http://127.0.0.1:$SC_PORT/v1/connections/c1/token"; }
[ "$(ask_c1 "$SC/expected")" = 200 ] || fail "the sidecar does not serve c1"
( while [ ! -e "$SC/stop" ]; do
    code=$(ask_c1 "$SC/answer" || true)
    if [ "$code" = 200 ] && cmp -s "$SC/answer" "$SC/expected"; then echo ok; else echo "bad $code"; fi
    sleep 0.05
  done >"$SC/asked" ) &
ASKER=$!
PIDS+=($ASKER)

# Plain -> PKCS#11: the operator wraps the root key with a key it creates on the token
# (--pkcs11-create-key) and rotates away from the version that sat in etcd in plaintext.
kubectl get secret dragops-root-key -n dragops-system -o jsonpath='{.data.keyring}' | base64 -d >"$WORK/plain-root.json"
kill -TERM "$OP_PID" && wait "$OP_PID" 2>/dev/null || true
started=$(now_ms)
start_operator op-b --leader-elect=false "${PKCS11[@]}" --pkcs11-create-key
wait_until 20 bash -c "[ \"\$(kubectl get secret dragops-root-key -n dragops-system -o 'jsonpath={.metadata.annotations.dragops\\.io/root-key-rotated}')\" = pkcs11-migration ]" ||
  fail "the migration to PKCS#11 did not finish"
echo "plain -> PKCS#11 migration complete after $(($(now_ms) - started)) ms"
[ -z "$(kubectl get secret dragops-root-key -n dragops-system -o jsonpath='{.data.keyring}')" ] || fail "the plain root key is still in its Secret"
[ "$(root_annotation root-key-wrapping) $(root_annotation pkcs11-token) $(root_annotation pkcs11-key) $(root_annotation pkcs11-mechanism)" = \
  "pkcs11 dragops-e2e dragops-root-wrap CKM_AES_GCM" ] || fail "the root key Secret does not say what wrapped it"
kubectl get secret dragops-root-key -n dragops-system -o jsonpath='{.data.wrappedKeyring}' | base64 -d >"$WORK/wrapped-root.bin"
[ "$(head -c 1 "$WORK/wrapped-root.bin" | od -An -tx1 | tr -d ' ')" = 01 ] || fail "the wrapped root key is not in the wrapped format"
if grep -q '"keys"' "$WORK/wrapped-root.bin"; then fail "the wrapped root key holds a readable key ring"; fi
if "$CTL" keyring show "$WORK/wrapped-root.bin" >/dev/null 2>&1; then fail "the bytes in etcd load as a key ring"; fi
out=$("$PROBE" root-open-rings pkcs11 "$SOFTHSM_MODULE" dragops-e2e dragops-root-wrap "$WORK/hsm/pin") || fail "the token does not open the rings: $out"
[ "$out" = "root versions 2 opened 4 of 4" ] || fail "after the migration: $out"
out=$("$PROBE" root-open-rings plain "$WORK/plain-root.json" || true)
[ "$out" = "root versions 1 opened 0 of 4" ] || fail "the root key that was in etcd in plaintext still opens: $out"
# Another token with the same labels (and its own key of that label) does not unwrap it.
softhsm_init "$WORK/impostor" "$PIN" || fail "cannot initialise the second token"
out=$(SOFTHSM2_CONF=$WORK/impostor/softhsm2.conf DRAGOPS_PROBE_CREATE_KEY=1 \
  "$PROBE" root-open-rings pkcs11 "$SOFTHSM_MODULE" dragops-e2e dragops-root-wrap "$WORK/hsm/pin" || true)
case "$out" in "FAIL the root key does not unwrap with key \"dragops-root-wrap\" on token \"dragops-e2e\""*) ;;
  *) fail "another token's key unwrapped the root key: $out" ;; esac

# A root key rotation: every ring and the sealing keys re-wrapped, the old version gone.
kubectl annotate secret dragops-root-key -n dragops-system dragops.io/rotate-root-key=r2 --overwrite >/dev/null
started=$(now_ms)
wait_until 20 bash -c "[ \"\$(kubectl get secret dragops-root-key -n dragops-system -o 'jsonpath={.metadata.annotations.dragops\\.io/root-key-rotated}')\" = r2 ]" ||
  fail "root key rotation r2 not recorded as handled"
echo "root key rotation complete after $(($(now_ms) - started)) ms"
out=$("$PROBE" root-open-rings pkcs11 "$SOFTHSM_MODULE" dragops-e2e dragops-root-wrap "$WORK/hsm/pin") || fail "after the root key rotation: $out"
[ "$out" = "root versions 3 opened 4 of 4" ] || fail "after the root key rotation: $out"
wait_until 5 bash -c "[ \"\$(curl -sf http://127.0.0.1:$(cat "$WORK/op-b.port")/metrics | grep '^dragops_root_key_versions ')\" = 'dragops_root_key_versions 1' ]" ||
  fail "dragops_root_key_versions is not 1"
grep -q '"msg":"root key version retired","version":2' "$WORK/op-b.log" || fail "no root key retirement logged"

# A restarted operator reopens everything and seals a change.
kill -TERM "$OP_PID" && wait "$OP_PID" 2>/dev/null || true
start_operator op-c --leader-elect=false "${PKCS11[@]}"
wait_until 20 curl -fsS "http://127.0.0.1:$(health_port op-c)/readyz" || fail "the restarted operator is not ready"
touch "$SC/stop"; wait "$ASKER" || true
asked=$(grep -c '^ok$' "$SC/asked" || true)
failed=$(grep -vc '^ok$' "$SC/asked" || true)
echo "sidecar asked for c1 $((asked + failed)) times during the migration and the root key rotation: $failed failures"
[ "$failed" = 0 ] && [ "$asked" -gt 0 ] || fail "the sidecar did not serve c1 throughout ($failed failures)"
NEW=$(canary c1-new)
kubectl -n team-a create secret generic c1-credentials --from-literal=api_key="$NEW" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
printf '%s' "$NEW" >"$SC/expected"
wait_until 20 bash -c "[ \"\$(curl -s -o '$SC/answer' -w '%{http_code}' -H \"Authorization: Bearer \$(cat '$SC/token/token')\" http://127.0.0.1:$SC_PORT/v1/connections/c1/token)\" = 200 ] && cmp -s '$SC/answer' '$SC/expected'" ||
  fail "the restarted operator did not seal a change that the sidecar serves"
for ns in $NAMESPACES; do "$PROBE" all-open "$ns" >/dev/null || fail "$ns: a store does not open after the restart"; done

# A wrong PIN: a clear error (log, Event on the root key Secret, /readyz 503); nothing is written.
kill -TERM "$OP_PID" && wait "$OP_PID" 2>/dev/null || true
root_rv=$(resource_version secret/dragops-root-key dragops-system)
WRONG=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$WRONG" >"$WORK/hsm/pin"
start_operator op-d --leader-elect=false "${PKCS11[@]}"
wait_until 10 grep -q 'CKR_PIN_INCORRECT (wrong PIN)' "$WORK/op-d.log" || fail "a wrong PIN is not reported"
wait_until 10 bash -c "kubectl get events -n dragops-system --field-selector reason=RootKeyUnavailable -o jsonpath='{.items[*].message}' | grep -q 'login to token \"dragops-e2e\" failed: CKR_PIN_INCORRECT'" ||
  fail "no RootKeyUnavailable Event on the root key Secret"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(health_port op-d)/readyz")" = 503 ] || fail "an operator without its root key is ready"
[ "$(resource_version secret/dragops-root-key dragops-system)" = "$root_rv" ] || fail "the root key Secret changed under a wrong PIN"
[ "$(ask_c1 "$SC/answer")" = 200 ] && cmp -s "$SC/answer" "$SC/expected" || fail "the sidecar stopped serving while the operator has no root key"
kill -TERM "$OP_PID" && wait "$OP_PID" 2>/dev/null || true
printf '%s\n' "$PIN" >"$WORK/hsm/pin"
start_operator op-e --leader-elect=false "${PKCS11[@]}"
wait_until 20 curl -fsS "http://127.0.0.1:$(health_port op-e)/readyz" || fail "the operator with the right PIN again is not ready"
kubectl wait --for=condition=Ready conn --all -n team-a --timeout=10s >/dev/null || fail "team-a not Ready after the PIN was fixed"
if grep -rqF -e "$PIN" -e "$WRONG" "$WORK"/*.log "$WORK"/*.out "$SC"/sidecar.*; then fail "a PIN is in a log"; fi
no_rbac_denials
echo "PASS operator_rotation"
