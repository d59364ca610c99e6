#!/usr/bin/env bash
# Side by side with External Secrets Operator (issue 14, item 3), on the real control plane
# (kube-apiserver, etcd and kube-controller-manager of the pinned release): ESO v0.16
# (bench/eso/build.sh, from the Go module proxy) syncs N ExternalSecrets from its in-cluster
# `kubernetes` provider (a ClusterSecretStore reading one Secret of namespace bench-source with a
# ServiceAccount token that may read only that) into N Secrets. Its `fake` provider is not used:
# in v0.16.2 it crashes the controller with concurrent workers (fatal error: concurrent map
# writes in fake.(*Provider).NewClient; external-secrets issue #6233). Then our operator seals N
# Connections (each referencing a core Secret) into N stores, on the same server. Each starts
# with its objects already created and runs until all are Ready=True; printed for both: the wall
# time, the controller's CPU time and its peak RSS (VmHWM), with the same number of workers
# (ESO --concurrent, our --workers). N = ESO_BENCH_NAMESPACES x ESO_BENCH_PER_NAMESPACE
# (100 x 100 by default).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
namespaces=${ESO_BENCH_NAMESPACES:-100}
per=${ESO_BENCH_PER_NAMESPACE:-100}
workers=${ESO_BENCH_WORKERS:-4}
total=$((namespaces * per))
export DRAGOPS_E2E_BACKEND=real
source "$root/tests/e2e/lib/cluster.sh"
operator=$build/operator/dragops-operator
load=$build/bench/operator/bench_operator_load
for b in "$operator" "$load"; do [ -x "$b" ] || { echo "bench_eso: $b not built"; exit 1; }; done
eso_dir=$("$root/bench/eso/build.sh") || { echo "bench_eso: External Secrets Operator could not be built (see above)"; exit 1; }

source "$root/bench/lib.sh"
bench_workdir eso
cluster_start "$work/apiserver" >/dev/null || { echo "bench_eso: the control plane did not start"; exit 1; }
api_pid=$(awk '$1 == "kube-apiserver" { print $2 }' "$work/apiserver/pids")
apply_crds_and_packs "$root" || { echo "bench_eso: cannot apply our CRDs and packs"; exit 1; }
kubectl apply --server-side -f "$eso_dir/crds/" >/dev/null || { echo "bench_eso: cannot apply ESO's CRDs"; exit 1; }
kubectl wait --for condition=Established --timeout=60s -f "$eso_dir/crds/" >/dev/null
"$load" setup "$namespaces"

# run NAME WAIT-KIND COMMAND...: starts the controller, waits until every object is Ready, prints a line.
run() {
  local name=$1 kind=$2
  shift 2
  local api_before start end pid hwm cpu api_cpu seconds
  api_before=$(cpu_of "$api_pid")
  start=$(date +%s%N)
  "$@" >"$work/$name.out" 2>"$work/$name.log" &
  pid=$!
  pids+=($pid)
  if ! "$load" wait-ready "$total" 900 $kind >"$work/$name.ready"; then
    echo "bench_eso: $name: $(cat "$work/$name.ready"); its log ends:"; tail -5 "$work/$name.log"; return 1
  fi
  end=$(date +%s%N)
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  cpu=$(cpu_of "$pid")
  api_cpu=$(awk -v a="$(cpu_of "$api_pid")" -v b="$api_before" 'BEGIN { printf "%.1f", a - b }')
  seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }')
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  printf '%-34s %8s s %10s s %10s s %8d MiB\n' "$name" "$seconds" "$cpu" "$api_cpu" $((hwm / 1024))
  echo "$seconds $cpu $((hwm / 1024))" >"$work/$name.figures"
}

# ESO's source: one Secret, read by a ServiceAccount token through the API server's URL and CA.
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: bench-source}
---
apiVersion: v1
kind: Secret
metadata: {name: source, namespace: bench-source}
stringData: {api_key: bench-key-value}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: eso-reader, namespace: bench-source}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: eso-reader, namespace: bench-source}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: eso-reader, namespace: bench-source}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: eso-reader}
subjects: [{kind: ServiceAccount, name: eso-reader, namespace: bench-source}]
YAML
token=$(kubectl -n bench-source create token eso-reader --duration 2h)
kubectl -n bench-source create secret generic eso-reader-token --from-literal=token="$token" >/dev/null
ca=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
server=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
kubectl apply -f - >/dev/null <<YAML || { echo "bench_eso: cannot create the ClusterSecretStore"; exit 1; }
apiVersion: external-secrets.io/v1beta1
kind: ClusterSecretStore
metadata: {name: bench}
spec:
  provider:
    kubernetes:
      remoteNamespace: bench-source
      server: {url: "$server", caBundle: "$ca"}
      auth: {token: {bearerToken: {name: eso-reader-token, key: token, namespace: bench-source}}}
YAML
"$load" external-secrets "$namespaces" "$per" "$workers" source api_key >/dev/null
"$load" secrets "$namespaces" "$per" "$workers" >/dev/null
"$load" connections "$namespaces" "$per" "$workers" >/dev/null
echo "$total objects in $namespaces namespaces, created before each controller starts; $workers workers each"
printf '%-34s %10s %12s %12s %12s\n' "" "all Ready" "its CPU" "API server" "peak RSS"
run "External Secrets Operator $(basename "$eso_dir" | cut -d- -f2)" externalsecrets \
  env KUBECONFIG="$KUBECONFIG" "$eso_dir/bin/eso" --concurrent "$workers" --metrics-addr 127.0.0.1:0 \
    --enable-leader-election=false --loglevel error --enable-cluster-external-secret-reconciler=false \
    --enable-push-secret-reconciler=false --enable-cluster-push-secret-reconciler=false
run "dragops-operator" "" \
  "$operator" --kubeconfig "$KUBECONFIG" --leader-elect=false --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 \
    --webhook-addr "" --workers "$workers" --log-level warn
read -r eso_s eso_cpu eso_mb <"$work/External Secrets Operator"*.figures
read -r our_s our_cpu our_mb <"$work/dragops-operator.figures"
awk -v a="$eso_s" -v b="$our_s" -v c="$eso_cpu" -v d="$our_cpu" -v e="$eso_mb" -v f="$our_mb" 'BEGIN {
  printf "dragops-operator vs ESO: wall %.2fx, CPU %.2fx, peak RSS %.2fx (below 1: ours is smaller)\n", b / a, d / c, f / e }'
