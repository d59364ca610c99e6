#!/usr/bin/env bash
# Sealed input end to end, as a user who may only create Connections and Secrets in team-a:
# the operator publishes its sealing key; the user reads it, seals a Connection and a
# per-environment Secret with `dragopsctl seal -f` and a Connection with `kubectl dragops create`
# (the plugin beside dragopsctl on PATH), and applies only sealed manifests. They become Ready
# and their stores open to exactly the planted canaries. A sealed value copied into another
# Connection, another field or another namespace is refused (SealedValueInvalid, naming the
# field, never the value); the schema refuses two sources at once. After a rotation new seals
# use the new key, the old one stays while any object names it and goes once none does. At the
# end every object of every kind the API lists, the operator's log and every file the servers
# wrote hold no canary, plain or base64: the plaintext never reached the API server.
# ctest-timeout: 300
source "$(dirname "$0")/lib/operator_lib.sh"
CTL=${DRAGOPSCTL_BINARY:-$BUILD/tools/dragopsctl/dragopsctl}
[ -x "$CTL" ] && [ -x "$(dirname "$CTL")/kubectl-dragops" ] || fail "dragopsctl and kubectl-dragops not built beside each other"
export PATH="$(dirname "$CTL"):$PATH"   # kubectl finds the plugin kubectl-dragops here

start_apiserver
operator_least_privilege
ensure_namespace team-a
ensure_namespace team-b
start_operator op-a --leader-elect=false --sealing-key-retire-after=2s
PLAIN=$WORK/plain   # the only place plaintext is written; never applied, excluded from the scan
mkdir -p "$PLAIN"

published_key_id() { kubectl get configmap dragops-sealing-key -n dragops-system -o 'jsonpath={.data.keyId}'; }
accepted_key_ids() { kubectl get configmap dragops-sealing-key -n dragops-system -o 'jsonpath={.data.acceptedKeyIds}'; }
wait_until 20 test -n "$(published_key_id)" || fail "no sealing key published in ConfigMap dragops-sealing-key"
key1=$(published_key_id)
echo "sealing key $key1 published"

# --- The user: may create Connections and Secrets in team-a, nothing in dragops-system ---
kubectl apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dragops-author, namespace: team-a}
rules:
- apiGroups: [dragops.io]
  resources: [connections, secrets]
  verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dragops-author, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dragops-author}
subjects: [{kind: ServiceAccount, name: author, namespace: team-a}]
YAML
service_account_kubeconfig team-a author "$WORK/author.kubeconfig" || fail "no kubeconfig for the author"
as_author() { KUBECONFIG=$WORK/author.kubeconfig "$@"; }
[ "$(as_author kubectl auth can-i get secrets -n dragops-system)" = no ] || fail "the author can read Secrets in dragops-system"
as_author "$CTL" sealing-key -o "$WORK/public-key" 2>"$WORK/sealing-key.err" || fail "the author cannot read the public key: $(cat "$WORK/sealing-key.err")"
grep -q "key id $key1" "$WORK/sealing-key.err" || fail "dragopsctl sealing-key does not name key $key1"
endpoint=$(curl -sf "http://127.0.0.1:$(cat "$WORK/op-a.port")/v1/sealing-key") || fail "GET /v1/sealing-key"
[ "$(jq -r .keyId <<<"$endpoint")" = "$key1" ] && [ "$(jq -r .publicKey <<<"$endpoint")" = "$(cat "$WORK/public-key")" ] ||
  fail "GET /v1/sealing-key does not answer the published key: $endpoint"

# --- Canaries, sealed on this side only ---
JIRA_TOKEN=$(canary jira)
DB_PROD=$(canary prod)
DB_DEV=$(canary dev)
VT_KEY=$(canary vt)
CANARIES=("$JIRA_TOKEN" "$DB_PROD" "$DB_DEV" "$VT_KEY")
cat >"$PLAIN/manifests.yaml" <<YAML
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: jira}
spec:
  pack: jira
  credentials: {email: bot@example.com, api_token: "$JIRA_TOKEN", instance_url: "https://example.atlassian.net"}
---
apiVersion: dragops.io/v1alpha1
kind: Secret
metadata: {name: db-password}
spec:
  environments:
    production: {value: "$DB_PROD"}
    development: {value: "$DB_DEV"}
YAML
as_author "$CTL" seal --from-cluster -f "$PLAIN/manifests.yaml" -o "$WORK/sealed.yaml" 2>"$WORK/seal.err" ||
  fail "dragopsctl seal -f: $(cat "$WORK/seal.err")"
grep -q "sealed 5 values to key $key1" "$WORK/seal.err" || fail "dragopsctl seal did not seal 5 values to $key1: $(cat "$WORK/seal.err")"
for value in "${CANARIES[@]}"; do grep -qF "$value" "$WORK/sealed.yaml" && fail "a canary is in the sealed manifest"; done
as_author kubectl apply -f "$WORK/sealed.yaml" >/dev/null || fail "the author cannot apply the sealed manifests"
as_author kubectl dragops create connection virustotal --pack virustotal --from-literal=api_key="$VT_KEY" \
  >"$WORK/create.out" 2>&1 || fail "kubectl dragops create connection: $(cat "$WORK/create.out")"
grep -q "connection.dragops.io/virustotal created" "$WORK/create.out" || fail "kubectl dragops create did not apply: $(cat "$WORK/create.out")"
for r in conn/jira conn/virustotal secrets.dragops.io/db-password; do
  kubectl wait --for=condition=Ready "$r" -n team-a --timeout=30s >/dev/null || fail "$r not Ready: $(kubectl get "$r" -n team-a -o json | jq -c .status)"
done
echo "sealed input Ready: jira, virustotal, db-password"

printf 'email=bot@example.com\napi_token=%s\ninstance_url=https://example.atlassian.net\n' "$JIRA_TOKEN" >"$PLAIN/jira.expect"
printf 'api_key=%s\n' "$VT_KEY" >"$PLAIN/vt.expect"
printf 'value=%s\n' "$DB_PROD" >"$PLAIN/prod.expect"
printf 'value=%s\n' "$DB_DEV" >"$PLAIN/dev.expect"
"$PROBE" open-connection team-a jira "$PLAIN/jira.expect" >/dev/null || fail "jira's store does not open to the sealed fields"
"$PROBE" open-connection team-a virustotal "$PLAIN/vt.expect" >/dev/null || fail "virustotal's store does not open to the key"
"$PROBE" open-secret team-a db-password production "$PLAIN/prod.expect" >/dev/null || fail "production value"
"$PROBE" open-secret team-a db-password development "$PLAIN/dev.expect" >/dev/null || fail "development value"

# --- Copies do not open, and status says which field and why ---
sealed_field() { kubectl get conn "$1" -n team-a -o "jsonpath={.spec.sealedCredentials.$2}"; }
EMAIL=$(sealed_field jira email) TOKEN=$(sealed_field jira api_token) URL=$(sealed_field jira instance_url)
apply_connection() {   # NS NAME EMAIL TOKEN URL
  printf 'apiVersion: dragops.io/v1alpha1\nkind: Connection\nmetadata: {name: %s, namespace: %s}\nspec:\n  pack: jira\n  sealedCredentials: {email: "%s", api_token: "%s", instance_url: "%s"}\n' \
    "$2" "$1" "$3" "$4" "$5" | kubectl apply -f - >/dev/null
}
apply_connection team-a jira-copy "$EMAIL" "$TOKEN" "$URL" || fail "cannot apply jira-copy"
apply_connection team-a jira-swapped "$TOKEN" "$EMAIL" "$URL" || fail "cannot apply jira-swapped"
apply_connection team-b jira "$EMAIL" "$TOKEN" "$URL" || fail "cannot apply jira in team-b"
refused() {   # NS NAME MESSAGE_PART
  kubectl wait --for=jsonpath='{.status.conditions[?(@.type=="Ready")].reason}'=SealedValueInvalid "conn/$2" -n "$1" \
    --timeout=30s >/dev/null || fail "$1/$2 is not refused with SealedValueInvalid: $(kubectl get conn "$2" -n "$1" -o json | jq -c .status)"
  local message
  message=$(condition "conn/$2" "$1" Ready message)
  case "$message" in *"$3"*) ;; *) fail "$1/$2: the message does not say '$3': $message" ;; esac
  [ "$(condition "conn/$2" "$1" Ready status)" = False ] || fail "$1/$2 Ready is not False"
  kubectl get secret "dragops-conn-$2" -n "$1" >/dev/null 2>&1 && fail "$1/$2 got a store from a copied value"
  echo "refused $1/$2: $message"
}
refused team-a jira-copy 'spec.sealedCredentials.api_token does not open as Connection "jira-copy" field "api_token" in namespace "team-a"'
refused team-a jira-swapped 'spec.sealedCredentials.api_token does not open as Connection "jira-swapped" field "api_token"'
refused team-b jira 'in namespace "team-b": it was sealed for another object, field or namespace, or altered'
wait_until 10 sh -c "kubectl get events -n team-a -o json | jq -e '.items[] | select(.reason == \"SealedValueInvalid\" and .involvedObject.name == \"jira-copy\")'" ||
  fail "no SealedValueInvalid Event for jira-copy"

# --- The schema refuses two sources, and anything that is not one line of base64 ---
reject() {   # NAME YAML
  if printf '%b' "$2" | kubectl apply -f - >/dev/null 2>&1; then fail "the API server accepted $1"; fi
  echo "schema refuses $1"
}
reject "credentialsRef beside sealedCredentials" \
  "apiVersion: dragops.io/v1alpha1\nkind: Connection\nmetadata: {name: both, namespace: team-a}\nspec: {pack: virustotal, credentialsRef: {name: c}, sealedCredentials: {api_key: \"$TOKEN\"}}\n"
reject "secretKeyRef beside sealedValue" \
  "apiVersion: dragops.io/v1alpha1\nkind: Secret\nmetadata: {name: both, namespace: team-a}\nspec: {environments: {prod: {secretKeyRef: {name: a, key: b}, sealedValue: \"$TOKEN\"}}}\n"
reject "an environment without a source" \
  "apiVersion: dragops.io/v1alpha1\nkind: Secret\nmetadata: {name: none, namespace: team-a}\nspec: {environments: {prod: {}}}\n"
reject "a short plaintext as a sealed value" \
  "apiVersion: dragops.io/v1alpha1\nkind: Connection\nmetadata: {name: plain, namespace: team-a}\nspec: {pack: virustotal, sealedCredentials: {api_key: hunter2}}\n"

# --- Rotation: new seals use the new key; the old stays while anything names it ---
kubectl annotate secret dragops-sealing-keys -n dragops-system dragops.io/rotate=e2e-1 --overwrite >/dev/null
wait_until 20 sh -c "[ \"\$(kubectl get configmap dragops-sealing-key -n dragops-system -o 'jsonpath={.data.keyId}')\" != $key1 ]" ||
  fail "the rotation did not publish a new key"
key2=$(published_key_id)
[ "$(accepted_key_ids)" = "$key2 $key1" ] || fail "acceptedKeyIds after rotation: $(accepted_key_ids)"
rotated_at=$(now_ms)
as_author "$CTL" seal --from-cluster -f "$PLAIN/manifests.yaml" -o "$WORK/resealed.yaml" 2>"$WORK/seal.err" || fail "re-seal: $(cat "$WORK/seal.err")"
grep -q "to key $key2" "$WORK/seal.err" || fail "the re-seal did not use the new key $key2"
as_author kubectl apply -f "$WORK/resealed.yaml" >/dev/null || fail "cannot apply the re-sealed manifests"
as_author kubectl dragops create connection virustotal --pack virustotal --from-literal=api_key="$VT_KEY" --dry-run=client -o yaml |
  as_author kubectl apply -f - >/dev/null || fail "cannot re-seal virustotal with kubectl dragops"
for r in conn/jira conn/virustotal secrets.dragops.io/db-password; do
  kubectl wait --for=jsonpath='{.status.observedGeneration}'=2 "$r" -n team-a --timeout=30s >/dev/null || fail "$r not reconciled after re-seal"
  [ "$(condition "$r" team-a Ready status)" = True ] || fail "$r not Ready after re-seal"
done
"$PROBE" open-connection team-a jira "$PLAIN/jira.expect" >/dev/null || fail "jira's store after the re-seal"
# The copies still name the old key: it must outlive --sealing-key-retire-after (2 s) meanwhile.
until [ "$(now_ms)" -gt $((rotated_at + 4000)) ]; do
  [ "$(accepted_key_ids)" = "$key2 $key1" ] || fail "key $key1 was retired while the copies still name it"
  sleep 0.2
done
kubectl delete conn jira-copy jira-swapped -n team-a --wait=false >/dev/null
kubectl delete conn jira -n team-b --wait=false >/dev/null
wait_until 30 sh -c "[ \"\$(kubectl get configmap dragops-sealing-key -n dragops-system -o 'jsonpath={.data.acceptedKeyIds}')\" = $key2 ]" ||
  fail "key $key1 was not retired once nothing named it: $(accepted_key_ids)"
grep -q '"msg":"sealing key retired"' "$WORK/op-a.log" || fail "no log line for the retirement"
echo "rotated $key1 -> $key2, old key retired once unused"

# --- Metrics ---
[ "$(metric op-a 'dragops_sealed_inputs_total{result="opened"}')" -ge 9 ] || fail "dragops_sealed_inputs_total opened"
[ "$(metric op-a 'dragops_sealed_inputs_total{result="invalid"}')" -ge 3 ] || fail "dragops_sealed_inputs_total invalid"
wait_until 5 sh -c "curl -sf http://127.0.0.1:$(cat "$WORK/op-a.port")/metrics | grep -qx 'dragops_sealing_keys 1'" ||
  fail "dragops_sealing_keys is not 1"

# --- Leak scan: no canary anywhere the cluster or the operator kept anything ---
base64_forms() {   # every base64 substring that any encoding containing $1 must include
  local k pad
  for k in 0 1 2; do
    pad=$(head -c "$k" /dev/zero | tr '\0' x)
    printf '%s%s' "$pad" "$1" | base64 -w0 | cut -c$((k == 0 ? 1 : k + 2))- | sed 's/....$//'
  done
}
: >"$WORK/dump"
for resource in $(kubectl api-resources --verbs=list -o name); do
  kubectl get "$resource" -A -o json >>"$WORK/dump" 2>/dev/null || true
done
grep -q '"kind": "ConfigMap"' "$WORK/dump" && grep -q '"kind": "Event"' "$WORK/dump" && grep -q 'dragops-conn-jira' "$WORK/dump" ||
  fail "the object dump is incomplete"
scanned=$(find "$WORK" -type f ! -path "$PLAIN/*" | wc -l)
for value in "${CANARIES[@]}"; do
  mapfile -t forms < <(base64_forms "$value")
  [ "${#forms[@]}" = 3 ] && [ "${#forms[0]}" -gt 20 ] && [ "${#forms[1]}" -gt 20 ] && [ "${#forms[2]}" -gt 20 ] ||
    fail "the base64 forms of a canary are not three long strings"
  # The scan would see the value at any offset in base64 (the same search on a control string).
  for pad in "" x xy; do
    printf '%s%s~' "$pad" "$value" | base64 -w0 | grep -qF -e "${forms[0]}" -e "${forms[1]}" -e "${forms[2]}" ||
      fail "the scan would miss a base64-encoded canary"
  done
  grep -rqaF -e "$value" "$PLAIN" || fail "the scan does not find a canary where one is"
  if grep -rqaF -e "$value" -e "${forms[0]}" -e "${forms[1]}" -e "${forms[2]}" --exclude-dir=plain "$WORK"; then
    fail "a planted value leaked into $(grep -rlaF -e "$value" -e "${forms[0]}" -e "${forms[1]}" -e "${forms[2]}" --exclude-dir=plain "$WORK" | head -3 | tr '\n' ' ')"
  fi
done
echo "no canary in $(wc -c <"$WORK/dump") bytes of objects ($(kubectl api-resources --verbs=list -o name | wc -l) kinds) nor in $scanned files the servers, the operator and the tools wrote"
no_rbac_denials
echo "PASS operator_sealed_input"
