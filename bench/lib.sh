# Shared by the benchmarks that start a cluster and controllers (sourced after
# tests/e2e/lib/cluster.sh; not a benchmark itself: run.sh runs bench_*.sh).

# bench_workdir NAME: a temporary folder in $work and a list of processes in $pids; on exit the
# processes are stopped, then the cluster, and the folder is removed.
bench_workdir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/dragops-bench-$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  cluster_stop
  rm -rf "$work"
}

# cpu_of PID: the process's user and system CPU time so far, in seconds.
bench_ticks=$(getconf CLK_TCK)
cpu_of() { awk -v t="$bench_ticks" '{ printf "%.1f", ($14 + $15) / t }' "/proc/$1/stat"; }

# bench_injected_pod WHO: in namespace bench, a Connection vt (pack virustotal) sealing a random
# 1 KiB API key (left in $credential), its ServiceAccount's use grant and the pod bench asking for
# it (for the sidecar benchmarks; needs tests/e2e/lib/sidecar.sh and a running operator). WHO
# names the script in its error messages.
bench_injected_pod() {
  local who=$1
  ensure_namespace bench
  credential=$(head -c 768 /dev/urandom | base64 -w0 | head -c 1024)
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: vt-credentials, namespace: bench}
stringData: {api_key: "$credential"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: vt, namespace: bench}
spec: {pack: virustotal, credentialsRef: {name: vt-credentials}}
YAML
  wait_until 30 kubectl -n bench get secret dragops-conn-vt || { echo "$who: the connection was not sealed"; return 1; }
  # The webhook admits the pod only if its ServiceAccount may use the connection (docs/sharing.md).
  grant_use bench default connection vt || { echo "$who: cannot grant the pod's ServiceAccount use of vt"; return 1; }
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: bench, namespace: bench, annotations: {dragops.io/inject: "true", dragops.io/connections: vt}}\nspec: {containers: [{name: app, image: busybox}]}\n' |
    kubectl apply -f - >/dev/null
}
