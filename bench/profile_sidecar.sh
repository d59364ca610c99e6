#!/usr/bin/env bash
# Instructions per request of the sidecar's /token answer and of nginx-light serving the same
# 1 KiB, counted by valgrind --tool=callgrind (repeatable on a loaded machine, unlike time), and
# the sidecar's top functions by their own and by inclusive cost. Not part of `make bench`
# (valgrind makes it slow); run it before and after a change to the request path:
#
#   bench/profile_sidecar.sh [BUILD_DIR]     (PROFILE_SECONDS=8, PROFILE_TOP=25,
#                                              PROFILE_SIDECAR_BINARY=another build; the callgrind
#                                              files stay in PROFILE_OUT, default a temp dir)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
seconds=${PROFILE_SECONDS:-8}
top=${PROFILE_TOP:-25}
out=${PROFILE_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/dragops-profile-XXXXXX")}
mkdir -p "$out"

export DRAGOPS_APISERVER_BINARY=$build/tests/apiserver/dragops-apiserver
export DRAGOPS_OPERATOR_BINARY=$build/operator/dragops-operator
export DRAGOPS_SIDECAR_BINARY=$build/sidecar/dragops-sidecar
export DRAGOPS_SOURCE_DIR=$root
export DRAGOPSCTL_BINARY=$build/tools/dragopsctl/dragopsctl   # kubectl-dragops beside it grants `use`
for tool in valgrind callgrind_annotate wrk nginx curl jq; do
  command -v $tool >/dev/null || { echo "profile_sidecar: $tool is not installed"; exit 1; }
done
source "$root/tests/e2e/lib/apiserver.sh"
source "$root/tests/e2e/lib/sidecar.sh"
source "$root/bench/lib.sh"

PROFILED=""
cleanup() {
  [ -n "$PROFILED" ] && kill "$PROFILED" 2>/dev/null
  sidecar_stop; operator_stop; apiserver_cleanup
}
apiserver_start >/dev/null || exit 1
trap cleanup EXIT
operator_start || { echo "profile_sidecar: operator did not start"; exit 1; }
bench_injected_pod profile_sidecar || exit 1
# The stand-in kubelet starts the sidecar under callgrind (DRAGOPS_SIDECAR_BINARY is a wrapper).
cat >"$out/sidecar-under-callgrind" <<EOF2
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$out/sidecar.callgrind "${PROFILE_SIDECAR_BINARY:-$build/sidecar/dragops-sidecar}"
EOF2
chmod +x "$out/sidecar-under-callgrind"
DRAGOPS_SIDECAR_BINARY=$out/sidecar-under-callgrind
sidecar_launch bench bench || exit 1
wait_until 120 curl -fsS "http://127.0.0.1:$SIDECAR_HEALTH_PORT/readyz" || { echo "profile_sidecar: the sidecar did not become ready"; exit 1; }
token=$(cat "$SIDECAR_DIR/token/token")

# Counts from after a warm-up to the end of the process (the final dump), divided by the
# requests wrk completed: start-up is excluded, shutdown (small) is not.
profile() {   # NAME PID URL [wrk args]: prints "Ir requests"
  local name=$1 pid=$2 url=$3; shift 3
  wrk -t1 -c16 -d2s "$@" "$url" >/dev/null 2>&1
  callgrind_control -z "$pid" >/dev/null 2>&1
  local requests
  requests=$(wrk -t1 -c16 -d${seconds}s "$@" "$url" 2>&1 | awk '/requests in/ {print $1}')
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))   # the final dump is written as the process exits
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  echo "$(awk '/^totals:/ {print $2}' "$out/$name.callgrind") $requests"
}
PROFILED=$SIDECAR_PID
read -r sidecar_ir sidecar_requests < <(profile sidecar "$SIDECAR_PID" "http://127.0.0.1:$SIDECAR_PORT/v1/connections/vt/token" -H "Authorization: Bearer $token")
PROFILED=""

ngx=$APISERVER_DIR/nginx; mkdir -p "$ngx/www"
printf '%s' "$credential" >"$ngx/www/token"
ngx_port=$(free_port)
cat >"$ngx/nginx.conf" <<EOF2
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $ngx; proxy_temp_path $ngx; fastcgi_temp_path $ngx; uwsgi_temp_path $ngx; scgi_temp_path $ngx;
  server { listen 127.0.0.1:$ngx_port; root $ngx/www; location / { default_type text/plain; add_header Cache-Control no-store; } }
}
EOF2
valgrind --tool=callgrind --callgrind-out-file="$out/nginx.callgrind" nginx -p "$ngx" -c "$ngx/nginx.conf" -g 'daemon off; master_process off;' 2>"$ngx/valgrind.log" &
PROFILED=$!
wait_until 60 curl -sf "http://127.0.0.1:$ngx_port/token" || { echo "profile_sidecar: nginx did not start"; exit 1; }
read -r nginx_ir nginx_requests < <(profile nginx "$PROFILED" "http://127.0.0.1:$ngx_port/token")
PROFILED=""

per() { awk -v ir="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", ir / n; else print "n/a" }'; }
echo "instructions per request (callgrind, user space only; wrk -t1 -c16, 1 KiB body):"
echo "  sidecar      $(per "$sidecar_ir" "$sidecar_requests")  ($sidecar_requests requests)"
echo "  nginx-light  $(per "$nginx_ir" "$nginx_requests")  ($nginx_requests requests)"
echo "sidecar, top $top by own cost:"
callgrind_annotate --threshold=100 --auto=no "$out/sidecar.callgrind" 2>/dev/null |
  awk '/^-+$/ {rule++} rule >= 3 && /^ *[0-9,]+ \(/' | grep -v "PROGRAM TOTALS\|clone.S\|start_thread\|io_context::run\|_M_run\|0x00000000000d4490" |
  head -"$top" | cut -c1-160
echo "sidecar, request path by inclusive cost:"
callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$out/sidecar.callgrind" 2>/dev/null |
  grep -E "ApiHandler::operator\(\)|ApiHandler::connection|EnvelopeKeys::open|crypto::open\(|hkdf_sha256\(|aes256gcm_decrypt|on_request|AuditLog::write|log::write\(|Session<.*>::on_read|Session<.*>::write\(|Session<.*>::on_write|basic_parser<true>::put\(" |
  grep " \[/" | head -20 | cut -c1-160
echo "callgrind files: $out"
