#!/usr/bin/env bash
# The dashboard's budgets (issue 16): the UI's JavaScript and CSS, gzipped (-9), against 100 KB
# in all; and the time from opening the Connections page, signed in, until its table shows 1,000
# Connections in headless chromium, against 1 s (median of 5 loads, each a fresh navigation).
# Prints the figures and PASS/OVER for each budget; exits non-zero when one is over.
#
#   bench/bench_dashboard.sh [BUILD_DIR]      (BENCH_CONNECTIONS=1000)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
count=${BENCH_CONNECTIONS:-1000}
dist=$build/dashboard/ui-dist
[ -f "$dist/app.js" ] || { echo "bench_dashboard: $dist/app.js is missing (build dragops-dashboard)"; exit 1; }
status=0
js=$(gzip -9c "$dist/app.js" | wc -c)
css=$(gzip -9c "$dist/app.css" | wc -c)
html=$(gzip -9c "$dist/index.html" | wc -c)
total=$((js + css))
if [ "$total" -le 102400 ]; then size_verdict=PASS; else size_verdict=OVER; status=1; fi
printf 'dashboard UI, gzipped: app.js %d B (raw %d B), app.css %d B, index.html %d B; JS+CSS %.1f KB, budget 100 KB: %s\n' \
  "$js" "$(wc -c <"$dist/app.js")" "$css" "$html" "$(awk -v t="$total" 'BEGIN { print t / 1024 }')" "$size_verdict"

export DRAGOPS_APISERVER_BINARY=$build/tests/apiserver/dragops-apiserver
export DRAGOPS_SOURCE_DIR=$root
source "$root/tests/e2e/lib/apiserver.sh"
DASHBOARD_PID=""
cleanup() { [ -n "$DASHBOARD_PID" ] && kill "$DASHBOARD_PID" 2>/dev/null; apiserver_cleanup; }
apiserver_start >/dev/null || exit 1
trap cleanup EXIT
apply_crds_and_packs "$root" || { echo "bench_dashboard: CRDs"; exit 1; }
ensure_namespace bench
# 1,000 Connections with a status each, in one apply.
jq -n --argjson n "$count" '{apiVersion: "v1", kind: "List", items: [range($n) | {apiVersion: "dragops.io/v1alpha1", kind: "Connection",
  metadata: {name: "conn-\(.)", namespace: "bench", annotations: {"dragops.io/owner": "system:serviceaccount:bench:author"}},
  spec: {pack: "jira", credentialsRef: {name: "c-\(.)"}}}]}' | kubectl create --validate=false -f - >/dev/null || { echo "bench_dashboard: create"; exit 1; }
[ "$(kubectl get conn -n bench -o name | wc -l)" = "$count" ] || { echo "bench_dashboard: not $count Connections"; exit 1; }
token_kubeconfig "$APISERVER_DIR/dashboard.kubeconfig"
port=$(free_port)
"$build/dashboard/dragops-dashboard" --kubeconfig "$APISERVER_DIR/dashboard.kubeconfig" --listen "127.0.0.1:$port" --log-level warn \
  >"$APISERVER_DIR/dashboard.out" 2>"$APISERVER_DIR/dashboard.log" &
DASHBOARD_PID=$!
wait_until 10 grep -q '^READY ' "$APISERVER_DIR/dashboard.out" || { echo "bench_dashboard: the dashboard did not start"; exit 1; }
browser_dir=$("$root/tests/dashboard/browser/setup.sh") || exit 1
# The admin's token signs in (the local API server's own, DIR/token); the measure is the page's.
DRAGOPS_DASHBOARD_BROWSER_DIR=$browser_dir DASHBOARD_URL="http://localhost:$port" TOKEN=$(cat "$APISERVER_DIR/token") COUNT=$count \
  node "$here/dashboard/first_render.mjs" || status=1
exit $status
