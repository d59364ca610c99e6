#!/usr/bin/env bash
# Authentication and RBAC on the local API server, driven by the real kubectl: ServiceAccount
# tokens from `kubectl create token`, a Role with resourceNames (get, list and watch of one
# Secret by name; others forbidden with kube's message), a ClusterRole through a RoleBinding,
# Group subjects, impersonation with --as/--as-group, `kubectl auth can-i` (names,
# subresources, --list, non-resource URLs), `kubectl auth whoami`, discovery of the review APIs,
# tokens refused when unknown, tampered, expired or when their ServiceAccount is deleted or
# recreated, and tokens kept across a restart. Runs on both backends (docs/testing.md): on the
# real control plane it checks that what we expect of the local server is what kube does.
# ctest-timeout: 300
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/apiserver.sh"

source "$here/lib/checks.sh"

apiserver_start || exit 1
k() { kubectl --request-timeout=20s "$@"; }
SA_USER=system:serviceaccount:team-a:runner

k apply -f - >/dev/null <<'EOF2'
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: Namespace
metadata: {name: team-b}
---
apiVersion: v1
kind: Secret
metadata: {name: allowed, namespace: team-a}
stringData: {value: "1"}
---
apiVersion: v1
kind: Secret
metadata: {name: other, namespace: team-a}
stringData: {value: "2"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team-b}
data: {a: b}
EOF2

# --- discovery ---
expect "discovery lists the access reviews" "selfsubjectaccessreviews" k api-resources --api-group=authorization.k8s.io
expect "discovery lists SelfSubjectReview" "selfsubjectreviews" k api-resources --api-group=authentication.k8s.io
expect "discovery lists serviceaccounts/token" '"serviceaccounts/token"' k get --raw /api/v1

# --- tokens ---
expect "every namespace has a default ServiceAccount" "serviceaccount/default" k -n team-b get serviceaccount default -o name
expect "kubectl create serviceaccount works" "serviceaccount/runner created" k -n team-a create serviceaccount runner
refuse "a token for a missing ServiceAccount is 404" 'serviceaccounts "ghost" not found' k -n team-a create token ghost
refuse "a token shorter than 10 minutes is refused as kube does" \
  "spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes" \
  k -n team-a create token runner --duration 5m
TOKEN=$(k -n team-a create token runner --duration 20m)
[ -n "$TOKEN" ] && ok "kubectl create token prints a token" || bad "kubectl create token prints a token" "empty"
expiry=$(k -n team-a create token runner --duration 20m -o jsonpath='{.status.expirationTimestamp}')
expiry_in=$(( $(date -d "$expiry" +%s) - $(date +%s) ))
if [ "$expiry_in" -gt 1100 ] && [ "$expiry_in" -le 1200 ]; then ok "--duration sets the expiry"; else bad "--duration sets the expiry" "$expiry ($expiry_in s)"; fi
as_sa() { k --token "$TOKEN" "$@"; }
# The admin's kubeconfig without its credentials: what a pod with only its token would have.
token_kubeconfig "$APISERVER_DIR/kubeconfig.bare"
as_sa_only() { KUBECONFIG="$APISERVER_DIR/kubeconfig.bare" k --token "$TOKEN" "$@"; }

expect "the token authenticates as the ServiceAccount (auth whoami)" "$SA_USER" as_sa_only auth whoami
expect "whoami shows the ServiceAccount groups" "[system:serviceaccounts system:serviceaccounts:team-a system:authenticated]" \
  as_sa_only auth whoami
sa_uid=$(k -n team-a get sa runner -o jsonpath='{.metadata.uid}')
expect "whoami shows the ServiceAccount's uid" "$sa_uid" as_sa_only auth whoami
expect "discovery is open to every authenticated user" "secrets" as_sa_only api-resources --api-group=''
refuse "nothing else is allowed before a Role grants it" \
  "secrets \"allowed\" is forbidden: User \"$SA_USER\" cannot get resource \"secrets\" in API group \"\" in the namespace \"team-a\"" \
  as_sa_only -n team-a get secret allowed

# --- a Role with resourceNames ---
k apply -f - >/dev/null <<EOF2
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: one-secret, namespace: team-a}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get, list, watch], resourceNames: [allowed]}
- {apiGroups: [""], resources: [pods/status], verbs: [update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: runner-one-secret, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: one-secret}
subjects: [{kind: ServiceAccount, name: runner}]
EOF2
expect "get of the named Secret is allowed" "allowed" as_sa_only -n team-a get secret allowed -o name
refuse "get of another Secret is forbidden with kube's message" \
  "Error from server (Forbidden): secrets \"other\" is forbidden: User \"$SA_USER\" cannot get resource \"secrets\" in API group \"\" in the namespace \"team-a\"" \
  as_sa_only -n team-a get secret other
refuse "a list without a field selector is forbidden" \
  "secrets is forbidden: User \"$SA_USER\" cannot list resource \"secrets\" in API group \"\" in the namespace \"team-a\"" \
  as_sa_only -n team-a get secrets
expect "a list with fieldSelector metadata.name=allowed is allowed" "secret/allowed" \
  as_sa_only -n team-a get secrets --field-selector metadata.name=allowed -o name
refuse "a list selecting another name is forbidden" "cannot list resource \"secrets\"" \
  as_sa_only -n team-a get secrets --field-selector metadata.name=other
refuse "the Role does not reach other namespaces" "in the namespace \"team-b\"" as_sa_only -n team-b get secret allowed
refuse "nor the cluster scope" "cannot list resource \"secrets\" in API group \"\" at the cluster scope" as_sa_only get secrets -A
ca="$APISERVER_DIR/ca.crt"
watch_as_sa() {  # watch_as_sa QUERY: a watch that the server ends after one second
  curl -sS --cacert "$ca" -H "Authorization: Bearer $TOKEN" "$APISERVER_URL/api/v1/namespaces/team-a/secrets?watch=1&timeoutSeconds=1&$1" |
    tr -d ' \n'   # kube-apiserver indents an error Status, the local server does not
}
expect "a watch with fieldSelector metadata.name=allowed streams the Secret" '"type":"ADDED"' \
  watch_as_sa "fieldSelector=metadata.name%3Dallowed"
expect "a watch without it is forbidden" '"code":403' watch_as_sa ""
expect "kubectl get -w on the named Secret (a watch by field selector) is allowed" "allowed" \
  timeout 5 kubectl --token "$TOKEN" --request-timeout=2s -n team-a get secret allowed -w -o name
refuse "creating a Secret is forbidden: a rule with resourceNames never allows create" \
  "secrets is forbidden: User \"$SA_USER\" cannot create resource \"secrets\"" \
  as_sa_only -n team-a create secret generic new --from-literal=a=b

# --- ClusterRole through a RoleBinding, and Group subjects ---
k apply -f - >/dev/null <<EOF2
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: configmap-reader}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-a-reads-configmaps, namespace: team-b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: configmap-reader}
subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:serviceaccounts:team-a"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: auditors-read-configmaps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: configmap-reader}
subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: auditors}]
EOF2
expect "a ClusterRole bound by a RoleBinding to the SA's group applies in that namespace" "configmap/settings" \
  as_sa_only -n team-b get configmaps -o name
refuse "and only there" "cannot list resource \"configmaps\" in API group \"\" in the namespace \"team-a\"" \
  as_sa_only -n team-a get configmaps
refuse "and not cluster-wide" "at the cluster scope" as_sa_only get configmaps -A

# --- impersonation ---
expect "the admin may impersonate a user and groups (--as, --as-group)" "configmap/settings" \
  k --as alice --as-group auditors get configmaps -A -o name
refuse "the impersonated user has only its own rights" \
  "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API group \"\" at the cluster scope" \
  k --as alice get configmaps -A
expect "impersonating a ServiceAccount without groups yields its groups" "[system:serviceaccounts system:serviceaccounts:team-a system:authenticated]" \
  k --as "$SA_USER" auth whoami
expect "whoami shows impersonated groups plus system:authenticated" "[auditors system:authenticated]" \
  k --as alice --as-group auditors auth whoami
# kube 1.37 (constrained impersonation, KEP-5284) names the impersonate-on:<mode>:<verb> check on
# the request's resource; the local server names the legacy impersonate check (docs/apiserver.md).
if backend_is_real; then
  impersonation_denied="configmaps is forbidden: User \"$SA_USER\" cannot impersonate-on:user-info:list resource \"configmaps\" in API group \"\" in the namespace \"team-b\""
else
  impersonation_denied="users \"alice\" is forbidden: User \"$SA_USER\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
fi
refuse "a ServiceAccount may not impersonate without the impersonate verb" "$impersonation_denied" \
  as_sa_only --as alice get configmaps -n team-b

# --- kubectl auth can-i ---
expect "can-i get the named Secret: yes" "yes" k auth can-i get secret/allowed -n team-a --as "$SA_USER"
refuse "can-i get another Secret: no" "no" k auth can-i get secret/other -n team-a --as "$SA_USER"
refuse "can-i list secrets: no" "no" as_sa_only auth can-i list secrets -n team-a
expect "can-i update pods --subresource=status: yes" "yes" as_sa_only auth can-i update pods --subresource=status -n team-a
refuse "can-i update pods (no subresource): no" "no" as_sa_only auth can-i update pods -n team-a
expect "can-i get /healthz: yes" "yes" as_sa_only auth can-i get /healthz
refuse "can-i get /metrics: no" "no" as_sa_only auth can-i get /metrics
expect "can-i as admin: yes to everything" "yes" k auth can-i delete namespaces
expect "can-i --list shows the Role's resourceNames" "[allowed]" as_sa_only auth can-i --list -n team-a
expect "can-i --list shows the non-resource URLs" "[/healthz]" as_sa_only auth can-i --list -n team-a
sar() {  # sar KIND PATH-NAMESPACE USER: a SubjectAccessReview for listing configmaps in team-b
  k create -o jsonpath='{.status.allowed}' -f - <<EOF2
{"apiVersion":"authorization.k8s.io/v1","kind":"$1","metadata":{${2:+\"namespace\":\"$2\"}},
 "spec":{"user":"$3","groups":["auditors"],"resourceAttributes":{"namespace":"team-b","verb":"list","resource":"configmaps"}}}
EOF2
}
expect "a SubjectAccessReview answers for another user" "true" sar SubjectAccessReview "" someone
expect "a LocalSubjectAccessReview too" "true" sar LocalSubjectAccessReview team-b someone
refuse "a ServiceAccount may not ask about others" "cannot create resource \"subjectaccessreviews\"" \
  as_sa_only create --validate=false -f - <<<'{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"x","nonResourceAttributes":{"path":"/x","verb":"get"}}}'
expect "can-i for a group subject through impersonation" "yes" k auth can-i list configmaps -n team-b --as someone --as-group auditors

# --- tokens refused ---
refuse "an unknown token is 401" "You must be logged in to the server (Unauthorized)" as_sa_only --token bogus get ns
# Tampered in the first character of its last part (the signature): every bit of it counts, where
# the last character of a JWT's base64url signature may carry ignored padding bits.
last=${TOKEN##*.}
if [ "${last:0:1}" = A ]; then flipped=B; else flipped=A; fi
refuse "a tampered token is 401" "Unauthorized" as_sa_only --token "${TOKEN%.*}.$flipped${last:1}" get secret allowed -n team-a
# Mint a token as the server would, once valid (proving the format is understood) and once
# expired. The local server's tokens are HMAC-SHA256 over hex(JSON claims) with DIR/sa.key;
# kube-apiserver's are ES256 JWTs signed with its service-account key (pki/service-account.key).
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
mint() {  # mint EXPIRY-EPOCH-SECONDS
  local payload hex sig header r s
  if backend_is_real; then
    header=$(printf '{"alg":"ES256","kid":""}' | b64url)
    payload=$(printf '{"iss":"https://kubernetes.default.svc.cluster.local","sub":"%s","aud":["https://kubernetes.default.svc.cluster.local"],"exp":%s,"iat":%s,"nbf":%s,"kubernetes.io":{"namespace":"team-a","serviceaccount":{"name":"runner","uid":"%s"}}}' \
      "$SA_USER" "$1" "$(( $1 - 3600 ))" "$(( $1 - 3600 ))" "$sa_uid" | b64url)
    # openssl signs in DER (SEQUENCE of r, s); a JWS wants r and s as 32 bytes each.
    printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$APISERVER_DIR/pki/service-account.key" >"$APISERVER_DIR/sig.der"
    read -r r s < <(openssl asn1parse -inform DER -in "$APISERVER_DIR/sig.der" | awk -F: '/INTEGER/ { printf "%s ", $NF }')
    sig=$(printf '%064s%064s' "$r" "$s" | tr ' ' 0 | xxd -r -p | b64url)
    echo "$header.$payload.$sig"
    return
  fi
  payload=$(printf '{"ns":"team-a","name":"runner","uid":"%s","exp":%s,"jti":"e2e"}' "$sa_uid" "$1")
  hex=$(printf '%s' "$payload" | od -An -v -tx1 | tr -d ' \n')
  sig=$(printf '%s' "$hex" | openssl dgst -sha256 -hmac "$(cat "$APISERVER_DIR/sa.key")" -r | cut -d' ' -f1)
  echo "dragops-sa.$hex.$sig"
}
expect "a token minted with the server's key works (the format is understood)" "$SA_USER" \
  as_sa_only --token "$(mint $(( $(date +%s) + 3600 )))" auth whoami
# An hour past expiry: kube-apiserver allows a minute of clock skew (the local server none).
refuse "an expired token is 401" "Unauthorized" as_sa_only --token "$(mint $(( $(date +%s) - 3600 )))" auth whoami
k -n team-a delete serviceaccount runner >/dev/null
refuse_within 15 "the token stops working when its ServiceAccount is deleted" "Unauthorized" as_sa_only -n team-a get secret allowed
k -n team-a create serviceaccount runner >/dev/null
refuse_within 15 "and stays refused when the ServiceAccount is recreated (another uid)" "Unauthorized" as_sa_only -n team-a get secret allowed
TOKEN=$(k -n team-a create token runner)
expect "a new token for the new ServiceAccount works" "allowed" as_sa_only -n team-a get secret allowed -o name

# --- a restart keeps the signing key (the local server's --state and DIR/sa.key, the control
# plane's pki/ and etcd data): tokens stay valid ---
cluster_restart || bad "the server restarts" "$(tail -5 "$APISERVER_DIR/apiserver.log")"
token_kubeconfig "$APISERVER_DIR/kubeconfig.bare"   # the new port
expect "a token survives a restart" "allowed" as_sa_only -n team-a get secret allowed -o name
refuse "and so does the RBAC that limits it" "no" as_sa_only auth can-i get secret/other -n team-a

echo "passed: $passed, failed: $failed"
[ "$failed" -eq 0 ]
