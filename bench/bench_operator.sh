#!/usr/bin/env bash
# The operator at scale (make bench): 10,000 Connections in 100 namespaces, created while the
# operator is stopped; then the operator starts and the clock runs until every Connection is
# Ready. Prints the wall time, reconciles per second as a ratio to the local API server's raw
# create rate measured in the same run (same number of clients as operator workers), and the
# operator's peak resident memory. Targets: ratio >= 0.5, peak RSS <= 64 MiB.
# Then, the operator stopped, the floor: the same API requests a first reconcile makes, by as many
# plain clients, on the same Connections; the operator's rate is printed as a ratio to it too.
# Last, the memory slope: the peak RSS at TOTAL Connections less that of an operator with none
# (the one that creates the sealing key below), per Connection.
# Then the same 10,000 Connections with sealed input (spec.sealedCredentials, sealed to the
# cluster's key by the load generator before the clock starts) on a fresh server: the operator
# opens each (HPKE) and seals it into the store. Printed: its rate as a ratio to the plain path's
# of the same run (target >= 0.8), after the per-Connection crypto of both paths in process.
# On the local API server, or with DRAGOPS_E2E_BACKEND=real (bench_operator_real.sh) on the real
# control plane (tests/kube/control-plane.sh), each against its own raw create rates.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
namespaces=${OPERATOR_BENCH_NAMESPACES:-100}
per=${OPERATOR_BENCH_PER_NAMESPACE:-100}
workers=${OPERATOR_BENCH_WORKERS:-4}
total=$((namespaces * per))
export DRAGOPS_APISERVER_BINARY=${DRAGOPS_APISERVER_BINARY:-$build/tests/apiserver/dragops-apiserver}
apiserver=$DRAGOPS_APISERVER_BINARY
source "$root/tests/e2e/lib/cluster.sh"
operator=${DRAGOPS_OPERATOR_BINARY:-$build/operator/dragops-operator}
load=$build/bench/operator/bench_operator_load
for b in "$apiserver" "$operator" "$load"; do [ -x "$b" ] || { echo "bench_operator: $b not built"; exit 1; }; done

source "$root/bench/lib.sh"
bench_workdir op
cluster_start "$work/apiserver" --watch-history 200000 >/dev/null || { echo "bench_operator: API server did not start"; exit 1; }
if backend_is_real; then
  server="the real kube-apiserver $(cat "$root/tests/kube/upstream/KUBERNETES_VERSION")"
  api_pid=$(awk '$1 == "kube-apiserver" { print $2 }' "$work/apiserver/pids")
else
  server="the local API server"
  api_pid=$CLUSTER_PID
fi
apply_crds_and_packs "$root" || { echo "bench_operator: cannot apply the CRDs and packs"; exit 1; }
"$load" setup "$namespaces"

secrets_line=$("$load" secrets "$namespaces" "$per" "$workers")
raw_rate=$(echo "$secrets_line" | awk '{print $NF}' | tr -d '/s')
echo "reference: raw create rate of $server, $workers clients: $raw_rate objects/s ($total core Secrets)"
conn_line=$("$load" connections "$namespaces" "$per" "$workers")
conn_rate=$(echo "$conn_line" | awk '{print $NF}' | tr -d '/s')
echo "reference: raw create rate of Connections (custom resources, schema-validated), $workers clients: $conn_rate objects/s"

api_cpu_before=$(cpu_of "$api_pid")
start=$(date +%s%N)
"$operator" --kubeconfig "$KUBECONFIG" --leader-elect=false --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
  --webhook-addr "" --workers "$workers" --log-level "${OPERATOR_BENCH_LOG_LEVEL:-warn}" >"$work/operator.out" 2>"$work/operator.log" &
op=$!
pids+=($op)
# Peak RSS sampler (VmHWM is the kernel's own high-water mark; sampled until the end).
"$load" wait-ready "$total" 600 | sed 's/^/operator: /'
end=$(date +%s%N)
if [ -n "${OPERATOR_BENCH_METRICS:-}" ]; then
  port=$(grep -o '"endpoint":"metrics","addr":"[^"]*","port":[0-9]*' "$work/operator.log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && curl -s "127.0.0.1:$port/metrics" | grep -E '^dragops_(reconcile|store|events)' >"$OPERATOR_BENCH_METRICS" || true
fi
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$op/status")
op_cpu=$(cpu_of "$op")
api_cpu=$(awk -v a="$(cpu_of "$api_pid")" -v b="$api_cpu_before" 'BEGIN { printf "%.1f", a - b }')
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$op/status")
seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }')
rate=$(awk -v n="$total" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
ratio=$(awk -v r="$rate" -v raw="$raw_rate" 'BEGIN { printf "%.2f", r / raw }')
ratio_cr=$(awk -v r="$rate" -v raw="$conn_rate" 'BEGIN { printf "%.2f", r / raw }')
# The floor: the same API requests a first reconcile makes (read the credentials, create the
# store, patch the status, create the Event), made by as many plain clients with no operator logic
# and no watchers, on the same Connections once the operator has stopped. The operator cannot beat
# it; its ratio to it is what the operator itself costs.
kill "$op" 2>/dev/null; wait "$op" 2>/dev/null || true
floor_line=$("$load" floor "$namespaces" "$per" "$workers")
floor_rate=$(echo "$floor_line" | awk '{print $NF}' | tr -d '/s')
floor_ratio=$(awk -v r="$floor_rate" -v raw="$conn_rate" 'BEGIN { printf "%.2f", r / raw }')
ratio_floor=$(awk -v r="$rate" -v f="$floor_rate" 'BEGIN { printf "%.2f", r / f }')
echo "reference: the API requests of a first reconcile (GET credentials, create store, patch status, create Event), $workers clients, no operator: $floor_rate Connections/s = ${floor_ratio}x the raw Connection create rate"
echo "operator: $total Connections in $namespaces namespaces Ready after ${seconds} s (from process start, informer sync included)"
echo "operator: $rate reconciles/s = ${ratio}x the raw core-Secret create rate, ${ratio_cr}x the raw Connection create rate"
echo "          (target >= 0.5: not reachable while a reconcile needs four requests to a create's one; the floor above is the API's own bound)"
echo "operator: ${ratio_floor}x the floor of the same requests without the operator"
echo "operator: CPU while reconciling: operator ${op_cpu} s, API server ${api_cpu} s (wall ${seconds} s, 2 cores shared)"
echo "operator: peak RSS $((hwm_kb / 1024)) MiB, RSS now $((rss_kb / 1024)) MiB (target <= 64 MiB)"

"$build/bench/operator/bench_sealed_input" 5000 | sed 's/^/sealed input: /'

# Sealed input: a fresh server; the operator runs once to create the cluster sealing key, stops,
# the sealed Connections are created, then the clock runs as above.
cluster_stop
cluster_start "$work/apiserver-sealed" --watch-history 200000 >/dev/null || { echo "bench_operator: API server did not start"; exit 1; }
apply_crds_and_packs "$root" || { echo "bench_operator: cannot apply the CRDs and packs"; exit 1; }
"$load" setup "$namespaces"
"$operator" --kubeconfig "$KUBECONFIG" --leader-elect=false --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
  --webhook-addr "" --log-level warn >"$work/operator-key.out" 2>"$work/operator-key.log" &
op=$!
pids+=($op)
for _ in $(seq 1 200); do kubectl get configmap dragops-sealing-key -n dragops-system >/dev/null 2>&1 && break; sleep 0.1; done
idle_hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$op/status")   # synced, no Connection yet: the baseline
kill "$op"; wait "$op" 2>/dev/null || true
"$load" sealed-connections "$namespaces" "$per" "$workers" >/dev/null
start=$(date +%s%N)
"$operator" --kubeconfig "$KUBECONFIG" --leader-elect=false --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
  --webhook-addr "" --workers "$workers" --log-level "${OPERATOR_BENCH_LOG_LEVEL:-warn}" >"$work/operator-sealed.out" 2>"$work/operator-sealed.log" &
op=$!
pids+=($op)
"$load" wait-ready "$total" 600 | sed 's/^/sealed input: /'
end=$(date +%s%N)
sealed_seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }')
sealed_rate=$(awk -v n="$total" -v s="$sealed_seconds" 'BEGIN { printf "%.0f", n / s }')
sealed_ratio=$(awk -v r="$sealed_rate" -v p="$rate" 'BEGIN { printf "%.2f", r / p }')
sealed_hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$op/status")
echo "sealed input: $total Connections Ready after ${sealed_seconds} s: $sealed_rate reconciles/s = ${sealed_ratio}x the plain path's $rate/s (target >= 0.8)"
echo "sealed input: operator peak RSS $((sealed_hwm_kb / 1024)) MiB, CPU $(cpu_of "$op") s"
awk -v idle="$idle_hwm_kb" -v peak="$hwm_kb" -v n="$total" 'BEGIN {
  printf "operator: memory: peak RSS %.0f MiB with no Connection, %.0f MiB at %d: %.1f KiB per Connection\n", idle / 1024, peak / 1024, n, (peak - idle) / n }'
