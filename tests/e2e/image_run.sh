#!/usr/bin/env bash
# The images `make images` built (build/images/*.tar), run as a kubelet runs them, on the real
# control plane:
#   each archive is accepted by skopeo (inspect, copy oci-archive: -> oci:), names the image the
#   chart deploys, carries the org.opencontainers.image.* labels, runs as 65532, holds no shell
#   or package manager, and holds the binary of this build (a stale archive fails: make images);
#   a second build from the same binaries gives the same digests (reproducible);
#   umoci unpacks it into an OCI runtime bundle whose config.json comes from the image's
#   configuration (user, entry point, environment), and runc starts it with a read-only root, no
#   capabilities, no new privileges, a tmpfs /tmp, the service-account volume a kubelet mounts and
#   KUBERNETES_SERVICE_HOST/PORT (in-cluster configuration), in the host's network namespace (the
#   test plays the pod network: curl runs beside it).
#   The operator's container, under the chart's RBAC, reconciles a Connection to Ready and serves
#   the webhook on 9443, the chart's container port (uid 65532 without capabilities cannot bind
#   443, so the test's Service maps 9443 to 9443 where a cluster's kube-proxy maps 443 to it); the
#   sidecar's container, started with the environment and volumes the webhook wrote into the pod,
#   serves the Connection to curl. No canary in any container log.
#   The dashboard's container, as the chart runs it (its args, its kubeconfig ConfigMap naming
#   the API server, the CA where the kube-root-ca.crt volume puts it, no service-account token),
#   serves its page, /healthz, and a sign-in with a user's token checked by the API server.
# ctest-backends: real
# ctest-timeout: 300
# ctest-unsanitized
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/apiserver.sh"
source "$here/lib/sidecar.sh"
source "$here/lib/checks.sh"

BUILD=${DRAGOPS_BUILD_DIR:?DRAGOPS_BUILD_DIR must be the build tree}
SOURCE=${DRAGOPS_SOURCE_DIR:?DRAGOPS_SOURCE_DIR must be the source tree}
IMAGES=$BUILD/images
for tool in umoci skopeo runc jq; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (make deps installs it)"; exit 1; }
done
for c in operator sidecar dashboard; do
  [ -f "$IMAGES/dragops-$c.tar" ] || { echo "FAIL: $IMAGES/dragops-$c.tar is missing: run make images"; exit 1; }
done

RUNC_ROOT=""
CONTAINERS=()
declare -A RUNC_PID=()
container_stop() {   # container_stop NAME: SIGTERM, then the container is deleted
  runc --root "$RUNC_ROOT" kill "$1" TERM 2>/dev/null
  local deadline=$((SECONDS + 10))
  while [ "$(runc --root "$RUNC_ROOT" state "$1" 2>/dev/null | jq -r .status)" = running ] && [ $SECONDS -lt $deadline ]; do
    sleep 0.1
  done
  runc --root "$RUNC_ROOT" delete --force "$1" 2>/dev/null
}
cleanup() {
  local c
  for c in "${CONTAINERS[@]}"; do container_stop "$c"; wait "${RUNC_PID[$c]}" 2>/dev/null; done
  apiserver_cleanup
}
apiserver_start || exit 1
trap cleanup EXIT
RUNC_ROOT=$APISERVER_DIR/runc
WORK=$APISERVER_DIR/images
mkdir -p "$WORK" "$RUNC_ROOT"

# --- the archives ---
helm=$("$SOURCE/tests/tools/fetch-tools.sh" helm | awk '$1 == "helm" { print $2 }')
rendered=$("$helm" template dragops "$SOURCE/charts/dragops" --namespace dragops-system --show-only templates/deployment.yaml 2>/dev/null)
chart_operator=$(sed -n 's/^ *image: "\(.*\)"$/\1/p' <<<"$rendered" | head -1)
chart_sidecar=$(sed -n 's/^ *- --sidecar-image=\(.*\)$/\1/p' <<<"$rendered" | head -1)
chart_dashboard=$("$helm" template dragops "$SOURCE/charts/dragops" --namespace dragops-system --show-only templates/dashboard.yaml 2>/dev/null |
  sed -n 's/^ *image: "\(.*\)"$/\1/p' | head -1)
declare -A chart_image=([operator]=$chart_operator [sidecar]=$chart_sidecar [dashboard]=$chart_dashboard)
declare -A binary_of=([operator]=$DRAGOPS_OPERATOR_BINARY [sidecar]=$DRAGOPS_SIDECAR_BINARY [dashboard]=${DRAGOPS_DASHBOARD_BINARY:?})
version=$(sed -n 's/^project(dragops_connections VERSION \([0-9.]*\).*/\1/p' "$SOURCE/CMakeLists.txt")

for c in operator sidecar dashboard; do
  archive=$IMAGES/dragops-$c.tar
  ref=$(tar -xOf "$archive" index.json | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]')
  check_ref="docker.io/${chart_image[$c]}"
  [ "$ref" = "$check_ref" ] && ok "$c: the archive names the chart's image ($ref)" ||
    bad "$c: the archive names the chart's image" "chart: $check_ref" "archive: $ref"
  if inspect=$(skopeo inspect "oci-archive:$archive" 2>&1); then
    ok "$c: skopeo reads the archive"
    [ "$(jq -r .Digest <<<"$inspect")" = "$(cat "$IMAGES/dragops-$c.digest")" ] &&
      ok "$c: its digest is the one make images printed ($(cat "$IMAGES/dragops-$c.digest"))" ||
      bad "$c: skopeo's digest is make images'" "$(jq -r .Digest <<<"$inspect") != $(cat "$IMAGES/dragops-$c.digest")"
    labels=$(jq -r '.Labels | to_entries[] | "\(.key)=\(.value)"' <<<"$inspect")
    for want in "org.opencontainers.image.title=dragops-$c" "org.opencontainers.image.version=$version" \
      "org.opencontainers.image.revision=" "org.opencontainers.image.created=" "org.opencontainers.image.description="; do
      grep -q "^$want" <<<"$labels" || bad "$c: label $want" "labels: $labels"
    done
    ok "$c: OCI labels title, version $version, revision, created, description"
  else
    bad "$c: skopeo reads the archive" "$inspect"
  fi
  config=$(skopeo inspect --config "oci-archive:$archive" 2>&1)
  [ "$(jq -r .config.User <<<"$config")" = 65532:65532 ] && ok "$c: the image's user is 65532:65532" ||
    bad "$c: the image's user is 65532:65532" "$(jq -c .config <<<"$config")"
  [ "$(jq -c .config.Entrypoint <<<"$config")" = "[\"/usr/local/bin/dragops-$c\"]" ] && ok "$c: the entry point is the binary" ||
    bad "$c: the entry point is the binary" "$(jq -c .config.Entrypoint <<<"$config")"

  # skopeo copies it into an OCI layout (as a registry push would read it), umoci unpacks that.
  skopeo copy -q "oci-archive:$archive" "oci:$WORK/$c-layout:run" >/dev/null 2>"$WORK/$c-copy.log" ||
    { bad "$c: skopeo copy oci-archive: -> oci:" "$(cat "$WORK/$c-copy.log")"; continue; }
  [ "$(jq -r '.manifests[0].digest' "$WORK/$c-layout/index.json")" = "$(cat "$IMAGES/dragops-$c.digest")" ] ||
    bad "$c: skopeo copy keeps the digest"
  umoci unpack --image "$WORK/$c-layout:run" "$WORK/$c" >"$WORK/$c-unpack.log" 2>&1 ||
    { bad "$c: umoci unpacks the image" "$(cat "$WORK/$c-unpack.log")"; continue; }
  rootfs=$WORK/$c/rootfs
  # What is in it: the binary, shared objects, the loader, CA certificates, passwd/group,
  # nsswitch.conf, Debian copyright files; no other executable, no shell, no package manager.
  others=$(cd "$rootfs" && find . -type f ! -path ./usr/local/bin/dragops-$c ! -name '*.so*' \
    ! -path './usr/share/doc/*' ! -path ./etc/passwd ! -path ./etc/group ! -path ./etc/nsswitch.conf \
    ! -path ./etc/ssl/certs/ca-certificates.crt)
  [ -z "$others" ] && ok "$c: only the binary, its libraries, certificates, users and copyright files" ||
    bad "$c: unexpected files in the image" "$others"
  shells=$(cd "$rootfs" && find . \( -name sh -o -name bash -o -name dash -o -name busybox -o -name apt -o -name apt-get -o -name dpkg \))
  [ -z "$shells" ] && ok "$c: no shell and no package manager" || bad "$c: a shell or package manager in the image" "$shells"
  stripped=$WORK/$c.stripped
  strip --strip-all --remove-section=.note.gnu.build-id -o "$stripped" "${binary_of[$c]}"
  cmp -s "$stripped" "$rootfs/usr/local/bin/dragops-$c" && ok "$c: the image holds this build's binary" ||
    bad "$c: the image holds this build's binary" "the archive is stale: run make images"
done
# Reproducible: a second build from the same binaries and commit gives the same digests.
for c in operator sidecar dashboard; do
  binary=${binary_of[$c]}
  if "$SOURCE/docker/images.sh" build "$c" "$binary" "$WORK/rebuild" >"$WORK/rebuild-$c.log" 2>&1; then
    [ "$(cat "$WORK/rebuild/dragops-$c.digest")" = "$(cat "$IMAGES/dragops-$c.digest")" ] &&
      ok "$c: a second build has the same digest" ||
      bad "$c: a second build has the same digest" "make images: $(cat "$IMAGES/dragops-$c.digest")" \
        "again:       $(cat "$WORK/rebuild/dragops-$c.digest") (a stale archive? run make images)"
  else
    bad "$c: a second build" "$(tail -5 "$WORK/rebuild-$c.log")"
  fi
done
rm -rf "$WORK/rebuild"
[ "$failed" -eq 0 ] || { echo "$passed passed, $failed failed"; exit 1; }

# --- running them ---
api_host=$(sed -E 's|^https://([^:/]+):([0-9]+).*$|\1|' <<<"$CLUSTER_URL")
api_port=$(sed -E 's|^https://([^:/]+):([0-9]+).*$|\2|' <<<"$CLUSTER_URL")
ca_pem=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d)

# service_account_dir DIR NAMESPACE SERVICEACCOUNT: the files a kubelet projects into
# /var/run/secrets/kubernetes.io/serviceaccount (a TokenRequest token, the CA, the namespace).
service_account_dir() {
  mkdir -p "$1"
  kubectl -n "$2" get serviceaccount "$3" >/dev/null 2>&1 || kubectl -n "$2" create serviceaccount "$3" >/dev/null || return 1
  kubectl -n "$2" create token "$3" --duration 1h >"$1/token" || return 1
  printf '%s\n' "$ca_pem" >"$1/ca.crt"
  printf '%s' "$2" >"$1/namespace"
  chmod 0644 "$1"/*
}

# container_start NAME COMPONENT LOG MOUNTS-JSON ENV-JSON ARGS-JSON: edits the bundle's config.json
# as a kubelet's runtime would for the chart's securityContext, then starts it with runc.
container_start() {
  local name=$1 c=$2 log=$3 mounts=$4 env=$5 args=$6 bundle=$WORK/$2
  local user
  user=$(jq -r '"\(.process.user.uid):\(.process.user.gid)"' "$bundle/config.json")
  [ "$user" = 65532:65532 ] || { echo "the bundle's user is $user, not the image's 65532:65532" >&2; return 1; }
  jq --argjson mounts "$mounts" --argjson env "$env" --argjson args "$args" '
    .root.readonly = true
    | .process.terminal = false
    | .process.noNewPrivileges = true
    | .process.capabilities = {bounding: [], effective: [], inheritable: [], permitted: [], ambient: []}
    | .process.args += $args
    | .process.env += $env
    | .linux.namespaces |= map(select(.type != "network"))
    | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]}] + $mounts
  ' "$bundle/config.json" >"$bundle/config.json.new" && mv "$bundle/config.json.new" "$bundle/config.json" || return 1
  runc --root "$RUNC_ROOT" run --bundle "$bundle" "$name" </dev/null >"$log" 2>&1 &
  RUNC_PID[$name]=$!
  CONTAINERS+=("$name")
}
# container_ready NAME URL SECONDS: the URL answers 2xx within SECONDS; fails at once if the
# container exits (a missing library, file or permission).
container_ready() {
  local deadline=$((SECONDS + $3))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    kill -0 "${RUNC_PID[$1]}" 2>/dev/null || { echo "the container $1 exited" >&2; return 1; }
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}
bind_ro() { jq -nc --arg s "$1" --arg d "$2" '{destination: $d, type: "bind", source: $s, options: ["rbind", "ro"]}'; }
bind_rw() { jq -nc --arg s "$1" --arg d "$2" '{destination: $d, type: "bind", source: $s, options: ["rbind", "rw"]}'; }
kube_env() { jq -nc --arg h "$api_host" --arg p "$api_port" '["KUBERNETES_SERVICE_HOST=" + $h, "KUBERNETES_SERVICE_PORT=" + $p]'; }
sa_path=/var/run/secrets/kubernetes.io/serviceaccount

# container_process NAME: the container's process as /proc shows it: "uid rootfs-mount-options".
container_process() {
  local pid
  pid=$(runc --root "$RUNC_ROOT" state "$1" | jq -r .pid)
  echo "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status") $(awk '$5 == "/" { print $6 }' "/proc/$pid/mountinfo" | head -1)"
}

# The operator: the chart's ServiceAccount and RBAC, its flags as the chart passes them.
apply_crds_and_packs "$SOURCE" || { bad "the CRDs and packs apply"; exit 1; }
ensure_namespace dragops-system
export WEBHOOK_SERVICE_PORT=9443
webhook_register || { bad "the webhook is registered"; exit 1; }
"$helm" template dragops "$SOURCE/charts/dragops" --namespace dragops-system \
  --show-only templates/serviceaccount.yaml --show-only templates/rbac.yaml 2>/dev/null | kubectl apply -f - >/dev/null ||
  { bad "the chart's RBAC applies"; exit 1; }
service_account_dir "$WORK/operator-sa" dragops-system dragops-operator || { bad "a token for the operator"; exit 1; }
metrics_port=$(free_port)
health_port=$(free_port)
container_start "dragops-operator-$$" operator "$WORK/operator.log" \
  "[$(bind_ro "$WORK/operator-sa" $sa_path)]" \
  "$(kube_env | jq -c '. + ["POD_NAMESPACE=dragops-system"]')" \
  "$(jq -nc --arg w "$WEBHOOK_ADDR" --arg m "127.0.0.1:$metrics_port" --arg h "127.0.0.1:$health_port" --arg s "$chart_sidecar" \
    '["--namespace=dragops-system", "--leader-elect=false", "--metrics-addr=" + $m, "--health-addr=" + $h,
      "--webhook-addr=" + $w, "--sidecar-image=" + $s, "--key-rotation-interval=0"]')" ||
  { bad "the operator's container starts"; exit 1; }
if container_ready "dragops-operator-$$" "http://127.0.0.1:$health_port/readyz" 60 && wait_until 30 webhook_serving; then
  ok "the operator's container is ready and serves the webhook at $WEBHOOK_ADDR"
else
  bad "the operator's container is ready and serves the webhook" "$(tail -20 "$WORK/operator.log")"
  exit 1
fi
read -r uid root_options <<<"$(container_process "dragops-operator-$$")"
[ "$uid" = 65532 ] && [[ ",$root_options," == *,ro,* ]] && ok "the operator runs as uid 65532 on a read-only root" ||
  bad "the operator runs as uid 65532 on a read-only root" "uid $uid, / mounted $root_options"

# A Connection, reconciled by the operator's container.
CANARY="CANARY-image-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ensure_namespace team-a
kubectl apply -f - >"$WORK/apply.log" 2>&1 <<EOF || bad "the Secret and the Connection apply" "$(cat "$WORK/apply.log")"
apiVersion: v1
kind: Secret
metadata: {name: virustotal-credentials, namespace: team-a}
stringData: {api_key: "$CANARY"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: virustotal, namespace: team-a}
spec: {pack: virustotal, credentialsRef: {name: virustotal-credentials}}
EOF
kubectl -n team-a wait --for=condition=Ready connection/virustotal --timeout=60s >/dev/null &&
  ok "the operator's container reconciles the Connection to Ready" ||
  bad "the Connection becomes Ready" "$(kubectl -n team-a get connection virustotal -o jsonpath='{.status.conditions}')"

# A pod, injected by the operator's container; its ServiceAccount may use the connection.
grant_use team-a default connection virustotal || bad "the pod's ServiceAccount may use the connection"
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: workflow
  namespace: team-a
  annotations: {dragops.io/inject: "true", dragops.io/connections: virustotal}
spec:
  containers: [{name: app, image: busybox}]
EOF
sidecar=$(kubectl -n team-a get pod workflow -o json | jq -c '.spec.initContainers[]? | select(.name == "dragops-sidecar")')
[ "$(jq -r .image <<<"$sidecar")" = "$chart_sidecar" ] && ok "the webhook injects the sidecar image the archive holds ($chart_sidecar)" ||
  bad "the webhook injects the sidecar image" "$(jq -r .image <<<"$sidecar")"

# The sidecar's container: the env the webhook wrote (the listen ports moved to free ones: the
# test shares the host's network), the key and token volumes at the paths it wrote.
SIDECAR_DIR=$WORK/sidecar-volumes
mkdir -p "$SIDECAR_DIR/keys" "$SIDECAR_DIR/token"
chown 65532:65532 "$SIDECAR_DIR/token"
sidecar_sync_keys team-a || bad "the key ring is projected"
service_account_dir "$SIDECAR_DIR/sa" team-a "$(kubectl -n team-a get pod workflow -o jsonpath='{.spec.serviceAccountName}')" ||
  bad "a token for the pod's ServiceAccount"
SIDECAR_PORT=$(free_port)
SIDECAR_HEALTH_PORT=$(free_port)
sidecar_env=$(jq -c --arg port "$SIDECAR_PORT" --arg health "$SIDECAR_HEALTH_PORT" '[.env[] |
  if .name == "DRAGOPS_LISTEN" then "DRAGOPS_LISTEN=127.0.0.1:" + $port
  elif .name == "DRAGOPS_HEALTH_LISTEN" then "DRAGOPS_HEALTH_LISTEN=127.0.0.1:" + $health
  elif .valueFrom.fieldRef.fieldPath == "metadata.namespace" then .name + "=team-a"
  elif .valueFrom.fieldRef.fieldPath == "metadata.name" then .name + "=workflow"
  else .name + "=" + .value end]' <<<"$sidecar")
key_dir=$(jq -r '.[] | select(startswith("DRAGOPS_KEY_DIR=")) | sub("^[^=]*="; "")' <<<"$sidecar_env")
token_file=$(jq -r '.[] | select(startswith("DRAGOPS_TOKEN_FILE=")) | sub("^[^=]*="; "")' <<<"$sidecar_env")
container_start "dragops-sidecar-$$" sidecar "$WORK/sidecar.log" \
  "[$(bind_ro "$SIDECAR_DIR/sa" $sa_path), $(bind_ro "$SIDECAR_DIR/keys" "$key_dir"), $(bind_rw "$SIDECAR_DIR/token" "$(dirname "$token_file")")]" \
  "$(kube_env | jq -c --argjson e "$sidecar_env" '. + $e')" '[]' ||
  bad "the sidecar's container starts"
if container_ready "dragops-sidecar-$$" "http://127.0.0.1:$SIDECAR_HEALTH_PORT/readyz" 30; then
  ok "the sidecar's container is ready"
else
  bad "the sidecar's container is ready" "$(tail -20 "$WORK/sidecar.log")"
fi
read -r uid root_options <<<"$(container_process "dragops-sidecar-$$")"
[ "$uid" = 65532 ] && [[ ",$root_options," == *,ro,* ]] && ok "the sidecar runs as uid 65532 on a read-only root" ||
  bad "the sidecar runs as uid 65532 on a read-only root" "uid $uid, / mounted $root_options"

# curl, as the app container would: the token the sidecar wrote into the shared volume.
cp "$SIDECAR_DIR/token/$(basename "$token_file")" "$SIDECAR_DIR/token/token" 2>/dev/null || true
answer=$(sidecar_get /v1/connections/virustotal/token)
if [ "${answer%% *}" = 200 ] && [ "${answer#* }" = "$CANARY" ]; then
  ok "curl gets the Connection's value from the sidecar's container"
else
  bad "curl gets the Connection's value from the sidecar's container" "status ${answer%% *} (the body is not printed)"
fi
answer=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SIDECAR_PORT/v1/connections/virustotal")
[ "$answer" = 401 ] && ok "without the token: 401" || bad "without the token: 401" "got $answer"

# The dashboard's container as the chart runs it: its args (the listen address moved to a free
# loopback port), its kubeconfig ConfigMap (apiServerURL set to this control plane), the CA at the
# kube-root-ca.crt volume's path, and no service-account volume at all.
DASHBOARD_DIR=$WORK/dashboard-volumes
DASHBOARD_PORT=$(free_port)
mkdir -p "$DASHBOARD_DIR/kubeconfig" "$DASHBOARD_DIR/ca"
"$helm" template dragops "$SOURCE/charts/dragops" --namespace dragops-system --show-only templates/dashboard.yaml \
  --set dashboard.apiServerURL="$CLUSTER_URL" 2>/dev/null | kubectl apply -f - >/dev/null || bad "the chart's dashboard objects apply"
kubectl -n dragops-system get configmap dragops-dashboard-kubeconfig -o jsonpath='{.data.kubeconfig}' >"$DASHBOARD_DIR/kubeconfig/kubeconfig"
printf '%s\n' "$ca_pem" >"$DASHBOARD_DIR/ca/ca.crt"
chmod 0644 "$DASHBOARD_DIR"/*/*
dashboard_pod=$(kubectl -n dragops-system get deployment dragops-dashboard -o json)
[ "$(jq -r .spec.template.spec.automountServiceAccountToken <<<"$dashboard_pod")" = false ] ||
  bad "the chart's dashboard pod mounts no service-account token"
dashboard_args=$(jq -c --arg l "127.0.0.1:$DASHBOARD_PORT" '.spec.template.spec.containers[0].args as $a
  | [range(0; $a | length) | if . > 0 and $a[. - 1] == "--listen" then $l else $a[.] end]' <<<"$dashboard_pod")
container_start "dragops-dashboard-$$" dashboard "$WORK/dashboard.log" \
  "[$(bind_ro "$DASHBOARD_DIR/kubeconfig" /etc/dragops-dashboard/kubeconfig), $(bind_ro "$DASHBOARD_DIR/ca" /etc/dragops-dashboard/ca)]" \
  "$(kube_env)" "$dashboard_args" || bad "the dashboard's container starts"
if container_ready "dragops-dashboard-$$" "http://127.0.0.1:$DASHBOARD_PORT/healthz" 30; then
  ok "the dashboard's container is ready (/healthz)"
else
  bad "the dashboard's container is ready" "$(tail -20 "$WORK/dashboard.log")"
fi
read -r uid root_options <<<"$(container_process "dragops-dashboard-$$")"
[ "$uid" = 65532 ] && [[ ",$root_options," == *,ro,* ]] && ok "the dashboard runs as uid 65532 on a read-only root" ||
  bad "the dashboard runs as uid 65532 on a read-only root" "uid $uid, / mounted $root_options"
page=$(curl -sS "http://127.0.0.1:$DASHBOARD_PORT/")
grep -q 'app.js' <<<"$page" && ok "the dashboard serves its page" || bad "the dashboard serves its page" "$(head -c 300 <<<"$page")"
# A sign-in: the dashboard asks the API server (through the chart's kubeconfig and CA) who the
# token is. A user's token, as a person would paste one.
kubectl -n team-a create serviceaccount dashboard-user >/dev/null 2>&1 || true
user_token=$(kubectl -n team-a create token dashboard-user --duration 10m)
answer=$(curl -sS -w ' %{http_code}' -H "Origin: http://127.0.0.1:$DASHBOARD_PORT" -H 'Content-Type: application/json' \
  --data "$(jq -nc --arg t "$user_token" '{token: $t}')" "http://127.0.0.1:$DASHBOARD_PORT/api/session")
[ "${answer##* }" = 200 ] && grep -qF 'system:serviceaccount:team-a:dashboard-user' <<<"$answer" &&
  ok "a sign-in through the dashboard's container reaches the API server as the user" ||
  bad "a sign-in through the dashboard's container" "status ${answer##* }"
grep -qF "$user_token" "$WORK/dashboard.log" && bad "the user's token is in the dashboard's log"

# No canary in any container log.
if grep -qF "$CANARY" "$WORK/operator.log" "$WORK/sidecar.log"; then
  bad "no canary in the containers' logs" "$(grep -lF "$CANARY" "$WORK/operator.log" "$WORK/sidecar.log")"
else
  ok "no canary in the containers' logs"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
