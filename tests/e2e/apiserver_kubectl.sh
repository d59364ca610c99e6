#!/usr/bin/env bash
# The local API server driven by the real kubectl: namespaces, CRDs and their objects, printer
# columns, watch, idempotent apply, patches, finalizers, wait, explain, validation messages,
# selectors, categories, pagination, server-side dry run, secrets, events and describe.
# ctest-timeout: 300
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/apiserver.sh"
testdata="$here/../apiserver/testdata"

source "$here/lib/checks.sh"

same() {
  local what=$1 a=$2 b=$3
  if [ "$a" = "$b" ]; then ok "$what"; else bad "$what" "'$a' != '$b'"; fi
}

apiserver_start || exit 1
k() { kubectl --request-timeout=20s "$@"; }

# The local server says it is 1.32; the real one is the pinned release.
if backend_is_real; then server_version=$(cat "$here/../kube/upstream/KUBERNETES_VERSION"); else server_version=v1.32; fi
expect "the server answers /version" "Server Version: $server_version" k version
expect "a namespace is created" "namespace/e2e created" k create namespace e2e
expect "namespaces carry the metadata.name label" "kubernetes.io/metadata.name" k get ns e2e --show-labels
refuse "objects in a missing namespace are refused" 'namespaces "nowhere" not found' k -n nowhere create configmap c --from-literal=a=b

expect "the CRD is created" "created" k apply -f "$testdata/widgets-crd.yaml"
expect "the CRD is established" "condition met" k wait --for=condition=Established crd/widgets.example.test --timeout=10s
expect "objects of the CRD are created" "widget.example.test/gamma created" k -n e2e apply -f "$testdata/widgets.yaml"
expect "kubectl get shows the printer columns" "NAME    SIZE    REPLICAS   READY   AGE" k -n e2e get widgets
expect "integer columns and defaults are shown" "alpha   small   1" k -n e2e get widgets
expect "short names resolve" "beta" k -n e2e get wd
expect "categories resolve" "widget.example.test/alpha" k -n e2e get examples -o name
expect "api-resources lists short names and categories" "widgets   wd" k api-resources --categories=examples
expect "api-resources lists built-in short names" "cm" k api-resources --api-group=
rv1=$(k -n e2e get wd alpha -o jsonpath='{.metadata.resourceVersion}')
expect "applying the same file again changes nothing" "widget.example.test/alpha unchanged" k -n e2e apply -f "$testdata/widgets.yaml"
rv2=$(k -n e2e get wd alpha -o jsonpath='{.metadata.resourceVersion}')
same "an unchanged apply does not bump resourceVersion" "$rv1" "$rv2"

# kubectl get -w sees a change made while it watches.
watch_out="$APISERVER_DIR/watch.out"
timeout 20 kubectl -n e2e get wd -w >"$watch_out" 2>&1 &
watch_pid=$!
wait_until 10 grep -q gamma "$watch_out" || bad "the watch lists the objects first" "$(cat "$watch_out")"
k -n e2e patch wd gamma --type merge -p '{"spec":{"replicas":7}}' >/dev/null
if wait_until 10 grep -qE 'gamma +large +7' "$watch_out"; then ok "kubectl get -w sees a change"; else bad "kubectl get -w sees a change" "$(cat "$watch_out")"; fi
kill "$watch_pid" 2>/dev/null; wait "$watch_pid" 2>/dev/null

expect "a merge patch applies" "patched" k -n e2e patch wd alpha --type merge -p '{"spec":{"replicas":4}}'
same "a spec change bumps generation" "2" "$(k -n e2e get wd alpha -o jsonpath='{.metadata.generation}')"
expect "a JSON patch with a passing test applies" "patched" k -n e2e patch wd alpha --type json -p '[{"op":"test","path":"/spec/replicas","value":4},{"op":"add","path":"/spec/color","value":"blue"}]'
refuse "a JSON patch with a failing test is refused as kube does" "the server rejected our request due to an error in our request" k -n e2e patch wd alpha --type json -p '[{"op":"test","path":"/spec/replicas","value":5}]'
same "a refused patch changes nothing" "blue" "$(k -n e2e get wd alpha -o jsonpath='{.spec.color}')"
refuse "strategic merge patch is refused for custom resources" "application/strategic-merge-patch+json is not supported" k -n e2e patch wd alpha --type strategic -p '{"spec":{"replicas":3}}'

generation=$(k -n e2e get wd alpha -o jsonpath='{.metadata.generation}')
expect "a status patch applies through the subresource" "patched" k -n e2e patch wd alpha --subresource=status --type merge -p '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Tested"}]}}'
same "a status change does not bump generation" "$generation" "$(k -n e2e get wd alpha -o jsonpath='{.metadata.generation}')"
expect "kubectl wait sees the condition" "condition met" k -n e2e wait --for=condition=Ready wd/alpha --timeout=10s
expect "the Ready column shows the condition" "True" k -n e2e get wd alpha
k -n e2e patch wd alpha --type merge -p '{"status":{"phase":"Ignored"}}' >/dev/null
same "status written through the main endpoint is ignored" "" "$(k -n e2e get wd alpha -o jsonpath='{.status.phase}')"

# Finalizers hold a deletion until they are removed.
k -n e2e patch wd beta --type merge -p '{"metadata":{"finalizers":["example.test/hold"]}}' >/dev/null
expect "deleting an object with a finalizer is accepted" "deleted" k -n e2e delete wd beta --wait=false
ts=$(k -n e2e get wd beta -o jsonpath='{.metadata.deletionTimestamp}')
if [ -n "$ts" ]; then ok "the object stays with a deletionTimestamp"; else bad "the object stays with a deletionTimestamp" "none"; fi
refuse "no new finalizers once deleting" "no new finalizers can be added if the object is being deleted" k -n e2e patch wd beta --type merge -p '{"metadata":{"finalizers":["example.test/hold","example.test/more"]}}'
k -n e2e patch wd beta --type json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
refuse "removing the last finalizer deletes the object" 'widgets.example.test "beta" not found' k -n e2e get wd beta

expect "kubectl explain shows CRD field descriptions" "How big the widget is." k explain widgets.spec
expect "kubectl explain shows enums" "small" k explain widgets.spec.size
expect "kubectl explain works for core kinds" "Data contains the secret data" k explain secrets.data

invalid=$(cat <<'YAML'
apiVersion: example.test/v1
kind: Widget
metadata: {name: broken}
spec: {size: huge, replicas: 20}
YAML
)
refuse "an enum violation is refused like kube" 'The Widget "broken" is invalid' k -n e2e apply -f - <<<"$invalid"
refuse "the enum message names the supported values" 'spec.size: Unsupported value: "huge": supported values: "small", "large"' k -n e2e apply -f - <<<"$invalid"
refuse "the maximum message is kube's" 'spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10' k -n e2e apply -f - <<<"$invalid"
refuse "a missing required field is refused" 'spec.size: Required value' k -n e2e apply -f - <<<'{"apiVersion":"example.test/v1","kind":"Widget","metadata":{"name":"broken"},"spec":{"replicas":1}}'
refuse "a bad email format is refused" 'spec.owner in body must be of type email' k -n e2e apply -f - <<<'{"apiVersion":"example.test/v1","kind":"Widget","metadata":{"name":"broken"},"spec":{"size":"small","owner":"nobody"}}'
refuse "unknown fields are refused under strict validation" 'strict decoding error: unknown field "spec.foo"' k -n e2e apply -f - <<<'{"apiVersion":"example.test/v1","kind":"Widget","metadata":{"name":"broken"},"spec":{"size":"small","foo":1}}'
refuse "nothing was stored by refused requests" 'not found' k -n e2e get wd broken
expect "an invalid name is refused" "a lowercase RFC 1123 subdomain" bash -c "! kubectl -n e2e create configmap Bad_Name --from-literal=a=b 2>&1"

expect "secrets are created from literals" "secret/s1 created" k -n e2e create secret generic s1 --from-literal=k=v
expect "typed secrets are created" "secret/s2 created" k -n e2e create secret generic s2 --type=example.test/token --from-literal=k=v
out=$(k -n e2e get secrets --field-selector type=Opaque -o name)
same "the type field selector selects Opaque secrets" "secret/s1" "$out"
expect "secrets print TYPE and DATA" "example.test/token" k -n e2e get secrets
expect "stringData is merged into data" "djI=" bash -c "kubectl -n e2e apply -f - -o jsonpath='{.data.k2}' <<<'{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s3\"},\"stringData\":{\"k2\":\"v2\"}}'"

same "equality label selectors" "widget.example.test/gamma" "$(k -n e2e get wd -l tier=back -o name)"
same "set label selectors" "widget.example.test/alpha" "$(k -n e2e get wd -l 'tier in (front)' -o name)"
same "inequality label selectors" "widget.example.test/alpha" "$(k -n e2e get wd -l 'tier!=back' -o name)"
same "existence label selectors" "" "$(k -n e2e get wd -l '!tier' -o name 2>/dev/null)"

for n in d1 d2 d3 d4; do k -n e2e apply -f - >/dev/null <<<"{\"apiVersion\":\"example.test/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"$n\"},\"spec\":{\"size\":\"small\"}}"; done
out=$(kubectl -n e2e get wd --chunk-size=2 -v=6 2>&1)
if [[ "$out" == *"limit=2"* && "$out" == *"continue="* && "$out" == *"d4"* && "$out" == *"alpha"* ]]; then ok "pagination with --chunk-size=2"; else bad "pagination with --chunk-size=2" "$out"; fi
same "pagination returns every object once" "6" "$(k -n e2e get wd --chunk-size=2 -o name | sort -u | wc -l)"

expect "server-side dry run returns the object" "created (server dry run)" k -n e2e create configmap dry --from-literal=a=b --dry-run=server
refuse "server-side dry run stores nothing" 'configmaps "dry" not found' k -n e2e get configmap dry
expect "server-side dry run of a delete" "(server dry run)" k -n e2e delete wd d1 --dry-run=server
expect "the dry-run-deleted object is still there" "d1" k -n e2e get wd d1

uid=$(k -n e2e get wd alpha -o jsonpath='{.metadata.uid}')
k -n e2e create -f - >/dev/null <<YAML
apiVersion: v1
kind: Event
metadata: {name: alpha.e2e}
involvedObject: {apiVersion: example.test/v1, kind: Widget, name: alpha, namespace: e2e, uid: $uid}
reason: Tested
message: hello from the e2e test
type: Normal
source: {component: e2e}
YAML
expect "kubectl get events lists the event" "hello from the e2e test" k -n e2e get events
expect "kubectl describe shows the object's events" "hello from the e2e test" k -n e2e describe wd alpha

expect "fieldValidation=Warn prunes unknown fields with a warning" 'Warning: unknown field "spec.foo"' k -n e2e apply --validate=warn -f - <<<'{"apiVersion":"example.test/v1","kind":"Widget","metadata":{"name":"warned"},"spec":{"size":"small","foo":1}}'
same "the unknown field was pruned" "" "$(k -n e2e get wd warned -o jsonpath='{.spec.foo}')"

# Raw HTTP: bad bodies get Status errors and change nothing.
raw() {  # METHOD PATH CONTENT-TYPE BODY-FILE -> "<http code> <reason>"
  rm -f "$APISERVER_DIR/raw.out"
  curl -sS --cacert "$APISERVER_DIR/ca.crt" -H "Authorization: Bearer $(cat "$APISERVER_DIR/token")" \
    -H "Content-Type: $3" -X "$1" --data-binary "@$4" -o "$APISERVER_DIR/raw.out" -w '%{http_code}' "$APISERVER_URL$2"
  printf ' %s' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("reason",""))' "$APISERVER_DIR/raw.out" 2>/dev/null)"
}
# What is stored, item by item: the list's own resourceVersion would not do, as kube-apiserver's
# is etcd's revision, which any write anywhere (a controller's Lease) moves.
configmaps() { k get configmaps -n e2e -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}'; }
before=$(configmaps)
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"' >"$APISERVER_DIR/broken.json"
same "malformed JSON is a 400 BadRequest" "400 BadRequest" "$(raw POST /api/v1/namespaces/e2e/configmaps application/json "$APISERVER_DIR/broken.json")"
printf 'metadata: {name: [x\n' >"$APISERVER_DIR/broken.yaml"
same "malformed YAML is a 400 BadRequest" "400 BadRequest" "$(raw POST /api/v1/namespaces/e2e/configmaps application/yaml "$APISERVER_DIR/broken.yaml")"
printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}' >"$APISERVER_DIR/wrong.json"
same "a body of the wrong kind is a 400 BadRequest" "400 BadRequest" "$(raw POST /api/v1/namespaces/e2e/configmaps application/json "$APISERVER_DIR/wrong.json")"
same "an unsupported content type is a 415" "415 UnsupportedMediaType" "$(raw POST /api/v1/namespaces/e2e/configmaps text/plain "$APISERVER_DIR/wrong.json")"
head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$APISERVER_DIR/huge.json"
# kube-apiserver answers 413 and closes the connection while the client still sends, so the
# Status it wrote may not arrive: only the code is compared.
huge=$(raw POST /api/v1/namespaces/e2e/configmaps application/json "$APISERVER_DIR/huge.json")
same "a body over 3 MiB is a 413" "413" "${huge%% *}"
same "bad input changed nothing" "$before" "$(configmaps)"

expect "deleting the namespace is accepted" "deleted" k delete namespace e2e --wait=false
if wait_until 10 bash -c "! kubectl get ns e2e"; then ok "the namespace and its contents go away"; else bad "the namespace and its contents go away" "$(kubectl get ns e2e 2>&1)"; fi
same "no widget is left" "" "$(k get wd -A -o name 2>/dev/null)"

expect "deleting the CRD is accepted" "deleted" k delete crd widgets.example.test
refuse "the CRD's resource is no longer served" "the server could not find the requested resource" k get widgets

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
