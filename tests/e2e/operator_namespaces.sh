#!/usr/bin/env bash
# --watch-namespaces: only the listed namespaces are reconciled (and get a key ring); a
# Connection elsewhere is left alone.
source "$(dirname "$0")/lib/operator_lib.sh"
start_apiserver
operator_least_privilege
for ns in team-a team-b team-c; do ensure_namespace "$ns"; done
start_operator op-a --leader-elect=false --watch-namespaces team-a,team-c

for ns in team-a team-b team-c; do
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: $ns}
stringData: {api_key: "$(canary $ns)"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: svc, namespace: $ns}
spec: {pack: generic-api-key, credentialsRef: {name: creds}}
YAML
done
for ns in team-a team-c; do
  kubectl wait --for=condition=Ready conn/svc -n "$ns" --timeout=5s >/dev/null || fail "$ns: not Ready"
done
sleep 1
[ -z "$(kubectl get conn svc -n team-b -o 'jsonpath={.status}')" ] || fail "team-b (not watched) got a status"
kubectl get secret dragops-conn-svc -n team-b >/dev/null 2>&1 && fail "team-b (not watched) got a store"
kubectl get secret dragops-data-keys -n team-b >/dev/null 2>&1 && fail "team-b (not watched) got a key ring"
kubectl get secret dragops-keyring-team-b -n dragops-system >/dev/null 2>&1 && fail "team-b got an authoritative ring"
echo "ok watched namespaces team-a and team-c reconciled; team-b untouched"
no_rbac_denials
echo "PASS operator_namespaces"
