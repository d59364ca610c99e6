#!/usr/bin/env bash
# The CRDs as a user meets them through kubectl: short names, the dragops category, printer
# columns, kubectl explain from the descriptions, and schema validation (DNS-1123 references,
# the authType enum, required fields, URL patterns).
source "$(dirname "$0")/lib/operator_lib.sh"
start_apiserver
ensure_namespace team-a

for short in conn dsec ipack; do kubectl get "$short" -A >/dev/null 2>&1 || fail "short name $short"; done
[ "$(kubectl get dragops -A -o name | grep -c integrationpack || true)" = 8 ] || fail "category dragops does not list the 8 built-in packs"
# (output captured first: with pipefail, `kubectl | head` can fail on SIGPIPE)
table=$(kubectl get ipack jira)
grep -q 'DISPLAY NAME *TYPE *AGE' <<<"$table" || fail "IntegrationPack printer columns"
grep -q 'Jira Cloud *fields' <<<"$table" || fail "IntegrationPack printer values"
printf 'apiVersion: dragops.io/v1alpha1\nkind: Connection\nmetadata: {name: ok, namespace: team-a}\nspec: {pack: jira, credentialsRef: {name: creds}}\n' |
  kubectl apply -f - >/dev/null || fail "a valid Connection is refused"
table=$(kubectl get conn ok -n team-a)
grep -q 'READY *PACK *TYPE *OWNER *EXPIRES *AGE' <<<"$table" || fail "Connection printer columns"
# The server publishes new CRDs' OpenAPI shortly after they are established: wait for it.
explains() { local text; text=$(kubectl explain "$1" 2>/dev/null) && grep -q "$2" <<<"$text"; }
wait_until 10 explains conn.spec.credentialsRef 'one key per pack field' || fail "kubectl explain conn.spec.credentialsRef"
wait_until 10 explains ipack.spec.authType apiKey || fail "kubectl explain ipack.spec.authType"
wait_until 10 explains conn.status.conditions metav1.Condition || fail "kubectl explain conn.status.conditions"

reject() { # NAME YAML FRAGMENT
  local out
  if out=$(printf '%b' "$2" | kubectl apply -f - 2>&1); then fail "$1: accepted"; fi
  case "$out" in *"$3"*) echo "ok rejects $1" ;; *) fail "$1: error does not mention $3: $out" ;; esac
}
reject "an uppercase Secret reference" \
  'apiVersion: dragops.io/v1alpha1\nkind: Connection\nmetadata: {name: a, namespace: team-a}\nspec: {pack: jira, credentialsRef: {name: Bad_Name}}\n' \
  spec.credentialsRef.name
reject "a Connection without a pack" \
  'apiVersion: dragops.io/v1alpha1\nkind: Connection\nmetadata: {name: b, namespace: team-a}\nspec: {credentialsRef: {name: creds}}\n' \
  spec.pack
reject "an unknown authType" \
  'apiVersion: dragops.io/v1alpha1\nkind: IntegrationPack\nmetadata: {name: pack-c}\nspec: {authType: basic}\n' \
  spec.authType
reject "an unknown field format" \
  'apiVersion: dragops.io/v1alpha1\nkind: IntegrationPack\nmetadata: {name: pack-d}\nspec: {authType: fields, fields: [{name: a, format: phone}]}\n' \
  format
reject "a token URL that is not http(s)" \
  'apiVersion: dragops.io/v1alpha1\nkind: IntegrationPack\nmetadata: {name: pack-e}\nspec: {authType: oauth2, oauth: {authorizeURL: "https://a.example/x", tokenURL: "ftp://a.example/t"}}\n' \
  tokenURL
reject "a Secret without environments" \
  'apiVersion: dragops.io/v1alpha1\nkind: Secret\nmetadata: {name: f, namespace: team-a}\nspec: {}\n' \
  environments
reject "a secretKeyRef without a key" \
  'apiVersion: dragops.io/v1alpha1\nkind: Secret\nmetadata: {name: g, namespace: team-a}\nspec: {environments: {production: {secretKeyRef: {name: db}}}}\n' \
  key
echo "PASS operator_crds"
