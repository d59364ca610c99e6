#!/usr/bin/env bash
# Issue 12, finding 3: the confused deputy through references, performed with the credentials the
# attacker really holds. mallory is a ServiceAccount token in team-a whose Role lets her create
# and change Connections and dragops Secrets, and get one core Secret of her own, but not the
# core Secret payroll-api. The operator (the chart's RBAC, its webhook behind the Service as the
# chart registers it) answers the Connection/Secret admission:
#   - a Connection or dragops Secret naming payroll-api is refused with a message naming the
#     Secret and the verb to grant; nothing is stored or sealed;
#   - an UPDATE that adds the reference is refused too; one that leaves the references alone is
#     not reviewed (and admitted);
#   - dragops.io/owner records the creator (whatever she sent), cannot be changed, and is put back
#     when a manifest drops it; `kubectl get connections` shows it in the OWNER column;
#   - once get on payroll-api is granted, the same Connection is admitted and sealed;
#   - no canary value in any log.
# ctest-timeout: 300
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/operator_lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/webhook.sh"

start_apiserver
ensure_namespace team-a
webhook_register || fail "cannot register the webhooks"
chart_operator_kubeconfig "$ROOT" "$WORK/operator.kubeconfig" || fail "cannot apply the chart's RBAC (helm)"
OPERATOR_KUBECONFIG=$WORK/operator.kubeconfig
start_operator op1 --leader-elect=false --key-rotation-interval 0 --webhook-addr "$WEBHOOK_ADDR"
wait_until 30 webhook_serving || fail "the operator does not serve its webhooks"

PAYROLL=$(canary payroll)
OWN=$(canary own)
kubectl -n team-a create secret generic payroll-api --from-literal=api_key="$PAYROLL" >/dev/null
kubectl -n team-a create secret generic mallory-api --from-literal=api_key="$OWN" >/dev/null
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata: {name: mallory, namespace: team-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dragops-author, namespace: team-a}
rules:
- apiGroups: [dragops.io]
  resources: [connections, secrets]
  verbs: [create, get, list, update, patch]
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [mallory-api]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: mallory-author, namespace: team-a}
subjects: [{kind: ServiceAccount, name: mallory, namespace: team-a}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dragops-author}
EOF
service_account_kubeconfig team-a mallory "$WORK/mallory.kubeconfig" || fail "no token for mallory"
MALLORY=system:serviceaccount:team-a:mallory
m() { kubectl --kubeconfig "$WORK/mallory.kubeconfig" -n team-a "$@"; }
m get secret payroll-api >/dev/null 2>&1 && fail "mallory can read payroll-api: the attack proves nothing"
echo "ok   mallory may create Connections and Secrets but not get Secret payroll-api"

connection() { # connection NAME SECRET [ANNOTATIONS]
  printf 'apiVersion: dragops.io/v1alpha1\nkind: Connection\nmetadata:\n  name: %s\n  namespace: team-a\n  annotations: {%s}\nspec: {pack: generic-api-key, credentialsRef: {name: %s}}\n' "$1" "${3:-}" "$2"
}
dragops_secret() { # dragops_secret NAME SECRET-OF-DEV [SECRET-OF-PROD]
  printf 'apiVersion: dragops.io/v1alpha1\nkind: Secret\nmetadata: {name: %s, namespace: team-a}\nspec:\n  environments:\n    dev: {secretKeyRef: {name: %s, key: api_key}}\n' "$1" "$2"
  [ -z "${3:-}" ] || printf '    prod: {secretKeyRef: {name: %s, key: api_key}}\n' "$3"
}
refused() { # refused DESCRIPTION EXPECTED-TEXT COMMAND...: the command fails and says EXPECTED-TEXT
  local what=$1 text=$2 out
  shift 2
  if out=$("$@" 2>&1); then fail "$what: admitted"; fi
  grep -qF -- "$text" <<<"$out" || fail "$what: the refusal does not say '$text': $out"
  echo "ok   $what: $(grep -o 'dragops: .*' <<<"$out" | cut -c1-150)"
}
owner_of() { kubectl -n team-a get "$1" -o jsonpath='{.metadata.annotations.dragops\.io/owner}'; }
ready() { [ "$(condition "$1" team-a Ready status)" = True ]; }

# --- the attack: references to a Secret the requester may not read --------------------------
refused "a Connection naming payroll-api" 'user "system:serviceaccount:team-a:mallory" may not get Secret "payroll-api" in namespace "team-a"' \
  m apply -f <(connection stolen payroll-api)
refused "the refusal says what to grant" 'Grant the verb get on the resource secrets' m apply -f <(connection stolen payroll-api)
refused "a dragops Secret naming payroll-api" 'may not get Secret "payroll-api"' m apply -f <(dragops_secret stolen mallory-api payroll-api)
kubectl -n team-a get connection stolen >/dev/null 2>&1 && fail "the refused Connection exists"
kubectl -n team-a get secret.dragops.io stolen >/dev/null 2>&1 && fail "the refused dragops Secret exists"
kubectl -n team-a get secret dragops-conn-stolen dragops-secret-stolen >/dev/null 2>&1 && fail "a store was written"
echo "ok   nothing refused was stored or sealed"

# --- her own Secret: admitted, owner recorded whatever she sent -------------------------------
m apply -f <(connection mine mallory-api '"dragops.io/owner": alice') >/dev/null || fail "a Connection naming mallory-api is refused"
[ "$(owner_of conn/mine)" = "$MALLORY" ] || fail "owner of conn/mine is '$(owner_of conn/mine)'"
echo "ok   the Connection is admitted; dragops.io/owner is the creator ($MALLORY), not the 'alice' she sent"
wait_until 30 ready conn/mine || fail "conn/mine is not Ready: $(condition conn/mine team-a Ready message)"
table=$(kubectl -n team-a get connections mine)
grep -q 'READY *PACK *TYPE *OWNER' <<<"$table" && grep -qF "$MALLORY" <<<"$table" ||
  fail "kubectl get connections shows no OWNER column with the creator: $table"
echo "ok   kubectl get connections shows OWNER $MALLORY"
m apply -f <(dragops_secret mine mallory-api) >/dev/null || fail "a dragops Secret naming mallory-api is refused"
[ "$(owner_of secret.dragops.io/mine)" = "$MALLORY" ] || fail "owner of the dragops Secret is '$(owner_of secret.dragops.io/mine)'"

# --- UPDATE: only references that change are reviewed -----------------------------------------
refused "an UPDATE that points the Connection at payroll-api" 'may not get Secret "payroll-api"' \
  m patch connection mine --type merge -p '{"spec":{"credentialsRef":{"name":"payroll-api"}}}'
refused "an UPDATE that adds an environment from payroll-api" 'may not get Secret "payroll-api"' \
  m apply -f <(dragops_secret mine mallory-api payroll-api)
m label connection mine tier=gold >/dev/null || fail "an UPDATE that keeps the references is refused"
echo "ok   an UPDATE that keeps the references is admitted"

# --- the owner annotation cannot be set or changed --------------------------------------------
refused "mallory changing the owner" 'cannot be set or changed' m annotate --overwrite connection mine dragops.io/owner=alice
refused "the cluster admin changing the owner" 'cannot be set or changed' kubectl -n team-a annotate --overwrite connection mine dragops.io/owner=alice
m annotate connection mine dragops.io/owner- >/dev/null || fail "removing the owner annotation is refused"
[ "$(owner_of conn/mine)" = "$MALLORY" ] || fail "the owner annotation was removed: '$(owner_of conn/mine)'"
m replace -f <(m get connection mine -o json | jq 'del(.metadata.annotations["dragops.io/owner"])') >/dev/null ||
  fail "kubectl replace of a manifest without the owner annotation is refused"
[ "$(owner_of conn/mine)" = "$MALLORY" ] || fail "kubectl replace dropped the owner: '$(owner_of conn/mine)'"
echo "ok   a manifest without dragops.io/owner (annotate -, kubectl replace) keeps the recorded owner"

# --- with get granted, the same reference is admitted -------------------------------------------
kubectl -n team-a patch role dragops-author --type json \
  -p '[{"op":"add","path":"/rules/1/resourceNames/-","value":"payroll-api"}]' >/dev/null
granted() { m auth can-i get secret/payroll-api | grep -qx yes; }
wait_until 20 granted || fail "the grant did not take"
m apply -f <(connection payroll payroll-api) >/dev/null || fail "with get granted the Connection is still refused"
wait_until 30 ready conn/payroll || fail "conn/payroll is not Ready: $(condition conn/payroll team-a Ready message)"
[ "$(owner_of conn/payroll)" = "$MALLORY" ] || fail "owner of conn/payroll is '$(owner_of conn/payroll)'"
echo "ok   with get on payroll-api granted the Connection is admitted and sealed"

# --- no plaintext anywhere --------------------------------------------------------------------
for value in "$PAYROLL" "$OWN"; do
  if grep -rlF -- "$value" "$WORK"/*.log "$WORK"/*.out 2>/dev/null; then fail "a canary value is in a log"; fi
done
grep -q '"decision":"denied"' "$WORK/op1.log" || fail "the operator logged no denial"
no_rbac_denials
echo "PASS admission_references"
