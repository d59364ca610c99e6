#!/usr/bin/env bash
# The sidecar next to nginx-light on loopback, measured in the same run:
#   wrk against /v1/connections/NAME/token (a 1 KiB API key, decrypted per request, audit line
#   per request) vs nginx serving the same 1 KiB file; same threads and connections, each server
#   pinned to one core and wrk to the other. Prints the rps ratio and both p99 latencies, RSS
#   and PSS of both servers idle and under load, the sidecar's time from start to ready, and the
#   webhook's admission latency p99 (wrk POSTing an AdmissionReview over TLS). Not a test:
#   figures only. Instruction counts per request (callgrind): bench/profile_sidecar.sh.
#
#   bench/bench_sidecar.sh [BUILD_DIR]     (BENCH_SECONDS=5 BENCH_CONNECTIONS=16 by default)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
seconds=${BENCH_SECONDS:-5}
connections=${BENCH_CONNECTIONS:-16}
threads=1

export DRAGOPS_APISERVER_BINARY=$build/tests/apiserver/dragops-apiserver
export DRAGOPS_OPERATOR_BINARY=$build/operator/dragops-operator
export DRAGOPS_SIDECAR_BINARY=${DRAGOPS_SIDECAR_BINARY:-$build/sidecar/dragops-sidecar}
export DRAGOPS_SOURCE_DIR=$root
export DRAGOPSCTL_BINARY=$build/tools/dragopsctl/dragopsctl   # kubectl-dragops beside it grants `use`
for tool in wrk nginx taskset curl jq; do
  command -v $tool >/dev/null || { echo "bench_sidecar: $tool is not installed (make deps)"; exit 1; }
done
source "$root/tests/e2e/lib/apiserver.sh"
source "$root/tests/e2e/lib/sidecar.sh"
source "$root/bench/lib.sh"

NGINX_PID=""
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
  sidecar_stop; operator_stop; apiserver_cleanup
}
apiserver_start >/dev/null || exit 1
trap cleanup EXIT
operator_start || { echo "bench_sidecar: operator did not start"; tail "$APISERVER_DIR/operator.log"; exit 1; }
bench_injected_pod bench_sidecar || exit 1
sidecar_start bench bench || { echo "bench_sidecar: the sidecar did not become ready"; exit 1; }
token=$(cat "$SIDECAR_DIR/token/token")
[ "$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$SIDECAR_PORT/v1/connections/vt/token")" = "$credential" ] ||
  { echo "bench_sidecar: the sidecar does not serve the credential"; exit 1; }

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
# "RSS <MiB> PSS <MiB> (private <MiB>, shared library pages <MiB>)" from smaps_rollup: RSS counts
# every page mapped, PSS splits shared pages between the processes that map them.
memory_of() {
  awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} /^Private_Clean:/ {pc=$2} /^Private_Dirty:/ {pd=$2} /^Shared_Clean:/ {sc=$2} /^Shared_Dirty:/ {sd=$2}
       END {printf "RSS %.1f MiB, PSS %.1f MiB (private %.1f, shared %.1f)", r/1024, p/1024, (pc+pd)/1024, (sc+sd)/1024}' "/proc/$1/smaps_rollup"
}

# Time from exec to ready: a second sidecar with the same environment.
ready_ms() {
  local start pid ms port health
  port=$(free_port); health=$(free_port)
  start=$(date +%s%N)
  env -i PATH="$PATH" KUBECONFIG="$KUBECONFIG" $(sed -e "s|^DRAGOPS_KEY_DIR=.*|DRAGOPS_KEY_DIR=$SIDECAR_DIR/keys|" \
      -e "s|^DRAGOPS_TOKEN_FILE=.*|DRAGOPS_TOKEN_FILE=$SIDECAR_DIR/token/token2|" \
      -e "s|^DRAGOPS_LISTEN=.*|DRAGOPS_LISTEN=127.0.0.1:$port|" -e "s|^DRAGOPS_HEALTH_LISTEN=.*|DRAGOPS_HEALTH_LISTEN=127.0.0.1:$health|" \
      "$SIDECAR_DIR/env") "$DRAGOPS_SIDECAR_BINARY" 2>/dev/null &
  pid=$!
  until curl -sf "http://127.0.0.1:$health/readyz" >/dev/null 2>&1; do sleep 0.002; done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  kill "$pid"; wait "$pid" 2>/dev/null
  echo "$ms"
}
ready_times=$(for i in 1 2 3 4 5; do ready_ms; done | sort -n | tr '\n' ' ')

# Idle memory once the sidecar has let go of its start-up pages (it does so as soon as it is
# ready, within 100 ms; resident_pages.hpp): wait for RSS to hold still.
last=0; rss_idle=$(rss_kib "$SIDECAR_PID")
for _ in $(seq 1 50); do
  [ "$rss_idle" = "$last" ] && break
  last=$rss_idle; sleep 0.1; rss_idle=$(rss_kib "$SIDECAR_PID")
done
sidecar_memory_idle=$(memory_of "$SIDECAR_PID")

# nginx-light serving the same 1 KiB on loopback.
ngx=$APISERVER_DIR/nginx; mkdir -p "$ngx/www"
printf '%s' "$credential" >"$ngx/www/token"
ngx_port=$(free_port)
cat >"$ngx/nginx.conf" <<EOF
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $ngx; proxy_temp_path $ngx; fastcgi_temp_path $ngx; uwsgi_temp_path $ngx; scgi_temp_path $ngx;
  server { listen 127.0.0.1:$ngx_port; root $ngx/www; location / { default_type text/plain; add_header Cache-Control no-store; } }
}
EOF
nginx -p "$ngx" -c "$ngx/nginx.conf" -g 'daemon off; master_process off;' &
NGINX_PID=$!
wait_until 5 curl -sf "http://127.0.0.1:$ngx_port/token" || { echo "bench_sidecar: nginx did not start"; cat "$ngx/error.log"; exit 1; }
nginx_memory_idle=$(memory_of "$NGINX_PID")

taskset -cp 0 "$NGINX_PID" >/dev/null
taskset -acp 0 "$SIDECAR_PID" >/dev/null
run_wrk() { taskset -c 1 wrk -t$threads -c$connections -d${seconds}s --latency "$@" 2>&1; }
rps_of() { awk '/^Requests\/sec:/ {print $2}'; }
p99_of() { awk '$1 == "99%" {print $2}'; }

run_wrk "http://127.0.0.1:$ngx_port/token" >/dev/null   # warm-up
# Alternating rounds; the round with the median sidecar/nginx ratio is reported (this machine is
# shared, so a single pair of runs can land in different load).
rounds=${BENCH_ROUNDS:-3}
# CPU time (user + system, all threads) of a process in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
: >"$APISERVER_DIR/cpu"
: >"$APISERVER_DIR/rounds"
for r in $(seq 1 "$rounds"); do
  c0=$(cpu_ticks "$NGINX_PID")
  n_out=$(run_wrk "http://127.0.0.1:$ngx_port/token")
  c1=$(cpu_ticks "$NGINX_PID"); c2=$(cpu_ticks "$SIDECAR_PID")
  s_out=$(run_wrk -H "Authorization: Bearer $token" "http://127.0.0.1:$SIDECAR_PORT/v1/connections/vt/token")
  c3=$(cpu_ticks "$SIDECAR_PID")
  awk -v r="$r" -v n=$((c1 - c0)) -v s=$((c3 - c2)) -v hz="$ticks_per_second" -v d="$seconds" \
      -v nr="$(awk '/^Requests\/sec:/ {print $2}' <<<"$n_out")" -v sr="$(awk '/^Requests\/sec:/ {print $2}' <<<"$s_out")" \
      'BEGIN { printf "%s %.1f %.1f\n", r, n / hz * 1e6 / (nr * d), s / hz * 1e6 / (sr * d) }' >>"$APISERVER_DIR/cpu"
  printf '%s\n' "$n_out" >"$APISERVER_DIR/nginx.$r"; printf '%s\n' "$s_out" >"$APISERVER_DIR/sidecar.$r"
  awk -v r="$r" -v s="$(awk '/^Requests\/sec:/ {print $2}' <<<"$s_out")" -v n="$(awk '/^Requests\/sec:/ {print $2}' <<<"$n_out")" \
    'BEGIN { printf "%s %.4f\n", r, s / n }' >>"$APISERVER_DIR/rounds"
done
median_round=$(sort -k2 -n "$APISERVER_DIR/rounds" | awk '{r[NR]=$1} END {print r[int((NR+1)/2)]}')
nginx_out=$(cat "$APISERVER_DIR/nginx.$median_round")
sidecar_out=$(cat "$APISERVER_DIR/sidecar.$median_round")
# Under load: sampled while a last round runs (after the rounds RSS only grows back slowly).
run_wrk -H "Authorization: Bearer $token" "http://127.0.0.1:$SIDECAR_PORT/v1/connections/vt/token" >/dev/null &
load_wrk=$!
run_wrk "http://127.0.0.1:$ngx_port/token" >/dev/null &
load_wrk_nginx=$!
sleep "$(awk -v d="$seconds" 'BEGIN {print d / 2}')"
rss_load=$(rss_kib "$SIDECAR_PID")
sidecar_memory_load=$(memory_of "$SIDECAR_PID")
nginx_memory_load=$(memory_of "$NGINX_PID")
wait "$load_wrk" "$load_wrk_nginx"
rss_peak=$(hwm_kib "$SIDECAR_PID")
non2xx=$(cat "$APISERVER_DIR"/sidecar.* | grep -c "Non-2xx")

# Webhook admission latency: AdmissionReview POSTs over TLS, one connection.
review=$(jq -cn '{apiVersion:"admission.k8s.io/v1",kind:"AdmissionReview",request:{uid:"bench",
  kind:{group:"",version:"v1",kind:"Pod"},namespace:"bench",operation:"CREATE",
  object:{metadata:{name:"p",annotations:{"dragops.io/inject":"true","dragops.io/connections":"vt"}},
          spec:{containers:[{name:"app",image:"busybox"},{name:"helper",image:"busybox"}]}}}}')
cat >"$APISERVER_DIR/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$review]]
EOF
webhook_out=$(taskset -c 1 wrk -t1 -c1 -d${seconds}s --latency -s "$APISERVER_DIR/post.lua" "https://$WEBHOOK_ADDR/mutate-pods" 2>&1)

nginx_rps=$(rps_of <<<"$nginx_out"); sidecar_rps=$(rps_of <<<"$sidecar_out")
echo "sidecar vs nginx-light, 1 KiB body, wrk -t$threads -c$connections -d${seconds}s, one core each, median of $rounds alternating rounds (ratios: $(awk '{printf "%.2f ", $2}' "$APISERVER_DIR/rounds")):"
printf '  nginx-light  %10s req/s  p99 %s\n' "$nginx_rps" "$(p99_of <<<"$nginx_out")"
printf '  sidecar      %10s req/s  p99 %s  (decrypt + audit line per request)\n' "$sidecar_rps" "$(p99_of <<<"$sidecar_out")"
awk -v s="$sidecar_rps" -v n="$nginx_rps" 'BEGIN { printf "  ratio sidecar/nginx: %.2f (target >= 0.9)\n", s / n }'
awk -v r="$median_round" '$1 == r { printf "  CPU per request (user+system, all threads): nginx-light %.1f us, sidecar %.1f us\n", $2, $3 }' "$APISERVER_DIR/cpu"
[ "$non2xx" -eq 0 ] || echo "  WARNING: the sidecar answered non-2xx during the run"
echo "resident memory (smaps_rollup; target: sidecar RSS at most 8 MiB idle and under load):"
echo "  sidecar      idle: $sidecar_memory_idle"
echo "               load: $sidecar_memory_load"
echo "  nginx-light  idle: $nginx_memory_idle"
echo "               load: $nginx_memory_load"
echo "  sidecar VmHWM (peak, start-up included, before it lets go of the start-up pages): $((rss_peak / 1024)).$(( (rss_peak % 1024) * 10 / 1024 )) MiB"
echo "sidecar start to ready (ms, 5 runs): $ready_times"
echo "webhook admission (AdmissionReview over TLS, one connection): $(rps_of <<<"$webhook_out") req/s, p99 $(p99_of <<<"$webhook_out")"
handler_bin=$build/bench/sidecar/bench_sidecar_handler
if [ -x "$handler_bin" ]; then
  handler_out=$("$handler_bin" 1 2>/dev/null)
  echo "handler alone (no socket), 1 KiB /token: $(awk '$1=="handler" {print $2}' <<<"$handler_out") ns per answer; with metrics and the audit line: $(awk '$1=="handler_audited" {print $2}' <<<"$handler_out") ns"
fi
echo "machine load while measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (figures are only comparable within one run)"
