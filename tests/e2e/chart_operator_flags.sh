#!/usr/bin/env bash
# The flags the chart passes to the operator are flags the operator binary accepts, with values it
# parses: for every value set in charts/dragops/ci/, the rendered container args are handed to
# the real dragops-operator followed by --help. The operator parses its arguments in order and
# stops at --help, so it prints its usage with status 0 only if every flag before it was known and
# its value valid; an unknown flag or a bad value is reported as an error with status 2.
# Needs DRAGOPS_OPERATOR_BINARY (tests/e2e/CMakeLists.txt sets it).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart="$repo/charts/dragops"
operator=${DRAGOPS_OPERATOR_BINARY:?DRAGOPS_OPERATOR_BINARY must point at the dragops-operator binary}
helm=$("$repo/tests/tools/fetch-tools.sh" helm | awk '$1 == "helm" { print $2 }')
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A bad flag must be caught, or this test proves nothing.
if "$operator" --no-such-flag=1 --help >/dev/null 2>&1; then
  fail "the operator accepted --no-such-flag: this check cannot work"
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

[ "$failures" -eq 0 ] || { echo "chart_operator_flags: $failures failure(s)"; exit 1; }
echo "chart_operator_flags: all checks passed"
