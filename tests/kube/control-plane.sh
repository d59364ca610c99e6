#!/usr/bin/env bash
# The real control plane for tests: etcd, kube-apiserver and kube-controller-manager of the pinned
# release (tests/kube/upstream), on 127.0.0.1 with free ports, in the foreground until SIGTERM.
# It behaves like the local API server (tests/apiserver) so that tests can start either:
#
#   tests/kube/control-plane.sh --dir DIR [--port PORT] [--apiserver-arg=--flag=value ...]
#                               [--controllers LIST]
#
# writes DIR/kubeconfig (an admin client certificate, group system:masters), DIR/ca.crt, DIR/token
# (a bearer token of the same admin, for clients that take a token) and the components' logs in
# DIR, prints `READY https://127.0.0.1:PORT` once kube-apiserver is ready and
# the controller manager healthy, and stops all three when it gets SIGTERM or SIGINT. It exits
# non-zero, with the failing component's log tail, when a binary is missing or a component is not
# healthy in time (DRAGOPS_KUBE_START_TIMEOUT seconds, default 90).
#
# Binaries: $DRAGOPS_KUBE_BIN, else whatever tests/kube/upstream/build.sh prints (it builds them
# into the cache the first time). etcd keeps its data in DIR (tmpfs when TMPDIR is one) without
# fsync: test data only. Started again on the same DIR (and --port), it keeps the certificates,
# the token and etcd's data and ports: a restart, as the local server's --state gives.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="" port="" controllers="*" apiserver_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --dir=*) dir="${1#--dir=}"; shift ;;
    --controllers) controllers="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --apiserver-arg=*) apiserver_args+=("${1#--apiserver-arg=}"); shift ;;
    *) echo "control-plane.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] || { echo "usage: control-plane.sh --dir DIR" >&2; exit 2; }
mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
timeout_s="${DRAGOPS_KUBE_START_TIMEOUT:-90}"

bin="${DRAGOPS_KUBE_BIN:-}"
if [ -z "$bin" ]; then
  bin="$("$here/upstream/build.sh")" || { echo "control-plane.sh: building the upstream binaries failed" >&2; exit 1; }
fi
for tool in etcd kube-apiserver kube-controller-manager; do
  [ -x "$bin/$tool" ] || { echo "control-plane.sh: $bin/$tool is missing (run 'make kube')" >&2; exit 1; }
done

pids=()
# Stops the components newest first (the controller manager, kube-apiserver, then etcd), each
# with SIGTERM and, when it has not exited within 10 s, SIGKILL: etcd's data needs no fsync to
# survive a killed process, and a test should not wait for kube-apiserver's graceful shutdown.
stop_all() {
  local i pid deadline
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap 'stop_all; exit 0' TERM INT
trap 'stop_all' EXIT

die() {   # die MESSAGE [LOG]: the message and the log's tail, then exit 1
  echo "control-plane.sh: $1" >&2
  [ -n "${2:-}" ] && [ -f "$2" ] && { echo "--- last lines of $2:" >&2; tail -n 40 "$2" >&2; }
  exit 1
}

source "$here/free_port.sh"

# until_ready SECONDS PID LOG COMMAND...: polls COMMAND until it succeeds; fails if PID exits.
until_ready() {
  local seconds=$1 pid=$2 log=$3; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || return 2
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# --- PKI: one CA signs the API server's serving certificate and the clients' certificates.
pki="$dir/pki"
if [ ! -f "$pki/done" ]; then
mkdir -p "$pki"
# Services get ClusterIPs from a loopback range of their own, 127.R.0.0/16: kube-apiserver calls a
# webhook Service at its ClusterIP, and without kube-proxy only a loopback address reaches the
# test's webhook server listening on it. R is random so parallel control planes rarely share one.
echo "127.$((2 + RANDOM % 253)).0.0/16" >"$pki/service-cidr"
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
sign() {  # sign NAME SUBJECT EXTENSIONS
  ec_key "$pki/$1.key"
  openssl req -new -key "$pki/$1.key" -subj "$2" -out "$pki/$1.csr" 2>/dev/null
  printf '%s\n' "$3" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
}
ec_key "$pki/ca.key"
openssl req -x509 -new -key "$pki/ca.key" -subj "/CN=dragops-test-kubernetes-ca" -days 2 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$pki/ca.crt" 2>/dev/null
sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$(sed 's|0/16$|1|' "$pki/service-cidr"),DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
sign admin "/O=system:masters/CN=admin" "$client_ext"
sign controller-manager "/CN=system:kube-controller-manager" "$client_ext"
ec_key "$pki/service-account.key"
openssl pkey -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub" 2>/dev/null
cp "$pki/ca.crt" "$dir/ca.crt"
# A static token for the same admin (kube-apiserver --token-auth-file: token,user,uid,"groups").
token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$token" >"$dir/token"; chmod 600 "$dir/token"
printf '%s,admin,admin,"system:masters"\n' "$token" >"$pki/tokens.csv"
touch "$pki/done"
fi

service_cidr=$(cat "$pki/service-cidr")

# kubeconfig FILE USER SERVER: a kubeconfig for a client certificate of the CA.
kubeconfig() {
  cat >"$1" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: dragops-test
  cluster:
    server: $3
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 <"$pki/$2.crt")
    client-key-data: $(base64 -w0 <"$pki/$2.key")
contexts:
- name: dragops-test
  context: {cluster: dragops-test, user: $2, namespace: default}
current-context: dragops-test
YAML
  chmod 600 "$1"
}

# --- etcd
for attempt in 1 2 3 4 5; do
  if [ -f "$dir/etcd-ports" ] && [ "$attempt" = 1 ]; then read -r etcd_port peer_port <"$dir/etcd-ports"
  else etcd_port=$(free_port) peer_port=$(free_port); fi
  "$bin/etcd" --name test --data-dir "$dir/etcd-data" --unsafe-no-fsync --log-level warn \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "test=http://127.0.0.1:$peer_port" --listen-metrics-urls "" \
    >"$dir/etcd.log" 2>&1 &
  etcd_pid=$!
  if until_ready "$timeout_s" "$etcd_pid" "$dir/etcd.log" curl -sf "http://127.0.0.1:$etcd_port/health"; then break; fi
  rc=$?; wait "$etcd_pid" 2>/dev/null || true
  [ $rc = 2 ] && grep -q 'address already in use' "$dir/etcd.log" && { rm -rf "$dir/etcd-data"; continue; }
  die "etcd did not become healthy" "$dir/etcd.log"
done
pids+=("$etcd_pid")
echo "$etcd_port $peer_port" >"$dir/etcd-ports"

# --- kube-apiserver
fixed_port=$port
for attempt in 1 2 3 4 5; do
  port=${fixed_port:-$(free_port)}
  url="https://127.0.0.1:$port"
  "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/service-account.pub" \
    --service-account-signing-key-file "$pki/service-account.key" \
    --service-cluster-ip-range "$service_cidr" \
    --authorization-mode RBAC \
    --endpoint-reconciler-type none \
    --profiling=false \
    --cert-dir "$dir/apiserver-certs" \
    "${apiserver_args[@]}" >"$dir/kube-apiserver.log" 2>&1 &
  apiserver_pid=$!
  kubeconfig "$dir/kubeconfig" admin "$url"
  ready() { curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$url/readyz"; }
  if until_ready "$timeout_s" "$apiserver_pid" "$dir/kube-apiserver.log" ready; then break; fi
  rc=$?; wait "$apiserver_pid" 2>/dev/null || true
  [ $rc = 2 ] && [ -z "$fixed_port" ] && grep -q 'address already in use' "$dir/kube-apiserver.log" && continue
  die "kube-apiserver did not become ready" "$dir/kube-apiserver.log"
done
pids+=("$apiserver_pid")

# --- kube-controller-manager: garbage collector, namespace and service-account controllers (and
# the rest of its defaults), each controller with its own ServiceAccount's rights, as kubeadm runs it.
kubeconfig "$dir/controller-manager.kubeconfig" controller-manager "$url"
for attempt in 1 2 3 4 5; do
  kcm_port=$(free_port)
  "$bin/kube-controller-manager" \
    --kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$kcm_port" \
    --leader-elect=false --use-service-account-credentials=true \
    --controllers "$controllers" \
    --service-account-private-key-file "$pki/service-account.key" \
    --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --cert-dir "$dir/controller-manager-certs" --service-cluster-ip-range "$service_cidr" \
    >"$dir/kube-controller-manager.log" 2>&1 &
  kcm_pid=$!
  if until_ready "$timeout_s" "$kcm_pid" "$dir/kube-controller-manager.log" curl -skf "https://127.0.0.1:$kcm_port/healthz"; then break; fi
  rc=$?; wait "$kcm_pid" 2>/dev/null || true
  [ $rc = 2 ] && grep -q 'address already in use' "$dir/kube-controller-manager.log" && continue
  die "kube-controller-manager did not become healthy" "$dir/kube-controller-manager.log"
done
pids+=("$kcm_pid")

# The default ServiceAccount exists before any test creates a pod (the controller makes it).
default_sa() { curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$url/api/v1/namespaces/default/serviceaccounts/default"; }
until_ready "$timeout_s" "$kcm_pid" "$dir/kube-controller-manager.log" default_sa ||
  die "the ServiceAccount controller made no default ServiceAccount" "$dir/kube-controller-manager.log"

echo "etcd $etcd_pid" >"$dir/pids"; echo "kube-apiserver $apiserver_pid" >>"$dir/pids"; echo "kube-controller-manager $kcm_pid" >>"$dir/pids"
echo "READY $url"
# Wait for a signal, or for any component to die (then exit non-zero with its log).
while :; do
  for pair in "etcd:$etcd_pid" "kube-apiserver:$apiserver_pid" "kube-controller-manager:$kcm_pid"; do
    kill -0 "${pair#*:}" 2>/dev/null || die "${pair%%:*} exited" "$dir/${pair%%:*}.log"
  done
  sleep 1 &
  wait $! || true
done
