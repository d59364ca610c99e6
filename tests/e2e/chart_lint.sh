#!/usr/bin/env bash
# The Helm chart lints clean, renders every value set in charts/dragops/ci/, carries exactly the
# CRDs in crds/ and the packs in packs/ (through its symlinks), and packages them as real files.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart="$repo/charts/dragops"
helm=$("$repo/tests/tools/fetch-tools.sh" helm | awk '$1 == "helm" { print $2 }')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# helm reports each followed symlink on stderr; that line is expected, anything else is shown.
quiet_helm() { "$helm" "$@" 2> >(grep -v 'found symbolic link in path' >&2); }

echo "--- helm lint --strict, once per value set"
for values in "$chart"/ci/*-values.yaml; do
  name=$(basename "$values")
  if ! out=$(quiet_helm lint --strict "$chart" --namespace dragops-system -f "$values" 2>&1); then
    fail "helm lint --strict -f $name:"; echo "$out"; continue
  fi
  grep -q '1 chart(s) linted, 0 chart(s) failed' <<<"$out" || fail "helm lint -f $name did not report success: $out"
  if grep -E '^\[(WARNING|ERROR)\]' <<<"$out"; then fail "helm lint -f $name has findings"; fi
  echo "ok   lint $name"
done

echo "--- crds: the chart's crds/ is the repository's crds/"
[ -L "$chart/crds" ] && [ "$(readlink -f "$chart/crds")" = "$repo/crds" ] || fail "charts/dragops/crds is not a symlink to crds/"
[ -L "$chart/files/packs" ] && [ "$(readlink -f "$chart/files/packs")" = "$repo/packs" ] || fail "charts/dragops/files/packs is not a symlink to packs/"
# helm installs every file under crds/ as a CRD: nothing else may live there.
for f in "$repo"/crds/*; do
  case "$f" in *.yaml) ;; *) fail "crds/$(basename "$f") is not a .yaml file, but helm would install it as a CRD"; continue ;; esac
  grep -q '^kind: CustomResourceDefinition$' "$f" || fail "crds/$(basename "$f") is not a CustomResourceDefinition"
done
quiet_helm template dragops "$chart" --namespace dragops-system --include-crds >"$work/with-crds.yaml"
for f in "$repo"/crds/*.yaml; do
  crd=$(awk '/^metadata:/ { m = 1; next } m && /^  name:/ { print $2; exit }' "$f")
  grep -q "^  name: $crd\$" "$work/with-crds.yaml" || fail "helm template --include-crds lacks $crd"
done
echo "ok   $(ls "$repo"/crds/*.yaml | wc -l) CRDs rendered from crds/"

echo "--- packs: one IntegrationPack per file in packs/, and none with packs.install=false"
expected=$(for f in "$repo"/packs/*.yaml; do awk '/^metadata:/ { m = 1; next } m && /^  name:/ { print $2; exit }' "$f"; done | sort)
rendered=$(quiet_helm template dragops "$chart" --namespace dragops-system --show-only templates/integrationpacks.yaml |
  awk '/^kind: IntegrationPack$/ { p = 1 } p && /^  name:/ { print $2; p = 0 }' | sort)
[ -n "$expected" ] || fail "packs/ is empty"
[ "$expected" = "$rendered" ] || fail "rendered packs differ from packs/: $(diff <(echo "$expected") <(echo "$rendered") | tr '\n' ' ')"
echo "ok   packs: $(echo $rendered)"
if quiet_helm template dragops "$chart" --set packs.install=false | grep -q '^kind: IntegrationPack$'; then
  fail "packs.install=false still renders IntegrationPacks"
fi

echo "--- helm package: the symlinked files land in the archive as files, byte for byte"
quiet_helm package "$chart" --destination "$work" >/dev/null
mkdir "$work/unpacked" && tar -xzmf "$work"/dragops-*.tgz -C "$work/unpacked"
for f in "$repo"/crds/*.yaml "$repo"/packs/*.yaml; do
  rel=${f#"$repo"/}; [ "${rel%%/*}" = packs ] && rel="files/$rel"
  cmp -s "$f" "$work/unpacked/dragops/$rel" || fail "packaged chart: $rel differs from $f"
done
if find "$work/unpacked" -type l | grep -q .; then fail "packaged chart holds symlinks"; fi
if [ -e "$work/unpacked/dragops/ci" ] || [ -e "$work/unpacked/dragops/values-table.sh" ]; then fail "packaged chart holds test files"; fi
echo "ok   package $(basename "$work"/dragops-*.tgz)"

echo "--- guards in the templates"
if out=$(quiet_helm template dragops "$chart" --set leaderElection.enabled=false 2>&1); then
  fail "2 replicas without leader election rendered"
else
  grep -q 'replicaCount > 1 needs leaderElection.enabled=true' <<<"$out" || fail "unclear message: $out"
fi
quiet_helm template dragops "$chart" --set leaderElection.enabled=false --set replicaCount=1 >/dev/null || fail "1 replica without leader election must render"
if out=$(quiet_helm template dragops "$chart" --set metrics.enabled=false --set metrics.serviceMonitor.enabled=true 2>&1); then
  fail "a ServiceMonitor without metrics rendered"
else
  grep -q 'metrics.serviceMonitor.enabled needs metrics.enabled=true' <<<"$out" || fail "unclear message: $out"
fi
if quiet_helm template dragops "$chart" --set replicaCount=1 | grep -q '^kind: PodDisruptionBudget$'; then
  fail "a PodDisruptionBudget with a single replica would block node drains"
fi
quiet_helm template dragops "$chart" | grep -q '^kind: PodDisruptionBudget$' || fail "no PodDisruptionBudget with 2 replicas"
webhook() { quiet_helm template dragops "$chart" --show-only templates/mutatingwebhookconfiguration.yaml "$@"; }
# The pod annotations are the contract (DESIGN.md): by default no label is required.
if webhook | grep -q 'objectSelector:'; then
  fail "the default webhook requires a pod label; DESIGN.md makes dragops.io/inject an annotation"
fi
webhook | grep -q '"kube-system"' || fail "the webhook does not exclude kube-system"
webhook | grep -q 'sideEffects: None$' || fail "the webhook does not declare sideEffects: None (admission writes nothing)"
# rbac.scope: the least-privilege mode renders no cluster-wide rule on a namespaced resource, and
# contradictory values fail with a message that names both.
if out=$(quiet_helm template dragops "$chart" --set rbac.scope=namespaces 2>&1); then
  fail "rbac.scope=namespaces without watchNamespaces rendered"
else
  grep -q 'rbac.scope=namespaces needs watchNamespaces' <<<"$out" || fail "unclear message: $out"
fi
if out=$(quiet_helm template dragops "$chart" --set rbac.scope=cluster --set 'watchNamespaces={team-a}' 2>&1); then
  fail "rbac.scope=cluster with watchNamespaces rendered"
else
  grep -q 'rbac.scope=cluster grants Secrets, Roles and Pods in every namespace, but watchNamespaces limits the operator to team-a' <<<"$out" ||
    fail "unclear message: $out"
fi
rbac() { quiet_helm template dragops "$chart" --namespace dragops-system --show-only templates/rbac.yaml "$@"; }
cluster_role() { awk '/^kind: ClusterRole$/ { p = 1 } /^---/ { p = 0 } p' ; }
for scope in auto namespaces; do
  rendered=$(rbac --set rbac.scope=$scope --set 'watchNamespaces={team-a,team-b}')
  cluster_role <<<"$rendered" | grep -qE 'resources: \[(secrets|pods|roles|rolebindings|leases|events)' &&
    fail "rbac.scope=$scope: the ClusterRole grants namespaced resources"
  # A Role and a RoleBinding (whose roleRef names it too) in each of the two namespaces.
  [ "$(grep -c '^  name: dragops-operator-watch$' <<<"$rendered")" -eq 6 ] || fail "rbac.scope=$scope: not one Role and binding per watched namespace"
done
for scope in auto cluster; do
  rbac --set rbac.scope=$scope | cluster_role | grep -q 'resources: \[pods\]' || fail "rbac.scope=$scope: no cluster-wide pods rule"
done
webhook --set-json 'webhook.objectSelector={"matchLabels":{"dragops.io/inject":"true"}}' |
  grep -q 'dragops.io/inject: "true"' || fail "webhook.objectSelector.matchLabels does not render"
guard() {   # guard <message> <helm arguments...>: the chart refuses to render, saying so
  local want=$1 out; shift
  if out=$(quiet_helm template dragops "$chart" "$@" 2>&1); then fail "rendered: $*"
  else grep -qF -- "$want" <<<"$out" || fail "$*: unclear message: $out"; fi
}
guard 'dashboard.oauthCallback needs dashboard.externalURL' --set dashboard.oauthCallback=true
guard 'set oauth.externalURL or dashboard.oauthCallback, not both' --set dashboard.oauthCallback=true \
  --set dashboard.externalURL=https://d.example.com --set oauth.externalURL=https://o.example.com
guard 'dashboard.ingress.enabled needs dashboard.ingress.host' --set dashboard.ingress.enabled=true
guard 'dashboard.oidc.issuerURL needs dashboard.oidc.clientID' --set dashboard.externalURL=https://d.example.com \
  --set dashboard.oidc.issuerURL=https://idp.example.com
guard 'dashboard.oidc.issuerURL needs dashboard.externalURL' --set dashboard.oidc.issuerURL=https://idp.example.com \
  --set dashboard.oidc.clientID=dragops-dashboard
# OIDC: the flags, and the client secret and CA mounted from what the values name.
rendered=$(quiet_helm template dragops "$chart" --show-only templates/dashboard.yaml --set dashboard.externalURL=https://d.example.com \
  --set dashboard.oidc.issuerURL=https://idp.example.com --set dashboard.oidc.clientID=dragops-dashboard \
  --set dashboard.oidc.clientSecret.name=dash-oidc --set dashboard.oidc.caConfigMap.name=idp-ca)
for want in '- --oidc-issuer-url' '- "https://idp.example.com"' '- --oidc-client-secret-file' 'secretName: dash-oidc' \
    '- --oidc-ca-file' 'name: idp-ca' '- "https://d.example.com"'; do
  grep -qF -- "$want" <<<"$rendered" || fail "dashboard.oidc: the rendered dashboard lacks: $want"
done
quiet_helm template dragops "$chart" --show-only templates/dashboard.yaml | grep -q -- '--oidc' &&
  fail "the dashboard gets --oidc flags without dashboard.oidc.issuerURL"
# Off by default: the operator's callback URL is oauth.externalURL, untouched by the dashboard.
quiet_helm template dragops "$chart" --set dashboard.externalURL=https://d.example.com --set oauth.externalURL=https://o.example.com |
  grep -qx -- ' *- --oauth-external-url=https://o.example.com' || fail "dashboard.externalURL alone changed --oauth-external-url"
quiet_helm template dragops "$chart" --set dashboard.externalURL=https://d.example.com | grep -q -- '--oauth-callback-url' &&
  fail "the dashboard forwards OAuth callbacks without dashboard.oauthCallback"
if quiet_helm template dragops "$chart" --set dashboard.enabled=false | grep -q 'dragops-dashboard'; then
  fail "dashboard.enabled=false still renders dashboard objects"
fi
quiet_helm template dragops "$chart" | grep -q '^kind: Ingress$' && fail "an Ingress by default"
echo "ok   guards"

echo "--- the dashboard's ServiceAccount is bound to nothing, in every value set"
for values in "$chart"/ci/*-values.yaml; do
  quiet_helm template dragops "$chart" --namespace dragops-system -f "$values" >"$work/rendered.yaml"
  grep -q '^kind: Deployment$' "$work/rendered.yaml" || { fail "$(basename "$values"): nothing rendered"; continue; }
  # Every binding's subjects: none may name dragops-dashboard.
  if awk '/^kind: (Cluster)?RoleBinding$/ { b = 1 } /^---/ { b = 0 } b' "$work/rendered.yaml" | grep -q 'dragops-dashboard'; then
    fail "$(basename "$values"): a (Cluster)RoleBinding names the dashboard's ServiceAccount"
  fi
done
echo "ok   no binding names dragops-dashboard"

[ "$failures" -eq 0 ] || { echo "chart_lint: $failures failure(s)"; exit 1; }
echo "chart_lint: all checks passed"
