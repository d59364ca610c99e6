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
