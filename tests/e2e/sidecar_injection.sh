#!/usr/bin/env bash
# Sidecar and injector end to end, on the local API server with the real kubectl:
#   the operator serves the webhook (managed certificate, caBundle patched); kubectl apply of an
#   annotated pod stores it with the sidecar; a stand-in kubelet starts dragops-sidecar with the
#   env the webhook wrote and a token for the pod's ServiceAccount (least privilege: only the
#   Role the operator reconciled from the injected pods); curl checks the API contract (200/401/403/404/400 Host/405);
#   revocation and change latency p50/p99 over 50 each (printed); the API server stopped: last
#   known values until DRAGOPS_STALE_AFTER, then 503; a key rotation reaches the sidecar through
#   the key volume; no canary value in any log. The webhook refuses pods that would hand the key
#   volume to another container, hostNetwork pods and a user's own dragops-sidecar; with the
#   operator stopped only annotated pods are refused (matchConditions).
# Issue 12 finding 1: admission has no side effects. Forged AdmissionReviews POSTed straight to
#   the webhook (network reach only, no client certificate) for pods in kube-system, an unwatched
#   and a watched namespace get a patch and change nothing; a server dry run creates no Role; the
#   operator grants a ServiceAccount's sidecar Role from the injected pods that exist, widens it,
#   narrows it and deletes it with them; a sidecar started before its Role becomes ready once
#   granted (time printed).
# Issue 18: a pod whose ServiceAccount may not `use` a connection is denied, naming it and what to
#   grant; after `kubectl dragops share` the same pod is admitted and its sidecar serves; another
#   ServiceAccount is still denied; `kubectl dragops unshare` narrows the sidecar Role; with
#   --use-scope=namespace (chart sharing.namespaceWide) any ServiceAccount of the namespace may.
# Finding 8: the operator runs in the chart's least-privilege mode (watchNamespaces: [team-a]),
#   reconciles team-a and may not read Secrets, list Pods or write Roles elsewhere.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/apiserver.sh"
source "$here/lib/sidecar.sh"

ROUNDS=${SIDECAR_E2E_ROUNDS:-50}
source "$here/lib/checks.sh"
check() {   # check DESCRIPTION WANTED ACTUAL (ACTUAL must start with WANTED)
  if [[ "$3" == "$2"* ]]; then ok "$1"; else bad "$1" "wanted: $2" "got: $3"; fi
}
check_empty() {   # check_empty DESCRIPTION ACTUAL
  if [ -z "$2" ]; then ok "$1"; else bad "$1" "wanted nothing" "got: $2"; fi
}

cleanup() { sidecar_stop; operator_stop; apiserver_cleanup; }
apiserver_start || exit 1
trap cleanup EXIT

# Canaries: the plaintext values; none may appear in any log.
CANARY_VT="CANARY-vt-$RANDOM$RANDOM"
CANARY_JIRA="CANARY-jira-$RANDOM$RANDOM"
CANARY_DB="CANARY-db-$RANDOM$RANDOM"

# team-a is watched; team-c exists and is not (the chart's least-privilege mode).
ensure_namespace team-a && ensure_namespace team-c || { bad "namespaces"; exit 1; }
OPERATOR_ARGS=(--use-recheck-interval 2s)
OPERATOR_WATCH_NAMESPACES=team-a operator_start && ok "the operator serves the webhook and patched the caBundle" ||
  { bad "the operator serves the webhook" "$(tail -20 "$APISERVER_DIR/operator.log")"; exit 1; }
issue12_started=$(date +%s%N)   # the time the issue-12 checks add, printed at the end
operator_sa=system:serviceaccount:dragops-system:dragops-operator
for denied in "get secrets -n team-c" "list secrets -n kube-system" "list pods -n team-c" "create roles -n team-c" \
              "create rolebindings -n kube-system" "list secrets --all-namespaces"; do
  check "least privilege: the operator may not $denied" "no" "$(kubectl auth can-i $denied --as "$operator_sa" 2>/dev/null)"
done
for allowed in "get secrets -n team-a" "watch pods -n team-a" "delete roles -n team-a" "get secrets -n dragops-system"; do
  check "least privilege: the operator may $allowed" "yes" "$(kubectl auth can-i $allowed --as "$operator_sa" 2>/dev/null)"
done
issue12_ns=$(( $(date +%s%N) - issue12_started ))
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata: {name: virustotal-credentials, namespace: team-a}
stringData: {api_key: "$CANARY_VT"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: virustotal, namespace: team-a}
spec: {pack: virustotal, credentialsRef: {name: virustotal-credentials}}
---
apiVersion: v1
kind: Secret
metadata: {name: jira-credentials, namespace: team-a}
stringData: {email: automation@example.com, api_token: "$CANARY_JIRA", instance_url: "https://example.atlassian.net"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: jira, namespace: team-a}
spec: {pack: jira, credentialsRef: {name: jira-credentials}}
---
apiVersion: v1
kind: Secret
metadata: {name: db-prod, namespace: team-a}
stringData: {password: "$CANARY_DB"}
---
apiVersion: v1
kind: Secret
metadata: {name: db-dev, namespace: team-a}
stringData: {password: development-value}
---
apiVersion: dragops.io/v1alpha1
kind: Secret
metadata: {name: db-password, namespace: team-a}
spec:
  environments:
    development: {secretKeyRef: {name: db-dev, key: password}}
    production: {secretKeyRef: {name: db-prod, key: password}}
EOF
wait_until 30 kubectl -n team-a get secret dragops-conn-virustotal dragops-conn-jira dragops-secret-db-password ||
  bad "the operator sealed the store objects" "$(kubectl -n team-a get secrets 2>&1)"
# The pods below run as default and late: their ServiceAccounts may use what they ask for (issue 18).
kubectl -n team-a create serviceaccount late >/dev/null
grant_use team-a default connection virustotal jira ghost && grant_use team-a default secret db-password &&
  grant_use team-a late connection jira virustotal || bad "kubectl dragops share grants use"

# --- the webhook ---
pod() {   # pod NAME ANNOTATIONS-YAML
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: team-a\n  annotations: %s\nspec:\n  initContainers: [{name: migrate, image: busybox}]\n  containers: [{name: app, image: busybox}, {name: helper, image: busybox, env: [{name: X, value: "1"}]}]\n' "$1" "$2"
}

# Forged AdmissionReviews, POSTed straight to the webhook's address by someone who can only reach
# it (no client certificate, server not verified): each gets a patch and nothing else.
forge() {   # forge NAMESPACE SERVICEACCOUNT: prints the webhook's answer
  jq -cn --arg ns "$1" --arg sa "$2" '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: {
    uid: "forged-\($sa)", kind: {group: "", version: "v1", kind: "Pod"}, resource: {group: "", version: "v1", resource: "pods"},
    namespace: $ns, operation: "CREATE", userInfo: {username: "nobody"},
    object: {apiVersion: "v1", kind: "Pod", metadata: {name: "forged", namespace: $ns,
      annotations: {"dragops.io/inject": "true", "dragops.io/connections": "jira,virustotal", "dragops.io/secrets": "db-password",
                    "dragops.io/environment": "production"}},
      spec: {serviceAccountName: $sa, containers: [{name: "app", image: "busybox"}]}}}}' |
    curl -sk --max-time 10 -H 'Content-Type: application/json' --data-binary @- "https://$WEBHOOK_ADDR/mutate-pods"
}
issue12_started=$(date +%s%N)
for target in kube-system:forged-system team-c:forged-unwatched team-a:forged-watched; do
  answer=$(forge "${target%%:*}" "${target#*:}")
  # A patch, or a denial (the forged ServiceAccounts may not use these names): an answer only.
  check "a forged review for a pod in ${target%%:*} gets at most a patch" "answer" \
    "$(jq -r 'if (.response.allowed and .response.patchType == "JSONPatch") or .response.allowed == false then "answer" else . end' \
        <<<"$answer" 2>&1)"
done
issue12_ns=$(( issue12_ns + $(date +%s%N) - issue12_started ))
pod run-1 '{dragops.io/inject: "true", dragops.io/connections: "virustotal,jira,ghost", dragops.io/secrets: db-password, dragops.io/environment: production}' |
  kubectl apply -f - >/dev/null
stored=$(kubectl -n team-a get pod run-1 -o json)
check "the stored pod carries the sidecar first among init containers" "dragops-sidecar" \
  "$(jq -r '.spec.initContainers[0].name' <<<"$stored")"
check "the sidecar is a native sidecar" "Always" "$(jq -r '.spec.initContainers[0].restartPolicy' <<<"$stored")"
check "every app container gets DRAGOPS_URL" "http://127.0.0.1:8900 http://127.0.0.1:8900 http://127.0.0.1:8900" \
  "$(jq -r '[.spec.containers[], .spec.initContainers[1]] | map(.env[] | select(.name=="DRAGOPS_URL") | .value) | join(" ")' <<<"$stored")"
check "the key volume is mounted into the sidecar only" "1" \
  "$(jq '[.spec.containers[], .spec.initContainers[] | .volumeMounts[]? | select(.name=="dragops-keys")] | length' <<<"$stored")"
check "the pod is marked injected" "true" "$(jq -r '.metadata.annotations["dragops.io/injected"]' <<<"$stored")"
pod plain '{}' | kubectl apply -f - >/dev/null
check "a pod without the annotation is untouched" "migrate" \
  "$(kubectl -n team-a get pod plain -o jsonpath='{.spec.initContainers[0].name}')"
out=$(pod broken '{dragops.io/inject: "true", dragops.io/connections: "Jira,,x"}' | kubectl apply -f - 2>&1)
check "a malformed annotation is denied with the reason" "Error from server" "$out"
[[ "$out" == *"\"Jira\" is not a valid name"* ]] && ok "the denial says what is wrong" || bad "the denial says what is wrong" "$out"
# Pods the webhook refuses to inject (issue 12, finding 7), each with a message naming the problem.
annotated='{dragops.io/inject: "true", dragops.io/connections: "jira"}'
refuse "a container that mounts the key volume by name is denied" \
  'dragops: container "app" mounts the volume dragops-keys' \
  kubectl apply -f - <<<"$(pod thief "$annotated" | sed 's|{name: app, image: busybox}|{name: app, image: busybox, volumeMounts: [{name: dragops-keys, mountPath: /keys}]}|')"
refuse "an init container that mounts the key volume by name is denied" \
  'dragops: init container "migrate" mounts the volume dragops-keys' \
  kubectl apply -f - <<<"$(pod thief2 "$annotated" | sed 's|{name: migrate, image: busybox}|{name: migrate, image: busybox, volumeMounts: [{name: dragops-keys, mountPath: /keys}]}|')"
refuse "a hostNetwork pod is denied" 'dragops: hostNetwork: true is not allowed' \
  kubectl apply -f - <<<"$(pod on-host "$annotated"; echo '  hostNetwork: true')"
refuse "a pod with its own dragops-sidecar init container is denied" \
  'dragops: an init container is already named dragops-sidecar but the pod has no dragops.io/injected' \
  kubectl apply -f - <<<"$(pod impostor "$annotated" | sed 's|{name: migrate, image: busybox}|{name: dragops-sidecar, image: busybox, restartPolicy: Always}|')"
for name in thief thief2 on-host impostor; do
  kubectl -n team-a get pod "$name" >/dev/null 2>&1 && bad "the denied pod $name was not stored"
done
# kubectl debug adds ephemeral containers through pods/ephemeralcontainers; the local API server
# does not serve that subresource (docs/apiserver.md), so this runs on the real tier only.
if backend_is_real; then
  ephemeral=$(kubectl -n team-a get pod run-1 -o json | jq -c '.spec.ephemeralContainers = [{name: "debugger", image: "busybox",
    volumeMounts: [{name: "dragops-keys", mountPath: "/keys"}]}]')
  refuse "an ephemeral container that mounts the key volume of an injected pod is denied" \
    'dragops: ephemeral container "debugger" mounts the volume dragops-keys' \
    kubectl replace --raw /api/v1/namespaces/team-a/pods/run-1/ephemeralcontainers -f - <<<"$ephemeral"
  ephemeral=$(kubectl -n team-a get pod run-1 -o json | jq -c '.spec.ephemeralContainers = [{name: "debugger", image: "busybox"}]')
  expect "an ephemeral container without the key volume is admitted" '"debugger"' \
    kubectl replace --raw /api/v1/namespaces/team-a/pods/run-1/ephemeralcontainers -f - <<<"$ephemeral"
else
  echo "skip ephemeral containers: the local API server does not serve pods/ephemeralcontainers"
fi
wait_until 10 kubectl -n team-a get role dragops-sidecar-default &&
  check "the Role grants exactly the store objects" "dragops-conn-ghost,dragops-conn-jira,dragops-conn-virustotal,dragops-secret-db-password" \
    "$(kubectl -n team-a get role dragops-sidecar-default -o json | jq -r '.rules[0].resourceNames | sort | join(",")')" ||
  bad "the operator grants the injected pod's ServiceAccount its sidecar Role"
check "the injected pod is labelled for the operator" "true" \
  "$(kubectl -n team-a get pod run-1 -o jsonpath='{.metadata.labels.dragops\.io/injected}')"
# The forged reviews came before run-1; had they caused grants, they would be there by now.
for target in kube-system:forged-system team-c:forged-unwatched team-a:forged-watched; do
  check_empty "the forged review for ${target%%:*} created no Role or RoleBinding" \
    "$(kubectl -n "${target%%:*}" get role,rolebinding "dragops-sidecar-${target#*:}" -o name --ignore-not-found 2>&1)"
done

# --- the sidecar, started with the env the webhook wrote ---
started_at=$(date +%s%N)
sidecar_start team-a run-1 && ok "the sidecar becomes ready" ||
  { bad "the sidecar becomes ready" "$(tail -20 "$SIDECAR_DIR/sidecar.log")"; exit 1; }
echo "     time to ready: $(( ($(date +%s%N) - started_at) / 1000000 )) ms (including kubectl reads)"
# Both processes hold keys and plaintext: neither may write a core file (soft and hard limit 0).
for who in "sidecar:$SIDECAR_PID" "operator:$OPERATOR_PID"; do
  check "the ${who%%:*} forbids core dumps" "0 0" \
    "$(awk '/^Max core file size/ {print $5, $6}' "/proc/${who#*:}/limits")"
done
check "the sidecar runs as the pod's ServiceAccount, not as the admin" "system:serviceaccount:team-a:default" \
  "$(kubectl --kubeconfig "$SIDECAR_DIR/kubeconfig" auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1)"
check "which may not read the credentials behind the store" "Error from server (Forbidden): secrets \"virustotal-credentials\" is forbidden" \
  "$(kubectl --kubeconfig "$SIDECAR_DIR/kubeconfig" -n team-a get secret virustotal-credentials 2>&1)"
check "the operator runs as the chart's ServiceAccount" "system:serviceaccount:dragops-system:dragops-operator" \
  "$(kubectl --kubeconfig "$APISERVER_DIR/operator.kubeconfig" auth whoami -o jsonpath='{.status.userInfo.username}' 2>&1)"
check "/token returns the bare API key" "200 $CANARY_VT" "$(sidecar_get /v1/connections/virustotal/token)"
out=$(sidecar_get /v1/connections/jira)
check "a connection returns its fields" "200 {\"name\":\"jira\",\"pack\":\"jira\",\"authType\":\"fields\"" "$out"
[[ "$out" == *"\"api_token\":\"$CANARY_JIRA\""* ]] && ok "the fields carry the value" || bad "the fields carry the value" "$out"
check "a secret returns the pod environment's value" \
  "200 {\"name\":\"db-password\",\"environment\":\"production\",\"value\":\"$CANARY_DB\"}" "$(sidecar_get /v1/secrets/db-password)"
check "a connection not in the annotation gives 403" '403 {"error":{"code":"not_allowed"' "$(sidecar_get /v1/connections/slack)"
check "an allowed but unknown connection gives 404" '404 {"error":{"code":"not_found"' "$(sidecar_get /v1/connections/ghost)"
check "no token gives 401" "401" \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SIDECAR_PORT/v1/connections/virustotal/token")"
check "a wrong token gives 401" "401" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' "http://127.0.0.1:$SIDECAR_PORT/v1/connections/virustotal/token")"
check "a foreign Host gives 400" '400 {"error":{"code":"invalid_host"' "$(sidecar_get /v1/connections/virustotal/token -H 'Host: evil.example')"
check "POST gives 405" "405" "$(sidecar_get /v1/connections/virustotal/token -X POST)"
check "answers carry Cache-Control: no-store" "cache-control: no-store" \
  "$(curl -s -D - -o /dev/null -H "Authorization: Bearer $(cat "$SIDECAR_DIR/token/token")" \
      "http://127.0.0.1:$SIDECAR_PORT/v1/connections/virustotal/token" | tr -d '\r' | tr 'A-Z' 'a-z' | grep cache-control)"
check "IPv6 loopback is served too" "200" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$SIDECAR_DIR/token/token")" \
      "http://[::1]:$SIDECAR_PORT/v1/connections/virustotal/token" 2>/dev/null || echo skipped-no-ipv6)"
metrics=$(curl -s "http://127.0.0.1:$SIDECAR_HEALTH_PORT/metrics")
[[ "$metrics" == *'dragops_sidecar_requests_total{code="200",route="connection_token"}'* ]] &&
  ok "metrics count requests by route and code" || bad "metrics count requests by route and code" "$metrics"
if command -v promtool >/dev/null; then
  out=$(promtool check metrics <<<"$metrics" 2>&1) && ok "promtool check metrics passes" || bad "promtool check metrics passes" "$out"
fi

# --- key rotation: the operator re-seals under a new data key; the kubelet refreshes the key
# volume (here: sidecar_sync_keys, a ..data symlink swap) and the sidecar reloads the ring ---
before=$(kubectl -n team-a get secret dragops-conn-jira -o jsonpath='{.metadata.annotations.dragops\.io/key-version}')
kubectl -n dragops-system annotate secret dragops-root-key --overwrite "dragops.io/rotate=e2e-$RANDOM" >/dev/null
rotated=""
for _ in $(seq 1 100); do
  after=$(kubectl -n team-a get secret dragops-conn-jira -o jsonpath='{.metadata.annotations.dragops\.io/key-version}')
  if [ -n "$after" ] && [ "$after" != "$before" ]; then rotated=yes; break; fi
  sleep 0.1
done
if [ -n "$rotated" ]; then
  ok "the operator re-sealed under a new key version ($before -> $after)"
  served=""
  for _ in $(seq 1 100); do
    sidecar_sync_keys team-a >/dev/null 2>&1
    out=$(sidecar_get /v1/connections/jira)
    if [[ "$out" == "200 "*"$CANARY_JIRA"* ]]; then served=yes; break; fi
    sleep 0.1
  done
  [ -n "$served" ] && ok "after the key volume changes the sidecar reloads the ring and serves" ||
    bad "the sidecar serves after rotation" "$out" "$(tail -5 "$SIDECAR_DIR/sidecar.log")"
  reloads=$(curl -s "http://127.0.0.1:$SIDECAR_HEALTH_PORT/metrics" | awk '/^dragops_sidecar_keyring_reloads_total\{result="ok"\}/ {print $2}')
  [ "${reloads%.*}" -ge 2 ] 2>/dev/null && ok "the key ring was reloaded in place ($reloads loads)" || bad "key ring reloads" "$reloads"
else
  bad "the operator re-sealed under a new key version" "key-version still $before"
fi

# --- change and revocation latency ---
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
percentiles() {   # prints p50 and p99 of the numbers on stdin
  sort -n | awk '{v[NR]=$1} END {p50=v[int((NR-1)*0.50)+1]; p99=v[int((NR-1)*0.99)+1]; printf "p50 %d ms, p99 %d ms (n=%d)", p50, p99, NR}'
}
wait_answer() {   # wait_answer PATH PREFIX: polls until the answer starts with PREFIX (10 s max)
  local deadline=$(( $(now_ms) + 10000 ))
  while [ "$(now_ms)" -lt $deadline ]; do
    [[ "$(sidecar_get "$1")" == "$2"* ]] && return 0
  done
  return 1
}
: >"$APISERVER_DIR/change.ms"
for i in $(seq 1 "$ROUNDS"); do
  value="changed-$i-$RANDOM"
  t0=$(now_ms)
  kubectl -n team-a patch secret virustotal-credentials --type merge -p "{\"stringData\":{\"api_key\":\"$value\"}}" >/dev/null
  echo $(( $(now_ms) - t0 )) >>"$APISERVER_DIR/patch.ms"   # the reference: kubectl's own round trip
  wait_answer /v1/connections/virustotal/token "200 $value" || { bad "change $i reaches the sidecar"; break; }
  echo $(( $(now_ms) - t0 )) >>"$APISERVER_DIR/change.ms"
done
[ "$(wc -l <"$APISERVER_DIR/change.ms")" -eq "$ROUNDS" ] && ok "every change reached the sidecar"
echo "     change latency (kubectl patch of the credential -> new value served): $(percentiles <"$APISERVER_DIR/change.ms")"
echo "     reference, the kubectl patch alone (process start and API round trip): $(percentiles <"$APISERVER_DIR/patch.ms")"

connection_yaml='{"apiVersion":"dragops.io/v1alpha1","kind":"Connection","metadata":{"name":"virustotal","namespace":"team-a"},"spec":{"pack":"virustotal","credentialsRef":{"name":"virustotal-credentials"}}}'
: >"$APISERVER_DIR/revoke.ms"
for i in $(seq 1 "$ROUNDS"); do
  t0=$(now_ms)
  kubectl -n team-a delete connection virustotal --wait=false >/dev/null
  wait_answer /v1/connections/virustotal/token "404" || { bad "revocation $i reaches the sidecar"; break; }
  echo $(( $(now_ms) - t0 )) >>"$APISERVER_DIR/revoke.ms"
  wait_until 10 bash -c "! kubectl -n team-a get connection virustotal" >/dev/null
  echo "$connection_yaml" | kubectl apply -f - >/dev/null
  wait_answer /v1/connections/virustotal/token "200" || { bad "re-created connection $i is served"; break; }
done
[ "$(wc -l <"$APISERVER_DIR/revoke.ms")" -eq "$ROUNDS" ] && ok "every revocation reached the sidecar"
echo "     revocation latency (kubectl delete connection -> 404): $(percentiles <"$APISERVER_DIR/revoke.ms")"

# --- admission latency: server dry runs of an annotated pod (through the webhook and its use
# checks) against an unannotated one (the reference), timed by kubectl; on the real control plane
# also as kube-apiserver sees the webhook (its histogram apiserver_admission_webhook_admission_duration_seconds) ---
: >"$APISERVER_DIR/admit.ms"; : >"$APISERVER_DIR/plain.ms"
for i in $(seq 1 "${SIDECAR_E2E_ADMISSIONS:-20}"); do
  for kind in admit plain; do
    if [ $kind = admit ]; then annotations=$annotated; else annotations='{}'; fi
    t0=$(now_ms)
    pod "dry-$kind-$i" "$annotations" | kubectl apply --dry-run=server -f - >/dev/null || { bad "dry run $kind $i"; break 2; }
    echo $(( $(now_ms) - t0 )) >>"$APISERVER_DIR/$kind.ms"
  done
done
echo "     admission (kubectl apply --dry-run=server of an injected pod): $(percentiles <"$APISERVER_DIR/admit.ms")"
echo "     reference, the same for a pod the webhook is not called for: $(percentiles <"$APISERVER_DIR/plain.ms")"
webhook_histogram() {   # p50/p99 bucket bounds and the mean of the sidecar injector's admissions
  kubectl get --raw /metrics 2>/dev/null |
    awk '/^apiserver_admission_webhook_admission_duration_seconds_(bucket|sum|count)[{].*name="sidecar-injector.dragops.io"/ {
           value = $NF
           if ($0 ~ /_bucket/) { match($0, /le="[^"]*"/); bucket[substr($0, RSTART + 4, RLENGTH - 5)] += value }
           else if ($0 ~ /_sum/) sum += value; else count += value }
         END { if (count == 0) exit 1
               printf "total %d %g\n", count, sum
               for (le in bucket) if (le != "+Inf") printf "%s %d\n", le, bucket[le] }' | sort -g -k1,1 |
    awk '$1 == "total" { count = $2; sum = $3; next }
         { if (!p50 && $2 >= count * 0.5) p50 = $1; if (!p99 && $2 >= count * 0.99) p99 = $1 }
         END { if (count == 0) exit 1
               printf "mean %.1f ms, p50 <= %g ms, p99 <= %g ms (n=%d; the bounds are the histogram buckets)", sum / count * 1000, p50 * 1000, p99 * 1000, count }'
}
if [ "$DRAGOPS_E2E_BACKEND" = real ]; then
  seen=$(webhook_histogram) && echo "     the webhook as kube-apiserver sees it: $seen" || bad "kube-apiserver reports the webhook's admission latency"
fi

# --- a sidecar that starts before its Role exists; the Role follows the pods ---
sidecar_stop
issue12_started=$(date +%s%N)
late() {   # late NAME CONNECTIONS: a pod of the ServiceAccount "late"
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: team-a\n  annotations: {dragops.io/inject: "true", dragops.io/connections: "%s"}\nspec:\n  serviceAccountName: late\n  containers: [{name: app, image: busybox}]\n' "$1" "$2"
}
late late-1 jira | kubectl apply --dry-run=server -o json -f - >"$APISERVER_DIR/late-1.json"
check "a server dry run is injected and labelled" "dragops-sidecar true" \
  "$(jq -r '"\(.spec.initContainers[0].name) \(.metadata.labels["dragops.io/injected"])"' "$APISERVER_DIR/late-1.json")"
# The stand-in kubelet starts the dry run's sidecar: its ServiceAccount has no Role, so it is refused.
SIDECAR_POD_JSON=$APISERVER_DIR/late-1.json sidecar_launch team-a late-1 || bad "the early sidecar starts"
wait_until 10 grep -q '"code":403' "$SIDECAR_DIR/sidecar.log" && ok "the sidecar started before its Role is refused (403) and retries" ||
  bad "the early sidecar is refused" "$(tail -3 "$SIDECAR_DIR/sidecar.log")"
check_empty "the dry run created no Role" "$(kubectl -n team-a get role dragops-sidecar-late -o name --ignore-not-found 2>&1)"
curl -fsS "http://127.0.0.1:$SIDECAR_HEALTH_PORT/readyz" >/dev/null 2>&1 && bad "the sidecar is ready without its Role"
applied_at=$(now_ms)
late late-1 jira | kubectl apply -f - >/dev/null
wait_until 20 kubectl -n team-a get role dragops-sidecar-late && granted_ms=$(( $(now_ms) - applied_at )) ||
  bad "the operator grants the new pod's ServiceAccount"
wait_until 20 curl -fsS "http://127.0.0.1:$SIDECAR_HEALTH_PORT/readyz" && ready_ms=$(( $(now_ms) - applied_at )) &&
  ok "the early sidecar becomes ready once the operator grants" || bad "the early sidecar becomes ready" "$(tail -3 "$SIDECAR_DIR/sidecar.log")"
echo "     kubectl apply -> Role granted: ${granted_ms:-?} ms; -> early sidecar ready: ${ready_ms:-?} ms"
check "and serves" "200 {\"name\":\"jira\"" "$(sidecar_get /v1/connections/jira)"
sidecar_stop
late_names() { kubectl -n team-a get role dragops-sidecar-late -o json 2>/dev/null | jq -r '.rules[0].resourceNames | sort | join(",")'; }
late late-2 jira,virustotal | kubectl apply -f - >/dev/null
wait_until 20 bash -c "[ \"\$(kubectl -n team-a get role dragops-sidecar-late -o jsonpath='{.rules[0].resourceNames}')\" = '[\"dragops-conn-jira\",\"dragops-conn-virustotal\"]' ]"
check "a second pod widens the Role to the union" "dragops-conn-jira,dragops-conn-virustotal" "$(late_names)"
kubectl -n team-a delete pod late-2 --wait=false >/dev/null
wait_until 20 bash -c "[ \"\$(kubectl -n team-a get role dragops-sidecar-late -o jsonpath='{.rules[0].resourceNames}')\" = '[\"dragops-conn-jira\"]' ]"
check "deleting it narrows the Role to what the remaining pod reads" "dragops-conn-jira" "$(late_names)"
kubectl -n team-a delete pod late-1 --wait=false >/dev/null
wait_until 20 bash -c "! kubectl -n team-a get role,rolebinding dragops-sidecar-late -o name 2>/dev/null | grep -q ." &&
  ok "deleting the last pod of the ServiceAccount removes its Role and RoleBinding" ||
  bad "the last pod's deletion removes the Role" "$(kubectl -n team-a get role,rolebinding dragops-sidecar-late -o name 2>&1)"
check "the other ServiceAccount's Role stays" "role.rbac.authorization.k8s.io/dragops-sidecar-default" \
  "$(kubectl -n team-a get role dragops-sidecar-default -o name 2>&1)"
issue12_ns=$(( issue12_ns + $(date +%s%N) - issue12_started ))
echo "     the issue-12 checks (least privilege, forged reviews, early sidecar, widen/narrow/delete) took $(( issue12_ns / 1000000 )) ms"

# --- issue 18: a pod reads only what its ServiceAccount may use ---
issue18_started=$(date +%s%N)
kubectl -n team-a create serviceaccount wf-a >/dev/null && kubectl -n team-a create serviceaccount wf-b >/dev/null
workflow() {   # workflow NAME SERVICEACCOUNT CONNECTIONS
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: team-a\n  annotations: {dragops.io/inject: "true", dragops.io/connections: "%s"}\nspec:\n  serviceAccountName: %s\n  containers: [{name: app, image: busybox}]\n' "$1" "$3" "$2"
}
refuse "a pod whose ServiceAccount may not use a connection is denied, naming it and what to grant" \
  'dragops: ServiceAccount "wf-a" may not use connection "jira" and connection "virustotal" in namespace "team-a": grant it the verb "use" on connections.dragops.io (resourceNames: [jira]), connections.dragops.io (resourceNames: [virustotal])' \
  kubectl apply -f - <<<"$(workflow use-a wf-a jira,virustotal)"
check_empty "and it was not created" "$(kubectl -n team-a get pod use-a -o name --ignore-not-found 2>&1)"
grant_use team-a wf-a connection jira && ok "kubectl dragops share connection jira --serviceaccount wf-a" ||
  bad "kubectl dragops share connection jira"
refuse "with one of its two connections shared, the pod is still denied, naming the other" \
  'may not use connection "virustotal" in namespace "team-a"' kubectl apply -f - <<<"$(workflow use-a wf-a jira,virustotal)"
grant_use team-a wf-a connection virustotal || bad "kubectl dragops share connection virustotal"
expect "after kubectl dragops share, the same pod is admitted" "pod/use-a created" \
  kubectl apply -f - <<<"$(workflow use-a wf-a jira,virustotal)"
wa_names() { kubectl -n team-a get role dragops-sidecar-wf-a -o json 2>/dev/null | jq -r '.rules[0].resourceNames | sort | join(",")'; }
wa_names_are() { [ "$(wa_names)" = "$1" ]; }
wait_until 20 wa_names_are dragops-conn-jira,dragops-conn-virustotal &&
  ok "the operator grants its sidecar Role what the ServiceAccount may use" || bad "the sidecar Role of wf-a" "$(wa_names)"
current_vt=$(kubectl -n team-a get secret virustotal-credentials -o jsonpath='{.data.api_key}' | base64 -d)
sidecar_start team-a use-a && check "its sidecar serves the credential" "200 $current_vt" "$(sidecar_get /v1/connections/virustotal/token)" ||
  bad "the sidecar of use-a starts" "$(tail -5 "$SIDECAR_DIR/sidecar.log")"
sidecar_stop
refuse "a second ServiceAccount of the namespace is still denied" \
  'dragops: ServiceAccount "wf-b" may not use connection "jira"' kubectl apply -f - <<<"$(workflow use-b wf-b jira)"
revoke_use team-a wf-a connection virustotal && ok "kubectl dragops unshare connection virustotal --serviceaccount wf-a" ||
  bad "kubectl dragops unshare"
wait_until 20 wa_names_are dragops-conn-jira &&
  ok "withdrawing the grant narrows the sidecar Role, with the pod still running" || bad "the Role is narrowed" "$(wa_names)"
kubectl -n team-a delete pod use-a --wait=false >/dev/null
# The chart's sharing.namespaceWide: true (--use-scope=namespace): the behaviour before issue 18.
operator_stop
OPERATOR_ARGS=(--use-scope namespace)
OPERATOR_WATCH_NAMESPACES=team-a operator_start || bad "the operator restarts with --use-scope namespace"
expect "namespace-wide use: a ServiceAccount without a grant is admitted" "pod/use-b created" \
  kubectl apply -f - <<<"$(workflow use-b wf-b jira)"
wb_grants_jira() { [ "$(kubectl -n team-a get role dragops-sidecar-wf-b -o jsonpath='{.rules[0].resourceNames}' 2>/dev/null)" = '["dragops-conn-jira"]' ]; }
wait_until 20 wb_grants_jira && ok "and its sidecar Role grants the name" ||
  bad "namespace-wide: the Role of wf-b" "$(kubectl -n team-a get role dragops-sidecar-wf-b -o json 2>&1 | head -20)"
kubectl -n team-a delete pod use-b --wait=false >/dev/null
issue18_ms=$(( ($(date +%s%N) - issue18_started) / 1000000 ))
echo "     the issue-18 checks (denial, share, second ServiceAccount, unshare narrows, namespace-wide) took $issue18_ms ms"

# --- the API server goes away: last known values until the bound, then 503 ---
sidecar_stop
SIDECAR_EXTRA_ENV="DRAGOPS_STALE_AFTER=4s" sidecar_start team-a run-1 || bad "the sidecar restarts"
check "served before the API server stops" "200" "$(sidecar_get /v1/secrets/db-password)"
operator_stop
# With no operator to answer, failurePolicy Fail refuses only the pods the webhook's
# matchConditions send it (dragops.io/inject: "true"); every other pod is admitted.
expect "with the operator stopped, an unannotated pod is still admitted" "pod/no-operator-plain created" \
  kubectl apply -f - <<<"$(pod no-operator-plain '{}')"
expect "with the operator stopped, a pod annotated dragops.io/inject: \"false\" is still admitted" \
  "pod/no-operator-false created" kubectl apply -f - <<<"$(pod no-operator-false '{dragops.io/inject: "false"}')"
refuse "with the operator stopped, an annotated pod is refused" 'failed calling webhook' \
  kubectl apply -f - <<<"$(pod no-operator-annotated "$annotated")"
# Timed from the kill: the sidecar cannot notice earlier, while the server's own exit (slow under
# ASan's leak check) may end well after its connections dropped.
stopped_at=$(now_ms)
kill -TERM "$APISERVER_PID"; wait "$APISERVER_PID" 2>/dev/null
# The bound runs from the moment the sidecar notices; check right after it has noticed.
wait_until 5 bash -c "curl -s http://127.0.0.1:$SIDECAR_HEALTH_PORT/metrics | grep -q '^dragops_sidecar_api_reachable 0'" &&
  ok "metrics say the API server is unreachable" || bad "metrics say the API server is unreachable"
check "last known values are served within the bound" "200 {\"name\":\"db-password\"" "$(sidecar_get /v1/secrets/db-password)"
wait_answer /v1/secrets/db-password '503 {"error":{"code":"stale"' && ok "after the bound the sidecar answers 503 stale" ||
  bad "after the bound the sidecar answers 503 stale" "$(sidecar_get /v1/secrets/db-password)"
stale_ms=$(( $(now_ms) - stopped_at ))
echo "     stale after: $stale_ms ms (bound 4000 ms)"
[ "$stale_ms" -ge 3900 ] && ok "503 does not come before the bound" || bad "503 came before the bound" "$stale_ms ms"
grep -q '"level":"warn".*DRAGOPS_STALE_AFTER' "$SIDECAR_DIR/sidecar.log" && ok "the sidecar logs a warning" ||
  bad "the sidecar logs a warning"
sidecar_stop

# --- canaries ---
leaks=$(grep -l -e "$CANARY_VT" -e "$CANARY_JIRA" -e "$CANARY_DB" "$APISERVER_DIR"/operator.log "$APISERVER_DIR"/sidecar-*/sidecar.log 2>/dev/null)
[ -z "$leaks" ] && ok "no canary in the operator's or the sidecar's logs" || bad "no canary in the logs" "$leaks"
# (The sidecar started before its Role was refused on purpose; the last one started must not be.)
denials=$(grep -h 'is forbidden' "$APISERVER_DIR/operator.log" "$SIDECAR_DIR/sidecar.log" | head -5)
[ -z "$denials" ] && ok "neither the operator nor the sidecar was refused by RBAC" || bad "no RBAC refusals" "$denials"
grep -q '"msg":"audit"' "$APISERVER_DIR"/sidecar-*/sidecar.log && ok "the sidecar writes audit lines" || bad "audit lines"

echo "sidecar e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
