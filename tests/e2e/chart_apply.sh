#!/usr/bin/env bash
# Every value set in charts/dragops/ci/ rendered with `helm template` and applied with the real
# kubectl to the local API server (tests/apiserver), the way `helm template | kubectl apply`
# installs the chart on a cluster: accepted, stored as rendered, not changed by a second apply,
# removable. The dashboard's ServiceAccount, as the API server's authorizer sees it
# (`kubectl auth can-i --list` as that ServiceAccount with its groups), may do exactly what a
# ServiceAccount bound to nothing may: nothing on Secrets or dragops resources, in any namespace.
# The server knows nothing of cert-manager or the Prometheus Operator, so minimal CRDs
# for their kinds are registered first, as a cluster running those operators has them.
#
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

apiserver_start
work="$APISERVER_DIR/chart"
mkdir "$work"
echo "API server $APISERVER_URL"

k() { kubectl --request-timeout=20s "$@"; }
render() { "$helm" template dragops "$chart" --namespace "$kNamespace" "$@" 2> >(grep -v 'found symbolic link in path' >&2); }

# --- what a cluster with cert-manager and the Prometheus Operator has registered
cat >"$work/third-party-crds.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: certificates.cert-manager.io}
spec:
  group: cert-manager.io
  scope: Namespaced
  names: {kind: Certificate, listKind: CertificateList, plural: certificates, singular: certificate}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: issuers.cert-manager.io}
spec:
  group: cert-manager.io
  scope: Namespaced
  names: {kind: Issuer, listKind: IssuerList, plural: issuers, singular: issuer}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: servicemonitors.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
YAML

echo "--- CRDs: third-party fixtures, then the chart's (helm template --include-crds renders them from crds/)"
k apply -f "$work/third-party-crds.yaml"
# helm installs the crds/ folder itself before the templates (helm template --include-crds prints
# the same files); kubectl needs them established before it can map the IntegrationPacks.
k apply -f "$chart/crds/"
k wait --for=condition=Established --timeout=30s \
  crd/certificates.cert-manager.io crd/issuers.cert-manager.io crd/servicemonitors.monitoring.coreos.com \
  crd/connections.dragops.io crd/secrets.dragops.io crd/integrationpacks.dragops.io
for ns in "$kNamespace" team-a team-b; do
  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n---\n' "$ns"
done | k apply -f -

# expect_field <kind/name> <namespace or ""> <jsonpath> <expected>
expect_field() {
  local ns_args=() got
  [ -n "$2" ] && ns_args=(-n "$2")
  got=$(k get "$1" "${ns_args[@]}" -o "jsonpath=$3" 2>&1) || true
  [ "$got" = "$4" ] || fail "$1 $3 is '$got', expected '$4'"
}

# The dashboard as stored, and what its ServiceAccount may do. `can-i --list` as the ServiceAccount
# with the groups its token would carry is compared with the same question for a ServiceAccount
# nothing names (its rights come from those groups alone): equal, and free of secrets and dragops.io.
can_list() {   # can_list SA NAMESPACE
  k auth can-i --list -n "$2" --as "system:serviceaccount:$kNamespace:$1" \
    --as-group system:authenticated --as-group system:serviceaccounts --as-group "system:serviceaccounts:$kNamespace" 2>&1
}
dashboard_checks() {
  local d=deployment/dragops-dashboard ns rights baseline
  expect_field serviceaccount/dragops-dashboard "$kNamespace" '{.automountServiceAccountToken}' false
  expect_field $d "$kNamespace" '{.spec.template.spec.serviceAccountName}' dragops-dashboard
  expect_field $d "$kNamespace" '{.spec.template.spec.automountServiceAccountToken}' false
  expect_field $d "$kNamespace" '{.spec.template.spec.securityContext.runAsNonRoot}' true
  expect_field $d "$kNamespace" '{.spec.template.spec.securityContext.runAsUser}' 65532
  expect_field $d "$kNamespace" '{.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem}' true
  expect_field $d "$kNamespace" '{.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation}' false
  expect_field $d "$kNamespace" '{.spec.template.spec.containers[0].securityContext.capabilities.drop}' '["ALL"]'
  expect_field service/dragops-dashboard "$kNamespace" '{.spec.selector.app\.kubernetes\.io/component}' dashboard
  for ns in "$kNamespace" team-a; do
    rights=$(can_list dragops-dashboard "$ns")
    baseline=$(can_list dragops-nobody "$ns")
    grep -q 'selfsubjectaccessreviews' <<<"$rights" || { fail "can-i --list as the dashboard in $ns gave no rules: $rights"; continue; }
    grep -Eq '(^|[ .])secrets([ .]|$)|dragops\.io' <<<"$rights" &&
      fail "the dashboard's ServiceAccount has rights on secrets or dragops.io in $ns: $(grep -E 'secrets|dragops\.io' <<<"$rights")"
    [ "$rights" = "$baseline" ] ||
      { fail "the dashboard's ServiceAccount may do more in $ns than one bound to nothing:"; diff <(echo "$baseline") <(echo "$rights") || true; }
  done
  [ "$failures" -eq 0 ] && echo "ok   $set_name: the dashboard's ServiceAccount may do no more than one bound to nothing ($kNamespace, team-a)"
  return 0
}

for values in "$chart"/ci/*-values.yaml; do
  set_name=$(basename "$values" -values.yaml)
  echo "--- value set $set_name"
  manifest="$work/$set_name.yaml"
  render -f "$values" >"$manifest"
  documents=$(grep -c '^kind: ' "$manifest")

  if ! out=$(k apply -f "$manifest" 2>&1); then fail "kubectl apply ($set_name):"; echo "$out"; continue; fi
  created=$(grep -cE ' (created|configured)$' <<<"$out" || true)
  [ "$created" -eq "$documents" ] || { fail "$set_name: $created of $documents objects created"; echo "$out"; }

  stored=$(k get -f "$manifest" -o name 2>&1 | grep -c / || true)
  [ "$stored" -eq "$documents" ] || fail "$set_name: the server holds $stored of $documents objects"

  # Applying again must leave every object as it is. kubectl may still send a patch and print
  # "configured" where a real cluster does too: a PodDisruptionBudget's selector has patch
  # strategy "replace", and a list whose items the CRD defaults (IntegrationPack fields) differs
  # from the applied one; what counts is that the server changes nothing (resourceVersion).
  versions() { k get -f "$manifest" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}'; }
  before=$(versions)
  again=$(k apply -f "$manifest" 2>&1) || { fail "second kubectl apply ($set_name):"; echo "$again"; }
  after=$(versions)
  if [ "$before" != "$after" ]; then
    fail "$set_name: a second apply changed objects:"; diff <(echo "$before") <(echo "$after") || true
  fi

  # What was stored is what the values asked for.
  expect_field deployment/dragops-operator "$kNamespace" '{.spec.template.spec.securityContext.runAsNonRoot}' true
  expect_field deployment/dragops-operator "$kNamespace" '{.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem}' true
  expect_field mutatingwebhookconfiguration/dragops-sidecar-injector "" '{.webhooks[0].sideEffects}' None
  expect_field mutatingwebhookconfiguration/dragops-sidecar-injector "" '{.webhooks[0].clientConfig.service.name}' dragops-webhook
  # The Connection/Secret admission: our own kinds, fail closed, no side effects.
  for kind in mutatingwebhookconfiguration validatingwebhookconfiguration; do
    expect_field "$kind/dragops-resources" "" '{.webhooks[0].failurePolicy}' Fail
    expect_field "$kind/dragops-resources" "" '{.webhooks[0].sideEffects}' None
  done
  args=$(k get deployment/dragops-operator -n "$kNamespace" -o 'jsonpath={.spec.template.spec.containers[0].args}')
  case $set_name in
    default)
      expect_field deployment/dragops-operator "$kNamespace" '{.spec.replicas}' 2
      expect_field poddisruptionbudget/dragops-operator "$kNamespace" '{.spec.minAvailable}' 1
      expect_field service/dragops-webhook "$kNamespace" '{.spec.ports[0].port}' 443
      expect_field mutatingwebhookconfiguration/dragops-sidecar-injector "" '{.webhooks[0].failurePolicy}' Fail
      grep -q -- '--webhook-cert-mode=operator' <<<"$args" || fail "default: not in operator certificate mode: $args"
      [ "$(k get integrationpacks -o name | wc -l)" -eq "$(ls "$repo"/packs/*.yaml | wc -l)" ] || fail "default: not one IntegrationPack per packs/ file"
      expect_field integrationpack/jira "" '{.spec.authType}' fields
      dashboard_checks ;;
    dashboard)
      expect_field ingress/dragops-dashboard "$kNamespace" '{.spec.rules[0].host}' dragops.example.com
      expect_field ingress/dragops-dashboard "$kNamespace" '{.spec.rules[0].http.paths[0].backend.service.name}' dragops-dashboard
      grep -q -- '--oauth-external-url=https://dragops.example.com' <<<"$args" ||
        fail "dashboard: the operator's --oauth-external-url is not the dashboard's URL: $args"
      dargs=$(k get deployment/dragops-dashboard -n "$kNamespace" -o 'jsonpath={.spec.template.spec.containers[0].args}')
      grep -qF "\"--oauth-callback-url\",\"http://dragops-oauth.$kNamespace.svc/oauth/callback\"" <<<"$dargs" ||
        fail "dashboard: no --oauth-callback-url to the dragops-oauth Service: $dargs"
      dashboard_checks ;;
    cert-manager)
      expect_field mutatingwebhookconfiguration/dragops-sidecar-injector "" \
        '{.metadata.annotations.cert-manager\.io/inject-ca-from}' "$kNamespace/dragops-webhook-cert"
      expect_field certificate/dragops-webhook-cert "$kNamespace" '{.spec.secretName}' dragops-webhook-cert
      expect_field issuer/dragops-selfsigned "$kNamespace" '{.spec.selfSigned}' '{}'
      expect_field servicemonitor/dragops-operator "$kNamespace" '{.spec.endpoints[0].port}' metrics
      grep -q -- '--webhook-cert-mode=external' <<<"$args" || fail "cert-manager: not in external certificate mode: $args" ;;
    metrics-off)
      k get service/dragops-metrics -n "$kNamespace" >/dev/null 2>&1 && fail "metrics-off: dragops-metrics Service exists"
      grep -qF -- '"--metrics-addr="' <<<"$args" || fail "metrics-off: --metrics-addr not empty: $args"
      expect_field mutatingwebhookconfiguration/dragops-sidecar-injector "" '{.webhooks[0].failurePolicy}' Ignore ;;
    restricted-namespaces)
      expect_field role/dragops-operator-watch team-a '{.rules[?(@.resources[0]=="secrets")].verbs}' \
        '["get","list","watch","create","update","patch","delete"]'
      expect_field rolebinding/dragops-operator-watch team-b '{.subjects[0].namespace}' "$kNamespace"
      expect_field role/dragops-operator-watch team-b '{.rules[?(@.resources[0]=="pods")].verbs}' '["get","list","watch"]'
      k get clusterrole dragops-operator -o jsonpath='{.rules[*].resources}' | grep -qE '"(secrets|pods|roles)"' &&
        fail "restricted-namespaces: the ClusterRole grants Secrets, Pods or Roles cluster-wide"
      k get clusterrole dragops-operator -o jsonpath='{.rules[*].resources}' | grep -q '"connections"' &&
        fail "restricted-namespaces: the ClusterRole still grants connections cluster-wide"
      grep -q -- '--watch-namespaces=team-a,team-b' <<<"$args" || fail "restricted-namespaces: no --watch-namespaces: $args"
      [ "$(k get integrationpacks -o name | wc -l)" -eq 0 ] || fail "restricted-namespaces: packs installed with packs.install=false" ;;
  esac

  if ! out=$(k delete -f "$manifest" --wait=true 2>&1); then fail "kubectl delete ($set_name): $out"; fi
  left=$(k get -f "$manifest" -o name 2>/dev/null | grep -c / || true)
  [ "$left" -eq 0 ] || fail "$set_name: $left objects left after kubectl delete"
  if [ "$failures" -eq 0 ]; then echo "ok   $set_name: $documents objects applied, stored, not changed by a second apply, deleted"; fi
done

[ "$failures" -eq 0 ] || { echo "chart_apply: $failures failure(s)"; exit 1; }
echo "chart_apply: all checks passed"
