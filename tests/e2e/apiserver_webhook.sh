#!/usr/bin/env bash
# Mutating (and validating) admission webhooks of the local API server against a real TLS
# webhook: JSON patches applied, namespaceSelector, objectSelector, denial messages,
# failurePolicy Fail/Ignore, timeouts, service references called at the Service's ClusterIP, and
# Endpoints refusing loopback addresses.
# ctest-timeout: 300
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/apiserver.sh"
webhook_py="$here/../apiserver/testdata/webhook_server.py"

source "$here/lib/checks.sh"
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "'$2' != '$3'"; fi; }

apiserver_start || exit 1
certs="$APISERVER_DIR/webhook-certs"
mkdir -p "$certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=webhook-test-ca \
  -keyout "$certs/ca.key" -out "$certs/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=hook.hooks.svc \
  -keyout "$certs/tls.key" -out "$certs/tls.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:hook.hooks.svc\n' >"$certs/ext"
openssl x509 -req -in "$certs/tls.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" -CAcreateserial -days 1 \
  -extfile "$certs/ext" -out "$certs/tls.crt" 2>/dev/null
ca_bundle=$(base64 -w0 <"$certs/ca.crt")

python3 "$webhook_py" "$certs/tls.crt" "$certs/tls.key" >"$certs/port" 2>"$certs/webhook.log" &
webhook_pid=$!
trap 'kill $webhook_pid 2>/dev/null; apiserver_cleanup' EXIT
wait_until 10 test -s "$certs/port" || { echo "webhook server did not start"; cat "$certs/webhook.log"; exit 1; }
port=$(cat "$certs/port")
# A port that nothing listens on (bound and released right away).
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

k() { kubectl --request-timeout=30s "$@"; }
k create namespace hooked >/dev/null && k label namespace hooked webhook=on >/dev/null
k create namespace plain >/dev/null
k create namespace hooks >/dev/null

hook() {  # name path failurePolicy timeoutSeconds namespaceLabel [clientConfig]
  local client=${6:-"url: https://127.0.0.1:$port$2"}
  cat <<YAML
  - name: $1
    clientConfig:
      $client
      caBundle: $ca_bundle
    rules:
      - operations: ["CREATE"]
        apiGroups: [""]
        apiVersions: ["v1"]
        resources: ["pods"]
    namespaceSelector:
      matchLabels: {webhook: "$5"}
    objectSelector:
      matchExpressions: [{key: skip, operator: DoesNotExist}]
    failurePolicy: $3
    timeoutSeconds: $4
    sideEffects: None
    admissionReviewVersions: ["v1"]
YAML
}
pod() {  # namespace name [labels-json]
  k -n "$1" apply -f - <<JSON
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$2","labels":${3:-{\}}},"spec":{"containers":[{"name":"c","image":"busybox:1.36"}]}}
JSON
}

{ echo "apiVersion: admissionregistration.k8s.io/v1"; echo "kind: MutatingWebhookConfiguration";
  echo "metadata: {name: mutate-pods}"; echo "webhooks:"; hook mutate.example.test /mutate Fail 5 on; } | k apply -f - >/dev/null

pod hooked p1 >/dev/null
same "a matching pod is mutated by the webhook's JSON patch" "yes" "$(k -n hooked get pod p1 -o jsonpath='{.metadata.labels.mutated}')"
same "the AdmissionReview carries the operation" "CREATE" "$(k -n hooked get pod p1 -o jsonpath='{.metadata.annotations.seen/operation}')"
same "the AdmissionReview carries the namespace" "hooked" "$(k -n hooked get pod p1 -o jsonpath='{.metadata.annotations.seen/namespace}')"
same "the AdmissionReview carries kind and resource" "Pod pods" "$(k -n hooked get pod p1 -o jsonpath='{.metadata.annotations.seen/kind} {.metadata.annotations.seen/resource}')"
same "the AdmissionReview carries userInfo" "admin" "$(k -n hooked get pod p1 -o jsonpath='{.metadata.annotations.seen/user}')"
k --as alice --as-group system:masters -n hooked apply -f - >/dev/null <<'JSON'
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"by-alice"},"spec":{"containers":[{"name":"c","image":"busybox:1.36"}]}}
JSON
same "the AdmissionReview carries the impersonated user and groups" "alice system:masters,system:authenticated" \
  "$(k -n hooked get pod by-alice -o jsonpath='{.metadata.annotations.seen/user} {.metadata.annotations.seen/groups}')"
out=$(k -n hooked create --dry-run=server -o jsonpath='{.metadata.annotations.seen/dry-run}' -f - <<<'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dry"},"spec":{"containers":[{"name":"c","image":"x:1"}]}}')
same "a server-side dry run reaches the webhook with dryRun true" "true" "$out"
pod plain p2 >/dev/null
same "namespaceSelector: pods elsewhere are not mutated" "" "$(k -n plain get pod p2 -o jsonpath='{.metadata.labels.mutated}')"
pod hooked p3 '{"skip":"yes"}' >/dev/null
same "objectSelector: excluded pods are not mutated" "" "$(k -n hooked get pod p3 -o jsonpath='{.metadata.labels.mutated}')"
k -n hooked create configmap c1 >/dev/null
same "rules: other resources are not sent" "" "$(k -n hooked get configmap c1 -o jsonpath='{.metadata.labels.mutated}')"

# Denial, with kube's message.
k create namespace guarded >/dev/null && k label namespace guarded webhook=deny >/dev/null
{ echo "apiVersion: admissionregistration.k8s.io/v1"; echo "kind: MutatingWebhookConfiguration";
  echo "metadata: {name: deny-pods}"; echo "webhooks:"; hook deny.example.test /deny Fail 5 deny; } | k apply -f - >/dev/null
refuse "a denial is refused with the webhook's message" 'admission webhook "deny.example.test" denied the request: pods named bad are not allowed' pod guarded bad1
refuse "nothing is stored for a denied request" 'not found' k -n guarded get pod bad1
pod guarded good1 >/dev/null && ok "allowed pods pass the denying webhook" || bad "allowed pods pass the denying webhook"

# Validating webhooks run after mutation and validation; they can refuse but not change: one
# that answers with a patch fails the call (kube's VerifyAdmissionResponse), and failurePolicy decides.
k create namespace validated >/dev/null && k label namespace validated webhook=validate >/dev/null
{ echo "apiVersion: admissionregistration.k8s.io/v1"; echo "kind: ValidatingWebhookConfiguration";
  echo "metadata: {name: validate-pods}"; echo "webhooks:"; hook validate-deny.example.test /deny Fail 5 validate; } | k apply -f - >/dev/null
refuse "a validating webhook refuses with its message" 'admission webhook "validate-deny.example.test" denied the request: pods named bad are not allowed' pod validated bad2
{ echo "apiVersion: admissionregistration.k8s.io/v1"; echo "kind: ValidatingWebhookConfiguration";
  echo "metadata: {name: validate-mutate}"; echo "webhooks:"; hook validate-mutate.example.test /mutate Fail 5 validate; } | k apply -f - >/dev/null
refuse "a validating webhook that answers with a patch fails the call" \
  'failed calling webhook "validate-mutate.example.test": received invalid webhook response: validating webhook may not return response.patch' pod validated fine
k patch validatingwebhookconfiguration validate-mutate --type json -p '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]' >/dev/null
pod validated fine >/dev/null
same "with failurePolicy Ignore the request passes, and the patch is not applied" "" "$(k -n validated get pod fine -o jsonpath='{.metadata.labels.mutated}')"

# failurePolicy: an unreachable webhook.
k create namespace broken >/dev/null && k label namespace broken webhook=broken >/dev/null
{ echo "apiVersion: admissionregistration.k8s.io/v1"; echo "kind: MutatingWebhookConfiguration";
  echo "metadata: {name: unreachable}"; echo "webhooks:";
  hook unreachable-fail.example.test /mutate Fail 2 broken "url: https://127.0.0.1:$closed_port/mutate"; } | k apply -f - >/dev/null
refuse "failurePolicy Fail refuses when the webhook cannot be called" 'failed calling webhook "unreachable-fail.example.test"' pod broken p4
k patch mutatingwebhookconfiguration unreachable --type json -p '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]' >/dev/null
pod broken p4 >/dev/null && ok "failurePolicy Ignore lets the request through" || bad "failurePolicy Ignore lets the request through"

# Timeouts.
k create namespace slow >/dev/null && k label namespace slow webhook=slow >/dev/null
{ echo "apiVersion: admissionregistration.k8s.io/v1"; echo "kind: MutatingWebhookConfiguration";
  echo "metadata: {name: slow}"; echo "webhooks:"; hook slow.example.test /slow Fail 1 slow; } | k apply -f - >/dev/null
start=$SECONDS
refuse "a webhook slower than timeoutSeconds fails the request" 'context deadline exceeded' pod slow p5
if [ $((SECONDS - start)) -lt 3 ]; then ok "the timeout is honoured"; else bad "the timeout is honoured" "took $((SECONDS - start))s"; fi
k patch mutatingwebhookconfiguration slow --type json -p '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]' >/dev/null
pod slow p5 >/dev/null && ok "a timed-out webhook with failurePolicy Ignore is skipped" || bad "a timed-out webhook with failurePolicy Ignore is skipped"

# A service reference is called where kube-apiserver's default service resolver sends it: the
# Service's ClusterIP and the service port (443), not its targetPort, and not through Endpoints.
# Without kube-proxy a ClusterIP is dialable only as a local address: both test API servers give
# Services ClusterIPs from a loopback range (127.R.0.0/16), and a second webhook server listens on
# <ClusterIP>:443 itself. TLS is checked as hook.hooks.svc.
k -n hooks apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: hook}
spec:
  ports: [{name: https, port: 443, targetPort: 8443}]
YAML
cluster_ip=$(k -n hooks get service hook -o jsonpath='{.spec.clusterIP}')
if [[ $cluster_ip == 127.* ]]; then ok "the Service has a ClusterIP in the loopback range ($cluster_ip)"
else bad "the Service has a ClusterIP in the loopback range" "clusterIP: '$cluster_ip'"; fi
python3 "$webhook_py" "$certs/tls.crt" "$certs/tls.key" "$cluster_ip" 443 >"$certs/service-port" 2>"$certs/service-webhook.log" &
service_webhook_pid=$!
trap 'kill $webhook_pid $service_webhook_pid 2>/dev/null; apiserver_cleanup' EXIT
wait_until 10 test -s "$certs/service-port" || { echo "webhook server on $cluster_ip:443 did not start"; cat "$certs/service-webhook.log"; }
k create namespace viaservice >/dev/null && k label namespace viaservice webhook=svc >/dev/null
{ echo "apiVersion: admissionregistration.k8s.io/v1"; echo "kind: MutatingWebhookConfiguration";
  echo "metadata: {name: via-service}"; echo "webhooks:";
  hook service.example.test /mutate Fail 5 svc "service: {name: hook, namespace: hooks, path: /mutate, port: 443}"; } | k apply -f - >/dev/null
pod viaservice p6 >/dev/null
same "a service reference reaches the webhook at the Service's ClusterIP and port" "yes $cluster_ip:443" \
  "$(k -n viaservice get pod p6 -o jsonpath='{.metadata.labels.mutated} {.metadata.annotations.seen/address}')"

# What the resolver refuses, with kube's messages: a service port that does not exist, a headless
# Service, a missing Service.
k -n hooks apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: headless}
spec:
  clusterIP: None
  ports: [{port: 443}]
YAML
k create namespace unroutable >/dev/null && k label namespace unroutable webhook=unroutable >/dev/null
unroutable() {  # clientConfig.service
  { echo "apiVersion: admissionregistration.k8s.io/v1"; echo "kind: MutatingWebhookConfiguration";
    echo "metadata: {name: unroutable}"; echo "webhooks:"; hook unroutable.example.test /mutate Fail 5 unroutable "service: $1"; } |
    k apply -f - >/dev/null
}
unroutable "{name: hook, namespace: hooks, path: /mutate, port: 8443}"
refuse_within 10 "a service port the Service does not have is refused" \
  'failed calling webhook "unroutable.example.test": failed to call webhook: Post "https://hook.hooks.svc:8443/mutate?timeout=5s": no service port 8443 found for service "hook"' \
  pod unroutable p8
unroutable "{name: headless, namespace: hooks, path: /mutate}"
refuse_within 10 "a headless Service cannot be routed to" 'Post "https://headless.hooks.svc:443/mutate?timeout=5s": cannot route to service with ClusterIP "None"' \
  pod unroutable p8
unroutable "{name: nothing, namespace: hooks, path: /mutate}"
refuse_within 10 "a missing Service is refused" 'Post "https://nothing.hooks.svc:443/mutate?timeout=5s": service "nothing" not found' pod unroutable p8
k delete mutatingwebhookconfiguration unroutable >/dev/null

# Nor can a Service be pointed at a loopback address through its Endpoints: kube refuses loopback
# (and link-local and unspecified) endpoint addresses.
refuse "an Endpoints at a loopback address is refused" \
  'The Endpoints "hook" is invalid: subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)' \
  k -n hooks apply -f - <<YAML
apiVersion: v1
kind: Endpoints
metadata: {name: hook}
subsets:
  - addresses: [{ip: 127.0.0.1}]
    ports: [{name: https, port: 8443}]
YAML

# A caBundle that does not sign the webhook's certificate is a call failure.
other_ca=$(base64 -w0 <"$APISERVER_DIR/ca.crt")
k create namespace untrusted >/dev/null && k label namespace untrusted webhook=untrusted >/dev/null
{ echo "apiVersion: admissionregistration.k8s.io/v1"; echo "kind: MutatingWebhookConfiguration";
  echo "metadata: {name: untrusted}"; echo "webhooks:"; hook untrusted.example.test /mutate Fail 5 untrusted | sed "s|caBundle: .*|caBundle: $other_ca|"; } | k apply -f - >/dev/null
refuse "a certificate not signed by caBundle is refused" 'failed calling webhook "untrusted.example.test"' pod untrusted p7

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
