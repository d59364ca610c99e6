#!/usr/bin/env bash
# make demo: the whole flow on this machine, step by step, like a tutorial.
#   API server -> chart manifests (helm template | kubectl apply) -> operator -> Connections
#   -> an annotated pod (the webhook injects the sidecar) -> that pod's sidecar -> curl
#   -> the dashboard (its URL and a token to sign in with are printed).
# Everything it starts it stops by process id; it exits 0 when every step behaved as described.
# The API server is the embedded local one (tests/apiserver, starts in a second), or with
# DRAGOPS_E2E_BACKEND=real (`make demo KUBE=real`) the real control plane: etcd, kube-apiserver
# and kube-controller-manager of the pinned release (tests/kube, built by `make kube`).
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APISERVER=$BUILD/tests/apiserver/dragops-apiserver
OPERATOR=$BUILD/operator/dragops-operator
SIDECAR=$BUILD/sidecar/dragops-sidecar
DASHBOARD=$BUILD/dashboard/dragops-dashboard
for bin in "$APISERVER" "$OPERATOR" "$SIDECAR" "$DASHBOARD"; do
  [ -x "$bin" ] || { echo "demo: $bin is not built (run make build)" >&2; exit 1; }
done
HELM=$(bash "$ROOT/tests/tools/fetch-tools.sh" helm | awk '$1 == "helm" { print $2 }')

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dragops-demo.XXXXXX")
export DRAGOPS_APISERVER_BINARY=$APISERVER
source "$ROOT/tests/e2e/lib/cluster.sh"   # cluster_start/stop, ensure_namespace, free_port
source "$ROOT/tests/e2e/lib/webhook.sh"   # webhook_service_addr
PIDS=()
cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  cluster_stop
  if [ $status -ne 0 ]; then
    echo; echo "demo failed (exit $status); logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

bold=$'\033[1m'; plain=$'\033[0m'
[ -t 1 ] || { bold=""; plain=""; }
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
say() { printf '   %s\n' "$*"; }
# Prints a command as a user would type it, then runs it.
run() { printf '$ %s\n' "$*"; "$@"; }
fail() { echo "demo: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
wait_until() {  # wait_until SECONDS COMMAND...
  local deadline=$(($(now_ms) + $1 * 1000)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(now_ms)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}
if backend_is_real; then
  step "1. Start a real control plane (etcd, kube-apiserver, kube-controller-manager $(cat "$ROOT/tests/kube/upstream/KUBERNETES_VERSION")) and point kubectl at it"
else
  step "1. Start the local Kubernetes API server (tests/apiserver) and point kubectl at it"
fi
cluster_start "$WORK/apiserver" || fail "API server did not start"
say "API server at $CLUSTER_URL; KUBECONFIG=$KUBECONFIG"
run kubectl version -o yaml | grep -E 'gitVersion' | head -2

step "2. Install the chart's manifests (helm template | kubectl apply), as on a real cluster"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: dragops-system}\n' | kubectl apply -f - >/dev/null
# CRDs first (as `helm install` does), so the IntegrationPacks in the templates validate.
run kubectl apply -f "$ROOT/charts/dragops/crds/"
run kubectl wait --for=condition=Established crd --all --timeout=30s
printf '$ helm template dragops charts/dragops --namespace dragops-system | kubectl apply -f -\n'
"$HELM" template dragops "$ROOT/charts/dragops" --namespace dragops-system 2>/dev/null >"$WORK/manifests.yaml"
kubectl apply -f "$WORK/manifests.yaml" | sed 's/^/   /'
say "No kubelet runs here, so the operator Deployment is stored but not started: this script runs"
say "the operator binary itself where the API server calls the webhook Service: its ClusterIP"
say "(both test API servers give Services loopback ClusterIPs, 127.x.y.z, so no kube-proxy is needed)."

step "3. Run the operator (leader election, webhook on loopback, keys created on first use)"
WEBHOOK_ADDR=$(webhook_service_addr dragops-system dragops-webhook) || fail "no address for the webhook Service"
say "the webhook Service dragops-webhook is called at $WEBHOOK_ADDR"
"$OPERATOR" --kubeconfig "$KUBECONFIG" --namespace dragops-system --identity demo-operator \
  --metrics-addr 127.0.0.1:0 --health-addr 127.0.0.1:0 --webhook-addr "$WEBHOOK_ADDR" \
  >"$WORK/operator.out" 2>"$WORK/operator.log" &
PIDS+=($!)
webhook_serving() {  # the caBundle patched and the webhook port accepting connections
  [ -n "$(kubectl get mutatingwebhookconfiguration dragops-sidecar-injector \
    -o jsonpath='{.webhooks[0].clientConfig.caBundle}' 2>/dev/null)" ] &&
    (exec 3<>"/dev/tcp/${WEBHOOK_ADDR%:*}/${WEBHOOK_ADDR##*:}") 2>/dev/null
}
wait_until 30 webhook_serving || fail "the operator did not set up its webhook"
say "operator running (pid ${PIDS[-1]}); it generated the webhook CA and patched the caBundle"

step "4. A workflow author applies Connections (jira: fields, virustotal: apiKey) and a Secret"
run kubectl apply -f "$ROOT/examples/namespace.yaml"
ensure_namespace team-a || fail "namespace team-a has no default ServiceAccount"
# The examples carry placeholder values; the demo plants its own so it can check what is served.
JIRA_TOKEN="demo-jira-token-$RANDOM$RANDOM"
VT_KEY="demo-vt-key-$RANDOM$RANDOM"
DB_PROD="demo-db-prod-$RANDOM$RANDOM"
sed "s/replace-with-your-atlassian-api-token/$JIRA_TOKEN/" "$ROOT/examples/jira-connection.yaml" | kubectl apply -f -
sed "s/replace-with-your-virustotal-api-key/$VT_KEY/" "$ROOT/examples/virustotal-connection.yaml" | kubectl apply -f -
sed "s/replace-with-the-production-password/$DB_PROD/" "$ROOT/examples/db-password-secret.yaml" | kubectl apply -f -
run kubectl wait -n team-a --for=condition=Ready connection/jira connection/virustotal secret.dragops.io/db-password --timeout=30s
run kubectl get connections,secrets.dragops.io -n team-a
say "Each one is sealed into a store Secret of type dragops.io/sealed (ciphertext only):"
run kubectl get secrets -n team-a --field-selector type=dragops.io/sealed

step "5. Share them with the workflow's ServiceAccount, then apply an annotated pod: the webhook injects the sidecar"
say "A pod may read a Connection or Secret only if its ServiceAccount may 'use' it (docs/sharing.md):"
export PATH="$BUILD/tools/dragopsctl:$PATH"   # kubectl-dragops, the kubectl plugin
run kubectl dragops share connection jira --serviceaccount default -n team-a
run kubectl dragops share secret db-password --serviceaccount default -n team-a
wait_until 10 may_use_is true team-a default connections jira && wait_until 10 may_use_is true team-a default secrets db-password ||
  fail "the use grants did not take effect"
sed -n '/^apiVersion/,/^spec/p' "$ROOT/examples/workflow-pod.yaml" | sed 's/^/   /'
run kubectl apply -f "$ROOT/examples/workflow-pod.yaml"
printf '$ kubectl get pod workflow-run-1 -n team-a -o jsonpath=...\n'
kubectl get pod workflow-run-1 -n team-a -o jsonpath='{range .spec.initContainers[*]}   init container {.name} (restartPolicy {.restartPolicy}){"\n"}{end}{range .spec.containers[*]}   container {.name}: {range .env[*]}{.name}={.value} {end}{"\n"}{end}'
[ "$(kubectl get pod workflow-run-1 -n team-a -o jsonpath='{.spec.initContainers[0].name}')" = dragops-sidecar ] \
  || fail "the pod was not injected"

step "6. Start that pod's sidecar with exactly the environment the webhook wrote (a stand-in kubelet)"
SIDECAR_DIR=$WORK/pod; mkdir -p "$SIDECAR_DIR/keys" "$SIDECAR_DIR/token"
sync_keys() {  # the key volume, updated as the kubelet does (..data symlink swap)
  local stamp="..$(date +%s%N)"
  mkdir -p "$SIDECAR_DIR/keys/$stamp"
  kubectl -n team-a get secret dragops-data-keys -o jsonpath='{.data.keyring}' | base64 -d >"$SIDECAR_DIR/keys/$stamp/keyring"
  ln -sfn "$stamp" "$SIDECAR_DIR/keys/..data_tmp" && mv -T "$SIDECAR_DIR/keys/..data_tmp" "$SIDECAR_DIR/keys/..data"
  [ -L "$SIDECAR_DIR/keys/keyring" ] || ln -s ..data/keyring "$SIDECAR_DIR/keys/keyring"
}
sync_keys
SIDECAR_PORT=$(free_port); HEALTH_PORT=$(free_port)
env_args=()
while IFS= read -r line; do
  case "$line" in
    DRAGOPS_KEY_DIR=*) line="DRAGOPS_KEY_DIR=$SIDECAR_DIR/keys" ;;
    DRAGOPS_TOKEN_FILE=*) line="DRAGOPS_TOKEN_FILE=$SIDECAR_DIR/token/token" ;;
    DRAGOPS_LISTEN=*) line="DRAGOPS_LISTEN=127.0.0.1:$SIDECAR_PORT" ;;
    DRAGOPS_HEALTH_LISTEN=*) line="DRAGOPS_HEALTH_LISTEN=127.0.0.1:$HEALTH_PORT" ;;
  esac
  env_args+=("$line")
done < <(kubectl get pod workflow-run-1 -n team-a -o go-template='{{range .spec.initContainers}}{{if eq .name "dragops-sidecar"}}{{range .env}}{{.name}}={{if .valueFrom}}{{if eq .valueFrom.fieldRef.fieldPath "metadata.namespace"}}team-a{{else}}workflow-run-1{{end}}{{else}}{{.value}}{{end}}{{"\n"}}{{end}}{{end}}{{end}}')
printf '   %s\n' "${env_args[@]}"
# (make asan's sanitizer settings pass through env -i)
env -i PATH="$PATH" KUBECONFIG="$KUBECONFIG" $(env | grep -E "^(A|UB|L|T)SAN_OPTIONS=") "${env_args[@]}" "$SIDECAR" >"$WORK/sidecar.out" 2>"$WORK/sidecar.log" &
PIDS+=($!)
wait_until 30 curl -fsS "http://127.0.0.1:$HEALTH_PORT/readyz" || fail "the sidecar did not become ready"
say "sidecar ready on 127.0.0.1:$SIDECAR_PORT (a real pod uses 8900); health on $HEALTH_PORT"
DRAGOPS_URL=http://127.0.0.1:$SIDECAR_PORT
DRAGOPS_TOKEN_FILE=$SIDECAR_DIR/token/token

step "7. From the app container: fetch the credentials the pod may read"
get() {  # get PATH [curl args]: prints the status line and body
  local path=$1; shift
  curl -sS -o "$WORK/body" -w '%{http_code}' "$@" "$DRAGOPS_URL$path" >"$WORK/code" 2>/dev/null || true
  printf '   -> HTTP %s %s\n' "$(cat "$WORK/code")" "$(cat "$WORK/body")"
}
auth=(-H "Authorization: Bearer $(cat "$DRAGOPS_TOKEN_FILE")")
printf '$ curl -H "Authorization: Bearer $(cat $DRAGOPS_TOKEN_FILE)" $DRAGOPS_URL/v1/connections/jira\n'
get /v1/connections/jira "${auth[@]}"
grep -q "$JIRA_TOKEN" "$WORK/body" || fail "jira fields not served"
printf '$ curl ... $DRAGOPS_URL/v1/connections/jira/token\n'
get /v1/connections/jira/token "${auth[@]}"
[ "$(cat "$WORK/body")" = "$JIRA_TOKEN" ] || fail "jira token not served"
printf '$ curl ... $DRAGOPS_URL/v1/secrets/db-password      # the production value (dragops.io/environment)\n'
get /v1/secrets/db-password "${auth[@]}"
grep -q "$DB_PROD" "$WORK/body" || fail "production secret not served"

step "8. What the pod may not read is refused"
printf '$ curl ... $DRAGOPS_URL/v1/connections/virustotal   # not in dragops.io/connections\n'
get /v1/connections/virustotal "${auth[@]}"
[ "$(cat "$WORK/code")" = 403 ] || fail "expected 403"
printf '$ curl $DRAGOPS_URL/v1/connections/jira              # no token\n'
get /v1/connections/jira
[ "$(cat "$WORK/code")" = 401 ] || fail "expected 401"

step "9. Rotate a credential: change the core Secret; the new value reaches the sidecar"
NEW_TOKEN="demo-jira-token-rotated-$RANDOM$RANDOM"
start=$(now_ms)
run kubectl patch secret jira-credentials -n team-a --type merge -p "{\"stringData\":{\"api_token\":\"$NEW_TOKEN\"}}"
wait_until 10 sh -c "curl -fsS -H 'Authorization: Bearer $(cat "$DRAGOPS_TOKEN_FILE")' $DRAGOPS_URL/v1/connections/jira/token | grep -qx '$NEW_TOKEN'" \
  || fail "the rotated value did not reach the sidecar"
say "served by the sidecar $(( $(now_ms) - start )) ms after the patch"
get /v1/connections/jira/token "${auth[@]}"

step "10. Revoke the connection: the sidecar stops serving it"
start=$(now_ms)
run kubectl patch connection jira -n team-a --type merge -p '{"spec":{"revoked":true}}'
wait_until 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $(cat "$DRAGOPS_TOKEN_FILE")' $DRAGOPS_URL/v1/connections/jira)\" = 404 ]" \
  || fail "the revocation did not reach the sidecar"
say "404 from the sidecar $(( $(now_ms) - start )) ms after the patch"
get /v1/connections/jira "${auth[@]}"
run kubectl get connection jira -n team-a
printf '$ kubectl get events -n team-a --field-selector involvedObject.name=jira\n'
kubectl get events -n team-a --field-selector involvedObject.name=jira 2>/dev/null | sed 's/^/   /' || true

step "11. The dashboard (docs/dashboard.md): Connections and Secrets in a browser, as the signed-in user"
# A user who may manage Connections and Secrets in team-a and read the packs and the sealing key
# (the chart's dragops-sealing-key-reader already lets every authenticated user read the key).
kubectl apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: demo-author, namespace: team-a}
rules:
- {apiGroups: [dragops.io], resources: [connections, secrets], verbs: [get, list, watch, create, update, patch, delete]}
- {apiGroups: [""], resources: [events, pods], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: demo-author, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: demo-author}
subjects: [{kind: ServiceAccount, name: demo-author, namespace: team-a}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: demo-packs-reader}
rules: [{apiGroups: [dragops.io], resources: [integrationpacks], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: demo-packs-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: demo-packs-reader}
subjects: [{kind: ServiceAccount, name: demo-author, namespace: team-a}]
YAML
kubectl -n team-a create serviceaccount demo-author >/dev/null
DEMO_TOKEN=$(kubectl -n team-a create token demo-author --duration 2h)
# The dashboard gets the API server's address and CA only: every call carries the user's token.
server=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
ca=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
printf 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "%s", certificate-authority-data: "%s"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n' \
  "$server" "$ca" >"$WORK/dashboard.kubeconfig"
DASHBOARD_PORT=${DRAGOPS_DEMO_DASHBOARD_PORT:-$(free_port)}
"$DASHBOARD" --kubeconfig "$WORK/dashboard.kubeconfig" --listen "127.0.0.1:$DASHBOARD_PORT" >"$WORK/dashboard.out" 2>"$WORK/dashboard.log" &
PIDS+=($!)
wait_until 10 curl -fsS "http://127.0.0.1:$DASHBOARD_PORT/healthz" || fail "the dashboard did not start"
code=$(curl -s -o "$WORK/signin" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -H "Origin: http://localhost:$DASHBOARD_PORT" -H "Host: localhost:$DASHBOARD_PORT" \
  --data "{\"token\":\"$DEMO_TOKEN\"}" "http://127.0.0.1:$DASHBOARD_PORT/api/session")
[ "$code" = 200 ] || fail "signing in to the dashboard with the demo token: HTTP $code"
say "dashboard: http://localhost:$DASHBOARD_PORT   (sign in with the token below; it is valid for 2 hours,"
say "for ServiceAccount team-a/demo-author on this throwaway cluster only)"
printf '   %s\n' "$DEMO_TOKEN"
if [ -t 0 ] && [ -t 1 ] && [ "${DRAGOPS_DEMO_WAIT:-1}" != 0 ]; then
  read -r -p "   Open it in a browser on this machine; press Enter to stop everything. " _
fi

step "12. Done: stopping the dashboard, the sidecar, the operator and the API server (by process id)"
! grep -qE "$JIRA_TOKEN|$NEW_TOKEN|$VT_KEY|$DB_PROD" "$WORK"/*.log "$WORK"/apiserver/*.log || fail "a credential value appeared in a log"
! grep -qF "$DEMO_TOKEN" "$WORK/dashboard.log" || fail "the user's token appeared in the dashboard's log"
say "no credential value appears in the API server's, operator's or sidecar's log"
