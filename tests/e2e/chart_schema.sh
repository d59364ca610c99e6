#!/usr/bin/env bash
# values.schema.json rejects wrong values with a message that names the value and what is wrong,
# and accepts every value set in charts/dragops/ci/.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart="$repo/charts/dragops"
helm=$("$repo/tests/tools/fetch-tools.sh" helm | awk '$1 == "helm" { print $2 }')
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

render() { "$helm" template dragops "$chart" --namespace dragops-system "$@" 2>&1 >/dev/null | grep -v 'found symbolic link in path' || true; }

# rejects <expected message fragment> <helm arguments...>
rejects() {
  local want=$1; shift
  local out
  if "$helm" template dragops "$chart" "$@" >/dev/null 2>&1; then
    fail "accepted: $*"; return
  fi
  out=$(render "$@")
  if grep -qF "values don't meet the specifications of the schema" <<<"$out" && grep -qF -- "$want" <<<"$out"; then
    echo "ok   rejects $* -> $(grep -F -- "$want" <<<"$out" | head -1 | sed 's/^ *//')"
  else
    fail "$* rejected without the message '$want':"; echo "$out"
  fi
}

echo "--- wrong values are rejected by values.schema.json"
rejects '- webhook.failurePolicy: webhook.failurePolicy must be one of the following: "Fail", "Ignore"' --set webhook.failurePolicy=Sometimes
rejects '- replicaCount: Invalid type. Expected: integer, given: string' --set-json 'replicaCount="two"'
rejects '- replicaCount: Must be greater than or equal to 1' --set replicaCount=0
rejects '- logLevel: logLevel must be one of the following: "debug", "info", "warn", "error"' --set logLevel=verbose
rejects '- workers: Must be greater than or equal to 1' --set workers=0
rejects '- rbac.scope: rbac.scope must be one of the following: "auto", "cluster", "namespaces"' --set rbac.scope=everywhere
rejects '- image.pullPolicy: image.pullPolicy must be one of the following: "Always", "IfNotPresent", "Never"' --set image.pullPolicy=Sometimes
rejects '- (root): Additional property replicas is not allowed' --set replicas=2
rejects '- webhook: Additional property failurePolcy is not allowed' --set webhook.failurePolcy=Ignore
rejects "- sidecar.resources.limits.memory: Does not match pattern" --set sidecar.resources.limits.memory=lots
rejects "- sidecar.resources.limits: Additional property cpu is not allowed" --set sidecar.resources.limits.cpu=100m
rejects "- resources.requests.cpu: Does not match pattern" --set resources.requests.cpu=fast
rejects "- webhook.timeoutSeconds: Must be less than or equal to 30" --set webhook.timeoutSeconds=31
rejects "- leaderElection.leaseDuration: Does not match pattern" --set-string leaderElection.leaseDuration=15
rejects "- leaderElection.leaseDuration: Invalid type. Expected: string, given: integer" --set leaderElection.leaseDuration=15
rejects "- keyRotationInterval: Does not match pattern" --set keyRotationInterval=monthly
rejects "- keyPropagationDelay: Does not match pattern" --set keyPropagationDelay=soon
rejects "- leaderElection.retryPeriod: Does not match pattern" --set leaderElection.retryPeriod=1.5s
rejects "- metrics.serviceMonitor.interval: Does not match pattern" --set metrics.serviceMonitor.interval=often
rejects "- keyRotationInterval: Must validate one and only one schema (oneOf)" --set keyRotationInterval=7
rejects "- watchNamespaces.0: Does not match pattern" --set 'watchNamespaces={Team_A}'
rejects "- webhook.certManager.issuerRef.kind: webhook.certManager.issuerRef.kind must be one of the following" --set webhook.certManager.issuerRef.kind=Vault
rejects "- dashboard.externalURL: Does not match pattern" --set dashboard.externalURL=https://d.example.com/dashboard
rejects "- dashboard.externalURL: Does not match pattern" --set dashboard.externalURL=http://d.example.com
rejects "- dashboard.sessionIdle: Must be greater than or equal to 1" --set dashboard.sessionIdle=0
rejects "- dashboard: Additional property replicaCount is not allowed" --set dashboard.replicaCount=2
rejects "- dashboard.ingress.host: Does not match pattern" --set dashboard.ingress.host=https://d.example.com

echo "--- good values are accepted"
for values in "$chart"/ci/*-values.yaml; do
  if out=$(render -f "$values") && [ -z "$out" ]; then echo "ok   accepts $(basename "$values")"; else fail "$(basename "$values") rejected: $out"; fi
done
for args in "--set resources.requests.cpu=0.5" "--set sidecar.resources.requests.memory=16M" \
            "--set keyRotationInterval=0" "--set leaderElection.leaseDuration=1m30s" "--set webhook.certManager.duration=2160h0.5m" \
            "--set podDisruptionBudget.minAvailable=50%" "--set image.tag=0.1.0@sha256:$(printf 'a%.0s' {1..64})"; do
  # shellcheck disable=SC2086
  if out=$(render $args) && [ -z "$out" ]; then echo "ok   accepts $args"; else fail "$args rejected: $out"; fi
done

[ "$failures" -eq 0 ] || { echo "chart_schema: $failures failure(s)"; exit 1; }
echo "chart_schema: all checks passed"
