#!/usr/bin/env bash
# Key rotation requested by annotation on the root key: every store ends on the new version, the
# old version is retired from the authoritative and the projected rings, and at every sampled
# moment during the rotation every store opens with the projected ring.
source "$(dirname "$0")/lib/operator_lib.sh"
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
no_rbac_denials
echo "PASS operator_rotation"
