#!/usr/bin/env bash
# Connections for jira and virustotal and a per-environment Secret become Ready within 2 s, their
# stores open with the namespace's key ring to exactly the submitted values, and no planted
# value appears anywhere but the user's own core Secrets: not in any other object, not in the
# operator's log, not in an Event.
source "$(dirname "$0")/lib/operator_lib.sh"
start_apiserver
operator_least_privilege
ensure_namespace team-a
start_operator op-a --leader-elect=false

JIRA_TOKEN=$(canary jira)
VT_KEY=$(canary vt)
DB_DEV=$(canary dev)
DB_PROD=$(canary prod)

start=$(now_ms)
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: jira-credentials, namespace: team-a}
stringData: {email: bot@example.com, api_token: "$JIRA_TOKEN", instance_url: "https://example.atlassian.net", unrelated: ignored}
---
apiVersion: v1
kind: Secret
metadata: {name: vt-credentials, namespace: team-a}
stringData: {api_key: "$VT_KEY"}
---
apiVersion: v1
kind: Secret
metadata: {name: db-dev, namespace: team-a}
stringData: {password: "$DB_DEV"}
---
apiVersion: v1
kind: Secret
metadata: {name: db-prod, namespace: team-a}
stringData: {password: "$DB_PROD"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: jira, namespace: team-a}
spec: {pack: jira, credentialsRef: {name: jira-credentials}}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: virustotal, namespace: team-a}
spec: {pack: virustotal, credentialsRef: {name: vt-credentials}}
---
apiVersion: dragops.io/v1alpha1
kind: Secret
metadata: {name: db-password, namespace: team-a}
spec:
  environments:
    development: {secretKeyRef: {name: db-dev, key: password}}
    production: {secretKeyRef: {name: db-prod, key: password}}
YAML
for r in conn/jira conn/virustotal secrets.dragops.io/db-password; do
  kubectl wait --for=condition=Ready "$r" -n team-a --timeout=2s >/dev/null || fail "$r not Ready within 2 s of creation"
done
echo "all three Ready $(($(now_ms) - start)) ms after creation"

[ "$(condition conn/jira team-a Ready reason)" = Sealed ] || fail "jira Ready reason is not Sealed"
[ "$(kubectl get conn/jira -n team-a -o 'jsonpath={.status.observedGeneration}')" = 1 ] || fail "observedGeneration"
# No finalizer on a fields Connection: its store goes with it through the ownerReference below.
[ -z "$(kubectl get conn/jira -n team-a -o 'jsonpath={.metadata.finalizers}')" ] || fail "a fields Connection got a finalizer"
owner=$(kubectl get secret dragops-conn-jira -n team-a -o 'jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].controller}')
[ "$owner" = Connection/jira/true ] || fail "store ownerReference is $owner"

printf 'email=bot@example.com\napi_token=%s\ninstance_url=https://example.atlassian.net\n' "$JIRA_TOKEN" >"$WORK/jira.expect"
printf 'api_key=%s\n' "$VT_KEY" >"$WORK/vt.expect"
printf 'value=%s\n' "$DB_DEV" >"$WORK/dev.expect"
printf 'value=%s\n' "$DB_PROD" >"$WORK/prod.expect"
"$PROBE" open-connection team-a jira "$WORK/jira.expect" || fail "jira store does not open to the submitted fields"
"$PROBE" open-connection team-a virustotal "$WORK/vt.expect" || fail "virustotal store does not open to the submitted key"
"$PROBE" open-secret team-a db-password development "$WORK/dev.expect" || fail "development value"
"$PROBE" open-secret team-a db-password production "$WORK/prod.expect" || fail "production value"
"$PROBE" open-secret team-a db-password staging "$WORK/prod.expect" >/dev/null && fail "an unknown environment opened"

# Canary scan: every stored object except the user's four core Secrets, the log, the events.
user_secrets=" team-a/jira-credentials team-a/vt-credentials team-a/db-dev team-a/db-prod "
: >"$WORK/dump"
while read -r ns name; do
  case "$user_secrets" in *" $ns/$name "*) continue ;; esac
  kubectl get secret "$name" -n "$ns" -o json >>"$WORK/dump"
done < <(kubectl get secrets -A -o 'jsonpath={range .items[*]}{.metadata.namespace} {.metadata.name}{"\n"}{end}')
kubectl get conn,dsec,ipack -A -o json >>"$WORK/dump"
kubectl get events -A -o json >"$WORK/events"
kubectl get leases -A -o json >>"$WORK/dump"
grep -q '"kind": "Event"' "$WORK/events" || fail "no Events recorded"
for value in "$JIRA_TOKEN" "$VT_KEY" "$DB_DEV" "$DB_PROD"; do
  encoded=$(printf '%s' "$value" | base64 -w0)
  for file in "$WORK/dump" "$WORK/events" "$WORK/op-a.log" "$WORK/op-a.out"; do
    if grep -qF -e "$value" -e "$encoded" "$file"; then fail "a planted value leaked into $(basename "$file")"; fi
  done
done
echo "no planted value outside the user's Secrets ($(wc -c <"$WORK/dump") bytes of objects, $(wc -l <"$WORK/op-a.log") log lines scanned)"
# The live /metrics passes promtool, and the gauges agree with what exists.
metrics_settled() {   # the gauges are refreshed every second
  curl -sf "http://127.0.0.1:$(cat "$WORK/op-a.port")/metrics" >"$WORK/metrics.txt" && grep -qx 'dragops_sealed_objects 3' "$WORK/metrics.txt"
}
wait_until 5 metrics_settled || fail "/metrics does not count the 3 stores"
if command -v promtool >/dev/null; then promtool check metrics <"$WORK/metrics.txt" || fail "promtool check metrics"; fi
grep -qx 'dragops_sealed_objects 3' "$WORK/metrics.txt" || fail "dragops_sealed_objects is not 3"
grep -qx 'dragops_key_versions{namespace="team-a"} 1' "$WORK/metrics.txt" || fail "dragops_key_versions"
for path in healthz readyz; do
  curl -sf "http://127.0.0.1:$(grep -o '"endpoint":"health","addr":"[^"]*","port":[0-9]*' "$WORK/op-a.log" | grep -o '[0-9]*$')/$path" >/dev/null ||
    fail "/$path"
done
no_rbac_denials
echo "PASS operator_basic"
