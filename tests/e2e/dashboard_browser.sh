#!/usr/bin/env bash
# The dashboard end to end, in a real browser (Debian's chromium driven by playwright-core; no
# browser download), on one API server start: the operator with its webhook; users are
# ServiceAccounts signing in with `kubectl create token` tokens; the dashboard runs with no
# credential of its own. tests/dashboard/browser/flows.mjs drives the pages (create phase:
# sign-in, the generated Jira form with errors then right, an API-key Connection, an OAuth
# Connection authorized at oidc-provider's login and consent pages (a copied link refused in
# another browser), a Secret with two environments, Jira shared with the pod's ServiceAccount
# from its detail page); then a pod annotated for them is admitted (it needs that use grant) and gets a sidecar
# that serves the planted values; then the manage phase (replace credentials, which the sidecar
# then serves; add an environment, revoke, delete, a read-only user sees no write action and is
# refused). Every flow also runs from the keyboard alone, with a check of where focus is after
# each step (objects jira-kb, idp-kb, api-kb; jira-kb is also shared and unshared). axe-core checks every page for WCAG 2.2
# AA; screenshots go to $DRAGOPS_BUILD_DIR/dashboard-screenshots. At the end no planted value
# nor the user's token is in any object, log or file the servers wrote.
# ctest-timeout: 400
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/apiserver.sh"
source "$here/lib/sidecar.sh"
source "$here/lib/checks.sh"
: "${DRAGOPS_DASHBOARD_BINARY:?DRAGOPS_DASHBOARD_BINARY must point at the dragops-dashboard binary}"
BROWSER_DIR=$("$DRAGOPS_SOURCE_DIR/tests/dashboard/browser/setup.sh") || { echo "FAIL: npm ci of the browser tests"; exit 1; }
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "FAIL: $CHROMIUM is missing (make deps installs Debian's chromium)"; exit 1; }
SHOTS=${DRAGOPS_BUILD_DIR:-/tmp}/dashboard-screenshots/$DRAGOPS_E2E_BACKEND
mkdir -p "$SHOTS"
started=$SECONDS

cleanup() {
  [ -n "${DASHBOARD_PID:-}" ] && kill "$DASHBOARD_PID" 2>/dev/null && wait "$DASHBOARD_PID" 2>/dev/null
  [ -n "${PROVIDER_PID:-}" ] && kill "$PROVIDER_PID" 2>/dev/null && wait "$PROVIDER_PID" 2>/dev/null
  sidecar_stop; operator_stop; apiserver_cleanup
}
apiserver_start || exit 1
trap cleanup EXIT
# The OAuth provider (oidc-provider, tests/oauth/provider) redirects to the dashboard's
# /oauth/callback, which forwards to the operator's callback only from the browser that began.
port=$(free_port) CB_PORT=$(free_port)
export DASHBOARD_URL="http://localhost:$port"
PROVIDER_DIR=$(bash "$DRAGOPS_SOURCE_DIR/tests/oauth/provider/setup.sh") || { bad "oidc-provider setup"; exit 1; }
CLIENT_SECRET="client-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DRAGOPS_OAUTH_PROVIDER_DIR=$PROVIDER_DIR node "$DRAGOPS_SOURCE_DIR/tests/oauth/provider/server.mjs" --port 0 --access-token-ttl 300 \
  --client-id dragops-e2e --client-secret "$CLIENT_SECRET" --redirect-uri "$DASHBOARD_URL/oauth/callback" \
  >"$APISERVER_DIR/provider.out" 2>"$APISERVER_DIR/provider.log" &
PROVIDER_PID=$!
wait_until 30 grep -q '^READY' "$APISERVER_DIR/provider.out" || { bad "oidc-provider starts"; exit 1; }
ISSUER=$(sed -n 's/^READY port=[0-9]* issuer=//p' "$APISERVER_DIR/provider.out")
OPERATOR_ARGS=(--oauth-callback-addr "127.0.0.1:$CB_PORT" --oauth-external-url "$DASHBOARD_URL")
operator_start ||
  { bad "the operator serves the webhook" "$(tail -20 "$APISERVER_DIR/operator.log")"; exit 1; }
ensure_namespace team-a
kubectl apply -f - >/dev/null <<YAML
apiVersion: dragops.io/v1alpha1
kind: IntegrationPack
metadata: {name: localidp}
spec:
  displayName: Local OpenID provider
  authType: oauth2
  oauth: {authorizeURL: "$ISSUER/auth", tokenURL: "$ISSUER/token", pkce: true, defaultScopes: [openid, offline_access],
          extraAuthorizeParams: {prompt: consent}}
---
apiVersion: v1
kind: Secret
metadata: {name: idp-client, namespace: team-a}
stringData: {client_id: dragops-e2e, client_secret: "$CLIENT_SECRET"}
YAML
wait_until 30 kubectl -n dragops-system get configmap dragops-sealing-key || { bad "the operator publishes its sealing key"; exit 1; }

# --- Users: an author and a reader in team-a; both may read the packs and the sealing key ---
kubectl apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: dashboard-e2e-packs}
rules: [{apiGroups: [dragops.io], resources: [integrationpacks], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dashboard-e2e-packs}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: dashboard-e2e-packs}
subjects: [{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: dashboard-e2e-sealing-key, namespace: dragops-system}
rules: [{apiGroups: [""], resources: [configmaps], resourceNames: [dragops-sealing-key], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dashboard-e2e-sealing-key, namespace: dragops-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: dashboard-e2e-sealing-key}
subjects: [{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: author, namespace: team-a}
rules:
- {apiGroups: [dragops.io], resources: [connections, secrets], verbs: [get, list, watch, create, update, patch, delete, use]}
- {apiGroups: [""], resources: [events, pods], verbs: [get, list]}
# sharing (issue 18): the Role and RoleBinding that grant use, as kubectl dragops share writes them
- {apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings], verbs: [get, list, create, delete]}
# the OAuth client Secret the author's Connection names (admission may check the author may read it)
- {apiGroups: [""], resources: [secrets], resourceNames: [idp-client], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: author, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: author}
subjects: [{kind: ServiceAccount, name: author, namespace: team-a}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: team-a}
rules: [{apiGroups: [dragops.io], resources: [connections, secrets], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: reader, namespace: team-a}]
YAML
for sa in author reader; do kubectl -n team-a create serviceaccount "$sa" >/dev/null; done
AUTHOR_TOKEN=$(kubectl -n team-a create token author --duration 1h) && READER_TOKEN=$(kubectl -n team-a create token reader --duration 1h) ||
  { bad "tokens for the users"; exit 1; }
export AUTHOR_TOKEN READER_TOKEN

# --- The dashboard: the API server's address and CA only (a kubeconfig without a credential) ---
token_kubeconfig "$APISERVER_DIR/dashboard.kubeconfig" || { bad "the dashboard's kubeconfig"; exit 1; }
"$DRAGOPS_DASHBOARD_BINARY" --kubeconfig "$APISERVER_DIR/dashboard.kubeconfig" --listen "127.0.0.1:$port" \
  --oauth-callback-url "http://127.0.0.1:$CB_PORT/oauth/callback" \
  >"$APISERVER_DIR/dashboard.out" 2>"$APISERVER_DIR/dashboard.log" &
DASHBOARD_PID=$!
wait_until 10 grep -q '^READY ' "$APISERVER_DIR/dashboard.out" || { bad "the dashboard starts" "$(cat "$APISERVER_DIR/dashboard.log")"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'Origin: http://evil.example' \
  --data "{\"token\":\"$AUTHOR_TOKEN\"}" "$DASHBOARD_URL/api/session")
[ "$code" = 403 ] && ok "a sign-in from another origin is refused" || bad "a sign-in from another origin is refused" "got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$DASHBOARD_URL/api/connections")
[ "$code" = 401 ] && ok "the API needs a session" || bad "the API needs a session" "got $code"

canary() { echo "CANARY-$1-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
export CANARY_JIRA=$(canary jira) CANARY_JIRA2=$(canary jira2) CANARY_VT=$(canary vt) CANARY_PROD=$(canary prod) CANARY_DEV=$(canary dev) CANARY_STAGING=$(canary staging)
export DRAGOPS_DASHBOARD_BROWSER_DIR=$BROWSER_DIR SCREENSHOT_DIR=$SHOTS CHROMIUM ISSUER
browser_started=$SECONDS
node "$DRAGOPS_SOURCE_DIR/tests/dashboard/browser/flows.mjs" create 2>&1 | sed "s/$AUTHOR_TOKEN/<token>/g" >"$APISERVER_DIR/browser-create.out"
rc=${PIPESTATUS[0]}
cat "$APISERVER_DIR/browser-create.out"
[ "$rc" = 0 ] && ok "browser, create phase" || { bad "browser, create phase" "$(tail -5 "$APISERVER_DIR/dashboard.log")"; exit 1; }

# --- What the browser made is real: Ready, owned by the author, served by a sidecar ---
for r in conn/jira conn/virustotal conn/idp conn/jira-kb conn/idp-kb secrets.dragops.io/db-password secrets.dragops.io/api-kb; do
  kubectl -n team-a wait --for=condition=Ready "$r" --timeout=30s >/dev/null && ok "$r is Ready" ||
    bad "$r is Ready" "$(kubectl -n team-a get "$r" -o json | jq -c .status)"
done
[ "$(kubectl -n team-a get conn jira -o jsonpath='{.spec.sealedCredentials.api_token}' | head -c 12)" != "" ] &&
  [ -z "$(kubectl -n team-a get conn jira -o jsonpath='{.spec.credentialsRef}')" ] &&
  ok "the Connection was created with spec.sealedCredentials" || bad "the Connection was created with spec.sealedCredentials"
# jira was shared with the default ServiceAccount from the dashboard (create phase); the pod is
# admitted only with that grant.
grant_use team-a default connection virustotal && grant_use team-a default secret db-password ||
  bad "the pod's ServiceAccount may use what it asks for"
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: app-1\n  namespace: team-a\n  annotations: {dragops.io/inject: "true", dragops.io/connections: "jira,virustotal", dragops.io/secrets: db-password, dragops.io/environment: production}\nspec:\n  containers: [{name: app, image: busybox}]\n' |
  kubectl apply -f - >/dev/null || bad "the annotated pod is admitted"
if sidecar_start team-a app-1; then
  out=$(sidecar_get /v1/connections/jira)
  [[ "$out" == "200 "* && "$out" == *"$CANARY_JIRA"* && "$out" == *"https://example.atlassian.net"* ]] &&
    ok "the sidecar serves the Jira Connection made in the browser" || bad "the sidecar serves the Jira Connection" "${out%% *}"
  out=$(sidecar_get /v1/connections/virustotal)
  [[ "$out" == "200 "* && "$out" == *"$CANARY_VT"* ]] && ok "the sidecar serves the API key" || bad "the sidecar serves the API key" "${out%% *}"
  out=$(sidecar_get /v1/secrets/db-password)
  [[ "$out" == "200 "* && "$out" == *"$CANARY_PROD"* ]] && ok "the sidecar serves the Secret's production value" ||
    bad "the sidecar serves the Secret's production value" "${out%% *}"
else
  bad "the sidecar starts" "$(tail -5 "$SIDECAR_DIR/sidecar.log" 2>/dev/null)"
fi

node "$DRAGOPS_SOURCE_DIR/tests/dashboard/browser/flows.mjs" manage 2>&1 | sed -e "s/$AUTHOR_TOKEN/<token>/g" -e "s/$READER_TOKEN/<token>/g" >"$APISERVER_DIR/browser-manage.out"
rc=${PIPESTATUS[0]}
cat "$APISERVER_DIR/browser-manage.out"
[ "$rc" = 0 ] && ok "browser, manage phase" || bad "browser, manage phase" "$(tail -5 "$APISERVER_DIR/dashboard.log")"
browser_seconds=$((SECONDS - browser_started))
jira_replaced() { [[ "$(sidecar_get /v1/connections/jira)" == *"$CANARY_JIRA2"* ]]; }
wait_until 30 jira_replaced && ok "the sidecar serves the credentials replaced in the browser" ||
  bad "the sidecar serves the credentials replaced in the browser"
sidecar_stop
kubectl -n team-a get conn virustotal >/dev/null 2>&1 && bad "the Connection deleted in the browser is gone" || ok "the Connection deleted in the browser is gone"
kubectl -n team-a get secrets.dragops.io db-password >/dev/null 2>&1 && bad "the Secret deleted in the browser is gone" || ok "the Secret deleted in the browser is gone"
kubectl -n team-a get conn jira-kb >/dev/null 2>&1 || kubectl -n team-a get secrets.dragops.io api-kb >/dev/null 2>&1 &&
  bad "the Connection and Secret deleted from the keyboard are gone" || ok "the Connection and Secret deleted from the keyboard are gone"
grep -q '"path":"/api/connections/team-a/jira","status":403' "$APISERVER_DIR/dashboard.log" &&
  ok "the dashboard logged the reader's refused delete" || bad "the dashboard logged the reader's refused delete"

# --- Leak scan: no planted value and no user token in any object, log or file ---
: >"$APISERVER_DIR/dump"
for resource in $(kubectl api-resources --verbs=list -o name); do
  kubectl get "$resource" -A -o json >>"$APISERVER_DIR/dump" 2>/dev/null || true
done
grep -q 'dragops-conn-jira' "$APISERVER_DIR/dump" || bad "the object dump is complete"
base64_forms() {
  local k pad
  for k in 0 1 2; do
    pad=$(head -c "$k" /dev/zero | tr '\0' x)
    printf '%s%s' "$pad" "$1" | base64 -w0 | cut -c$((k == 0 ? 1 : k + 2))- | sed 's/....$//'
  done
}
leaks=0
for value in "$CANARY_JIRA" "$CANARY_JIRA2" "$CANARY_VT" "$CANARY_PROD" "$CANARY_DEV" "$CANARY_STAGING" "$AUTHOR_TOKEN" "$READER_TOKEN"; do
  mapfile -t forms < <(base64_forms "$value")
  # The sidecar's answers to this script (its body file) hold values by design; nothing else may.
  if grep -rlaF -e "$value" -e "${forms[0]}" -e "${forms[1]}" -e "${forms[2]}" "$APISERVER_DIR" \
       --exclude=body --exclude=browser-create.out --exclude=browser-manage.out >"$APISERVER_DIR/leaks"; then
    leaks=$((leaks + 1)); echo "     leaked into: $(head -3 "$APISERVER_DIR/leaks" | tr '\n' ' ')"
  fi
done
files=$(find "$APISERVER_DIR" -type f | wc -l)
[ "$leaks" = 0 ] && ok "no planted value or user token in $(wc -c <"$APISERVER_DIR/dump") bytes of objects nor in $files files (logs, etcd data)" ||
  bad "no planted value or user token anywhere" "$leaks values leaked"
echo "browser phases: ${browser_seconds}s; whole test: $((SECONDS - started))s; screenshots in $SHOTS"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
