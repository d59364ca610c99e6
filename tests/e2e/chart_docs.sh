#!/usr/bin/env bash
# The chart's README documents every value: each key in values.yaml has a `# --` comment, the
# values table in README.md is the one values-table.sh generates from them, and every top-level
# key that `helm show values` prints has a row.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart="$repo/charts/dragops"
helm=$("$repo/tests/tools/fetch-tools.sh" helm | awk '$1 == "helm" { print $2 }')
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$chart/values-table.sh" --check || fail "README.md values table (see above)"

top_level=$("$helm" show values "$chart" 2>/dev/null | sed -n 's/^\([A-Za-z0-9_]*\):.*/\1/p')
[ "$(wc -l <<<"$top_level")" -ge 10 ] || fail "helm show values printed too few keys: $top_level"
for key in $top_level; do
  grep -qF "| \`$key\` |" "$chart/README.md" || fail "top-level value $key is not in charts/dragops/README.md"
done
echo "ok   $(wc -l <<<"$top_level") top-level values documented"

for doc in "$repo/docs/install.md" "$chart/README.md"; do
  [ -s "$doc" ] || fail "$doc is missing"
done

[ "$failures" -eq 0 ] || { echo "chart_docs: $failures failure(s)"; exit 1; }
echo "chart_docs: all checks passed"
