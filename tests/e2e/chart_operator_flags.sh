#!/usr/bin/env bash
# The flags the chart passes to the operator are flags the operator binary accepts, with values it
# parses: for every value set in charts/dragops/ci/, the rendered container args are handed to
# the real dragops-operator followed by --help. The operator parses its arguments in order and
# stops at --help, so it prints its usage with status 0 only if every flag before it was known and
# its value valid; an unknown flag or a bad value is reported as an error with status 2. The same
# for the dashboard's container args and the real dragops-dashboard, which parses them so too.
# Needs DRAGOPS_OPERATOR_BINARY and DRAGOPS_DASHBOARD_BINARY (tests/e2e/CMakeLists.txt sets them).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart="$repo/charts/dragops"
operator=${DRAGOPS_OPERATOR_BINARY:?DRAGOPS_OPERATOR_BINARY must point at the dragops-operator binary}
dashboard=${DRAGOPS_DASHBOARD_BINARY:?DRAGOPS_DASHBOARD_BINARY must point at the dragops-dashboard binary}
helm=$("$repo/tests/tools/fetch-tools.sh" helm | awk '$1 == "helm" { print $2 }')
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A bad flag must be caught, or this test proves nothing.
if "$operator" --no-such-flag=1 --help >/dev/null 2>&1; then
  fail "the operator accepted --no-such-flag: this check cannot work"
fi
if "$dashboard" --no-such-flag 1 --help >/dev/null 2>&1 || "$dashboard" --session-idle 0 --help >/dev/null 2>&1; then
  fail "the dashboard accepted --no-such-flag or --session-idle 0: this check cannot work"
fi

for values in "$chart"/ci/*-values.yaml; do
  set_name=$(basename "$values" -values.yaml)
  mapfile -t args < <("$helm" template dragops "$chart" --namespace dragops-system -f "$values" \
      --show-only templates/deployment.yaml 2>/dev/null |
    awk '/^ *args:$/ { on = 1; next } on && /^ *- --/ { sub(/^ *- /, ""); print; next } on { exit }' |
    sed 's/\$(POD_NAMESPACE)/dragops-system/')
  [ "${#args[@]}" -ge 10 ] || { fail "$set_name: found only ${#args[@]} operator args"; continue; }
  if out=$("$operator" "${args[@]}" --help 2>&1); then
    echo "ok   $set_name: the operator accepts all ${#args[@]} flags"
  else
    fail "$set_name: the operator rejects the chart's flags: $(head -1 <<<"$out")"
    printf '  %s\n' "${args[@]}"
  fi
done

for values in "$chart"/ci/*-values.yaml; do
  set_name=$(basename "$values" -values.yaml)
  # Each flag and its value are list items of their own; YAML's quotes come off.
  mapfile -t args < <("$helm" template dragops "$chart" --namespace dragops-system -f "$values" \
      --show-only templates/dashboard.yaml 2>/dev/null |
    awk '/^ *args:$/ { on = 1; next } on && /^ *- / { sub(/^ *- /, ""); gsub(/^"|"$/, ""); print; next } on { exit }')
  [ "${#args[@]}" -ge 8 ] || { fail "$set_name: found only ${#args[@]} dashboard args"; continue; }
  if out=$("$dashboard" "${args[@]}" --help 2>&1); then
    echo "ok   $set_name: the dashboard accepts all ${#args[@]} arguments"
  else
    fail "$set_name: the dashboard rejects the chart's arguments: $(head -1 <<<"$out")"
    printf '  %s\n' "${args[@]}"
  fi
done

# sharing.namespaceWide (docs/sharing.md): off by default, each ServiceAccount needs its grant.
scope_arg() {
  "$helm" template dragops "$chart" --namespace dragops-system "$@" --show-only templates/deployment.yaml 2>/dev/null |
    grep -o -- '--use-scope=[a-z]*'
}
[ "$(scope_arg)" = "--use-scope=serviceaccount" ] && echo "ok   by default the chart runs --use-scope=serviceaccount" ||
  fail "default use scope: $(scope_arg)"
[ "$(scope_arg --set sharing.namespaceWide=true)" = "--use-scope=namespace" ] &&
  echo "ok   sharing.namespaceWide=true runs --use-scope=namespace" || fail "namespace-wide use scope: $(scope_arg --set sharing.namespaceWide=true)"
"$operator" --use-scope=everyone --help >/dev/null 2>&1 && fail "the operator accepted --use-scope=everyone"
"$operator" --help 2>&1 | grep -q -- '--use-scope SCOPE' || fail "the operator's --help does not list --use-scope"

[ "$failures" -eq 0 ] || { echo "chart_operator_flags: $failures failure(s)"; exit 1; }
echo "chart_operator_flags: all checks passed"
