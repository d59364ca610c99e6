#!/usr/bin/env bash
# The real helm drives the chart against the local API server (tests/apiserver): `helm install`
# creates the CRDs from crds/ and every template and prints the NOTES; `helm upgrade` changes the
# Deployment and keeps the caBundle the operator patched into the webhook configuration (the chart
# never renders it); `helm uninstall` removes the chart's objects and keeps the CRDs and the
# custom resources.
#
# helm validates every object against the server's OpenAPI schema (no --disable-openapi-validation),
# and `helm template --validate` and `helm upgrade --dry-run=server` run against it (they check
# little here: see docs/install.md; chart_apply.sh has the server validate every object).
# `helm upgrade` also changes a field of the webhook (merged by name, caBundle kept), and
# `helm uninstall` purges the release history (client-go sends that DELETE's options as protobuf).
# Needs DRAGOPS_APISERVER_BINARY (tests/e2e/CMakeLists.txt sets it).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart="$repo/charts/dragops"
# shellcheck source=lib/apiserver.sh
source "$repo/tests/e2e/lib/apiserver.sh"
helm=$("$repo/tests/tools/fetch-tools.sh" helm | awk '$1 == "helm" { print $2 }')
readonly kNamespace=dragops-system
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
k() { kubectl --request-timeout=20s "$@"; }
h() { "$helm" "$@" --namespace "$kNamespace" 2> >(grep -v 'found symbolic link in path' >&2); }

apiserver_start
echo "API server $APISERVER_URL"
export HELM_CACHE_HOME="$APISERVER_DIR/helm/cache" HELM_CONFIG_HOME="$APISERVER_DIR/helm/config" \
  HELM_DATA_HOME="$APISERVER_DIR/helm/data"

echo "--- helm install"
if ! out=$(h install dragops "$chart" --create-namespace 2>&1); then
  echo "$out"; echo "chart_helm: helm install failed"; exit 1
fi
grep -q '^STATUS: deployed$' <<<"$out" || fail "helm install did not report STATUS: deployed"
grep -qF 'kubectl -n dragops-system rollout status deployment/dragops-operator' <<<"$out" || fail "NOTES lack the rollout step"
grep -qF 'kubectl -n team-a get connections' <<<"$out" || fail "NOTES lack the status step"
grep -qF 'dragops.io/connections: "jira"' <<<"$out" || fail "NOTES lack the pod annotations"
grep -qF 'port-forward service/dragops-dashboard 8080:80' <<<"$out" || fail "NOTES lack the dashboard's port-forward"
for f in "$repo"/crds/*.yaml; do
  crd=$(awk '/^metadata:/ { m = 1; next } m && /^  name:/ { print $2; exit }' "$f")
  k get crd "$crd" >/dev/null 2>&1 || fail "helm install did not create the CRD $crd from crds/"
done
manifest_objects=$(h get manifest dragops | grep -c '^kind: ')
stored=$(h get manifest dragops | k get -f - -o name | wc -l)
[ "$stored" -eq "$manifest_objects" ] || fail "the server holds $stored of the release's $manifest_objects objects"
[ "$(k get integrationpacks -o name | wc -l)" -eq "$(ls "$repo"/packs/*.yaml | wc -l)" ] || fail "not one IntegrationPack per file in packs/"
echo "ok   installed: $manifest_objects objects, $(ls "$repo"/crds/*.yaml | wc -l) CRDs, NOTES"

echo "--- helm template --validate and helm upgrade --dry-run=server against the API server"
for values in "$chart"/ci/default-values.yaml "$chart"/ci/metrics-off-values.yaml "$chart"/ci/restricted-namespaces-values.yaml; do
  set_name=$(basename "$values" -values.yaml)
  if [ "$set_name" = restricted-namespaces ]; then
    printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team-b}\n' | k apply -f - >/dev/null
  fi
  out=$(h template dragops "$chart" --validate -f "$values" 2>&1 >/dev/null) || fail "helm template --validate -f $set_name: $out"
  out=$(h upgrade dragops "$chart" --dry-run=server -f "$values" 2>&1) || fail "helm upgrade --dry-run=server -f $set_name: $out"
done
[ "$(h history dragops -o json | grep -o '"revision":[0-9]*' | tail -1)" = '"revision":1' ] || fail "a dry run made a revision"
echo "ok   validated by the server: default, metrics-off, restricted-namespaces"

echo "--- the operator patches caBundle; helm upgrade keeps it"
k patch mutatingwebhookconfiguration dragops-sidecar-injector --type json \
  -p '[{"op":"add","path":"/webhooks/0/clientConfig/caBundle","value":"Q0EgYnVuZGxl"}]' >/dev/null
if ! out=$(h upgrade dragops "$chart" --set logLevel=debug --set replicaCount=3 --set webhook.timeoutSeconds=7 2>&1); then
  fail "helm upgrade failed:"; echo "$out"
fi
[ "$(k -n "$kNamespace" get deployment dragops-operator -o jsonpath='{.spec.replicas}')" = 3 ] || fail "upgrade did not scale to 3"
k -n "$kNamespace" get deployment dragops-operator -o jsonpath='{.spec.template.spec.containers[0].args}' |
  grep -qF -- '--log-level=debug' || fail "upgrade did not pass --log-level=debug"
[ "$(k get mutatingwebhookconfiguration dragops-sidecar-injector -o jsonpath='{.webhooks[0].clientConfig.caBundle}')" = Q0EgYnVuZGxl ] ||
  fail "helm upgrade dropped the caBundle the operator patched in"
[ "$(k get mutatingwebhookconfiguration dragops-sidecar-injector -o jsonpath='{.webhooks[0].timeoutSeconds}')" = 7 ] ||
  fail "helm upgrade did not change the webhook's timeoutSeconds"
[ "$(h history dragops -o json | grep -o '"revision":[0-9]*' | tail -1)" = '"revision":2' ] || fail "no revision 2 after the upgrade"
echo "ok   upgraded to revision 2; webhook timeout changed, caBundle kept"

echo "--- with no operator replica answering, Connections cannot be created (failurePolicy Fail)"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n' | k apply -f - >/dev/null
connection='apiVersion: dragops.io/v1alpha1\nkind: Connection\nmetadata: {name: jira, namespace: team-a}\nspec: {pack: jira, credentialsRef: {name: jira-credentials}}\n'
# No kubelet runs the operator here: the resource admission webhooks cannot be called.
if out=$(printf "$connection" | k apply -f - 2>&1); then
  fail "a Connection was admitted while no operator serves the resource webhooks"
else
  grep -q 'failed calling webhook "owner.resources.dragops.io"' <<<"$out" ||
    fail "the refusal does not name the owner webhook: $out"
fi
echo "ok   a Connection is refused while the operator is down: $(head -1 <<<"$out" | cut -c1-120)"
# For the uninstall check below: what a cluster admin can do during an outage.
for kind in mutatingwebhookconfiguration validatingwebhookconfiguration; do
  k patch "$kind" dragops-resources --type json -p '[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]' >/dev/null
done

echo "--- helm uninstall keeps the CRDs and the custom resources"
printf "$connection" | k apply -f - >/dev/null
[ "$(k -n "$kNamespace" get secrets -l owner=helm,name=dragops -o name | wc -l)" -eq 2 ] ||
  fail "helm does not keep one release Secret per revision"
h uninstall dragops >/dev/null || fail "helm uninstall failed"
[ "$(k -n "$kNamespace" get secrets -l owner=helm,name=dragops -o name | wc -l)" -eq 0 ] ||
  fail "helm uninstall left release Secrets behind"
h status dragops >/dev/null 2>&1 && fail "helm still knows the release after uninstall"
for kind in deployment/dragops-operator service/dragops-webhook serviceaccount/dragops-operator; do
  k -n "$kNamespace" get "$kind" >/dev/null 2>&1 && fail "$kind is still there after helm uninstall"
done
k get mutatingwebhookconfiguration dragops-sidecar-injector >/dev/null 2>&1 && fail "the webhook configuration is still there"
k get mutatingwebhookconfiguration dragops-resources >/dev/null 2>&1 && fail "the resource webhook configuration is still there"
k get validatingwebhookconfiguration dragops-resources >/dev/null 2>&1 && fail "the validating resource webhook configuration is still there"
k get clusterrole dragops-operator >/dev/null 2>&1 && fail "the ClusterRole is still there"
[ "$(k get integrationpacks -o name | wc -l)" -eq 0 ] || fail "the built-in packs are still there"
for f in "$repo"/crds/*.yaml; do
  crd=$(awk '/^metadata:/ { m = 1; next } m && /^  name:/ { print $2; exit }' "$f")
  k get crd "$crd" >/dev/null 2>&1 || fail "helm uninstall deleted the CRD $crd"
done
k -n team-a get connection jira >/dev/null 2>&1 || fail "helm uninstall deleted a Connection"
echo "ok   uninstalled and purged; CRDs and Connections kept"

[ "$failures" -eq 0 ] || { echo "chart_helm: $failures failure(s)"; exit 1; }
echo "chart_helm: all checks passed"
