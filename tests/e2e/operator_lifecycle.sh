#!/usr/bin/env bash
# Re-sealing when a referenced Secret changes (p50/p99 over 100 changes, printed), revocation
# (store removed, object kept, Ready=False Revoked), and deletion (store removed, then the
# finalizer, then the object).
source "$(dirname "$0")/lib/operator_lib.sh"
start_apiserver
operator_least_privilege
ensure_namespace team-a
start_operator op-a --leader-elect=false

kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: vt-credentials, namespace: team-a}
stringData: {api_key: "$(canary vt)"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: virustotal, namespace: team-a}
spec: {pack: virustotal, credentialsRef: {name: vt-credentials}}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: team-a}
stringData: {dev: "$(canary dev)", prod: "$(canary prod)"}
---
apiVersion: dragops.io/v1alpha1
kind: Secret
metadata: {name: db-password, namespace: team-a}
spec:
  environments:
    development: {secretKeyRef: {name: db, key: dev}}
    production: {secretKeyRef: {name: db, key: prod}}
YAML
kubectl wait --for=condition=Ready conn/virustotal secrets.dragops.io/db-password -n team-a --timeout=5s >/dev/null ||
  fail "not Ready"

# 1. Re-seal latency: change the referenced Secret 100 times.
"$PROBE" reseal-latency team-a vt-credentials api_key dragops-conn-virustotal 100 || fail "re-seal latency"
VALUE=$(canary final)
kubectl patch secret vt-credentials -n team-a --type merge -p "{\"data\":{\"api_key\":\"$(printf '%s' "$VALUE" | base64 -w0)\"}}" >/dev/null
printf 'api_key=%s\n' "$VALUE" >"$WORK/vt.expect"
wait_until 5 "$PROBE" open-connection team-a virustotal "$WORK/vt.expect" || fail "the last change was not re-sealed"

# 2. Revocation: the store goes, the object stays with Ready=False Revoked; un-revoking seals again.
kubectl patch conn virustotal -n team-a --type merge -p '{"spec":{"revoked":true}}' >/dev/null
wait_until 5 bash -c '! kubectl get secret dragops-conn-virustotal -n team-a' || fail "revoked: store not removed"
kubectl wait --for=condition=Ready=false conn/virustotal -n team-a --timeout=5s >/dev/null || fail "revoked: still Ready"
[ "$(condition conn/virustotal team-a Ready reason)" = Revoked ] || fail "revoked: reason"
kubectl get conn virustotal -n team-a >/dev/null || fail "revoked: the Connection is gone"
sleep 1
kubectl get secret dragops-conn-virustotal -n team-a >/dev/null 2>&1 && fail "revoked: the store came back"
echo "ok revoked: store removed, Connection kept, Ready=False Revoked"
kubectl patch conn virustotal -n team-a --type merge -p '{"spec":{"revoked":false}}' >/dev/null
kubectl wait --for=condition=Ready conn/virustotal -n team-a --timeout=5s >/dev/null || fail "un-revoked: not Ready"
"$PROBE" open-connection team-a virustotal "$WORK/vt.expect" >/dev/null || fail "un-revoked: store does not open"
echo "ok un-revoked: sealed again"

# 3. Deletion: store removed, finalizer released, object gone. Both kinds.
kubectl delete conn virustotal -n team-a --wait=false >/dev/null
wait_until 5 bash -c '! kubectl get conn virustotal -n team-a' || fail "deleted: the Connection stays (finalizer not released)"
wait_until 5 bash -c '! kubectl get secret dragops-conn-virustotal -n team-a' || fail "deleted: the store stays"
# No finalizer on these kinds (issue 14): the store goes with its owner, by the garbage collector.
[ -z "$(kubectl get secrets.dragops.io db-password -n team-a -o jsonpath='{.metadata.finalizers}')" ] ||
  fail "a dragops Secret got a finalizer"
kubectl delete secrets.dragops.io db-password -n team-a --wait=false >/dev/null
wait_until 5 bash -c '! kubectl get secrets.dragops.io db-password -n team-a' || fail "deleted: the Secret stays"
wait_until 5 bash -c '! kubectl get secret dragops-secret-db-password -n team-a' || fail "deleted: the Secret's store stays"
kubectl get secret vt-credentials db -n team-a >/dev/null || fail "the user's own Secrets must stay"
echo "ok deleted: stores removed, finalizers released, user Secrets untouched"
no_rbac_denials
echo "PASS operator_lifecycle"
