#!/usr/bin/env bash
# The dashboard's OIDC sign-in on the real control plane: oidc-provider (tests/oauth/provider)
# serves HTTPS with a test CA; kube-apiserver trusts it (--oidc-issuer-url, --oidc-client-id,
# --oidc-ca-file, --oidc-username-claim=sub, --oidc-username-prefix=oidc:); the dashboard signs
# in with the authorization-code flow and PKCE and then calls Kubernetes with the ID token.
# tests/dashboard/browser/oidc.mjs drives Chromium through the provider's login and consent: the
# Connections page lists the Connection oidc:alice may list, and a delete she may not do is
# refused by the API server as her. With curl: a callback with a wrong state, or without the
# browser's pre-session cookie, is refused and creates no session. At the end no ID token, code,
# verifier or client secret is in the dashboard's or the provider's logs.
# The local API server has no OIDC authenticator, so this runs on the real tier only.
# ctest-backends: real
# ctest-timeout: 300
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/apiserver.sh"
source "$here/lib/checks.sh"
: "${DRAGOPS_DASHBOARD_BINARY:?DRAGOPS_DASHBOARD_BINARY must point at the dragops-dashboard binary}"
BROWSER_DIR=$("$DRAGOPS_SOURCE_DIR/tests/dashboard/browser/setup.sh") || { echo "FAIL: npm ci of the browser tests"; exit 1; }
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "FAIL: $CHROMIUM is missing (make deps installs Debian's chromium)"; exit 1; }
SHOTS=${DRAGOPS_BUILD_DIR:-/tmp}/dashboard-screenshots/$DRAGOPS_E2E_BACKEND
mkdir -p "$SHOTS"
started=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dragops-oidc-XXXXXX")

cleanup() {
  [ -n "${DASHBOARD_PID:-}" ] && kill "$DASHBOARD_PID" 2>/dev/null && wait "$DASHBOARD_PID" 2>/dev/null
  [ -n "${PROVIDER_PID:-}" ] && kill "$PROVIDER_PID" 2>/dev/null && wait "$PROVIDER_PID" 2>/dev/null
  apiserver_cleanup
  [ -z "${DRAGOPS_KEEP_TMP:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT

# --- The issuer: a test CA and a certificate for 127.0.0.1 (kube-apiserver wants https) ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=dragops-oidc-test-ca \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
  -keyout "$WORK/ca.key" -out "$WORK/ca.crt" 2>/dev/null &&
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout "$WORK/issuer.key" -out "$WORK/issuer.csr" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$WORK/issuer.ext" &&
openssl x509 -req -in "$WORK/issuer.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial -days 1 \
  -extfile "$WORK/issuer.ext" -out "$WORK/issuer.crt" 2>/dev/null || { bad "the issuer's test certificate"; exit 1; }

port=$(free_port)
export DASHBOARD_URL="http://localhost:$port"
CLIENT_ID=dragops-dashboard
CLIENT_SECRET="oidc-client-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
(umask 077 && printf '%s\n' "$CLIENT_SECRET" >"$WORK/client-secret")
PROVIDER_DIR=$(bash "$DRAGOPS_SOURCE_DIR/tests/oauth/provider/setup.sh") || { bad "oidc-provider setup"; exit 1; }
DRAGOPS_OAUTH_PROVIDER_DIR=$PROVIDER_DIR node "$DRAGOPS_SOURCE_DIR/tests/oauth/provider/server.mjs" --port 0 \
  --tls-cert "$WORK/issuer.crt" --tls-key "$WORK/issuer.key" --access-token-ttl 300 \
  --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" --redirect-uri "$DASHBOARD_URL/oidc/callback" \
  >"$WORK/provider.out" 2>"$WORK/provider.log" &
PROVIDER_PID=$!
wait_until 30 grep -q '^READY' "$WORK/provider.out" || { bad "oidc-provider starts" "$(cat "$WORK/provider.log")"; exit 1; }
ISSUER=$(sed -n 's/^READY port=[0-9]* issuer=//p' "$WORK/provider.out")
[[ $ISSUER == https://127.0.0.1:* ]] && curl -sf --cacert "$WORK/ca.crt" "$ISSUER/.well-known/openid-configuration" >/dev/null &&
  ok "oidc-provider serves its discovery over HTTPS at $ISSUER" || { bad "oidc-provider serves HTTPS" "$ISSUER"; exit 1; }

# --- The real control plane, trusting the issuer ---
REAL_APISERVER_ARGS=(--oidc-issuer-url="$ISSUER" --oidc-client-id="$CLIENT_ID" --oidc-ca-file="$WORK/ca.crt"
  --oidc-username-claim=sub --oidc-username-prefix=oidc:)
apiserver_start || exit 1
apply_crds_and_packs "$DRAGOPS_SOURCE_DIR" || { bad "the CRDs and packs"; exit 1; }
ensure_namespace team-a && ensure_namespace team-b || { bad "the namespaces"; exit 1; }
kubectl apply -f - >/dev/null <<YAML || { bad "the Connections and alice's RBAC"; exit 1; }
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: alice-may-see, namespace: team-a}
spec: {pack: jira, credentialsRef: {name: jira-credentials}}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: hidden-from-alice, namespace: team-b}
spec: {pack: jira, credentialsRef: {name: jira-credentials}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: connection-viewer, namespace: team-a}
rules: [{apiGroups: [dragops.io], resources: [connections], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-views-connections, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: connection-viewer}
subjects: [{kind: User, name: "oidc:alice", apiGroup: rbac.authorization.k8s.io}]
YAML

# --- The dashboard: the API server's address and CA only; OIDC as a confidential client ---
token_kubeconfig "$WORK/dashboard.kubeconfig" || { bad "the dashboard's kubeconfig"; exit 1; }
"$DRAGOPS_DASHBOARD_BINARY" --kubeconfig "$WORK/dashboard.kubeconfig" --listen "127.0.0.1:$port" \
  --external-url "$DASHBOARD_URL" --oidc-issuer-url "$ISSUER" --oidc-client-id "$CLIENT_ID" \
  --oidc-client-secret-file "$WORK/client-secret" --oidc-ca-file "$WORK/ca.crt" --log-level debug \
  >"$WORK/dashboard.out" 2>"$WORK/dashboard.log" &
DASHBOARD_PID=$!
wait_until 10 grep -q '^READY ' "$WORK/dashboard.out" || { bad "the dashboard starts" "$(cat "$WORK/dashboard.log")"; exit 1; }

# --- Negative: a callback with a wrong state, or from a browser that did not start the sign-in ---
location=$(curl -s -c "$WORK/jar" -o /dev/null -w '%{redirect_url}' "$DASHBOARD_URL/oidc/login")
state=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' <<<"$location")
[[ $location == "$ISSUER/auth?"* && $location == *code_challenge_method=S256* && -n $state ]] &&
  grep -q 'dragops_oidc' "$WORK/jar" && ok "/oidc/login sends the browser to the issuer with PKCE S256 and a state" ||
  bad "/oidc/login redirects to the issuer" "$location"
code=$(curl -s -b "$WORK/jar" -c "$WORK/jar" -D "$WORK/wrong.headers" -o /dev/null -w '%{http_code}' \
  "$DASHBOARD_URL/oidc/callback?code=forged-code&state=0000$state")
session_after=$(curl -s -b "$WORK/jar" -o /dev/null -w '%{http_code}' "$DASHBOARD_URL/api/session")
[ "$code" = 400 ] && ! grep -qi '^set-cookie: dragops_session' "$WORK/wrong.headers" && [ "$session_after" = 401 ] &&
  ok "a callback with a wrong state is refused (400) and creates no session" ||
  bad "a callback with a wrong state is refused" "callback $code, session $session_after"
location=$(curl -s -c "$WORK/jar2" -o /dev/null -w '%{redirect_url}' "$DASHBOARD_URL/oidc/login")
state=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' <<<"$location")
code=$(curl -s -D "$WORK/nocookie.headers" -o /dev/null -w '%{http_code}' "$DASHBOARD_URL/oidc/callback?code=forged-code&state=$state")
[ "$code" = 400 ] && ! grep -qi '^set-cookie: dragops_session' "$WORK/nocookie.headers" &&
  ok "a callback with the right state but without the browser's pre-session cookie is refused" ||
  bad "a callback without the pre-session cookie is refused" "got $code"
grep -q 'grant.success authorization_code' "$WORK/provider.log" &&
  bad "no code was exchanged for the refused callbacks" || ok "no code was exchanged for the refused callbacks"

# --- The browser: sign in at the issuer, list, be refused as oidc:alice ---
export DRAGOPS_DASHBOARD_BROWSER_DIR=$BROWSER_DIR SCREENSHOT_DIR=$SHOTS CHROMIUM ISSUER
browser_started=$SECONDS
node "$DRAGOPS_SOURCE_DIR/tests/dashboard/browser/oidc.mjs" >"$WORK/browser.out" 2>&1
rc=$?
cat "$WORK/browser.out"
browser_seconds=$((SECONDS - browser_started))
[ "$rc" = 0 ] && ok "browser, OIDC sign-in" || bad "browser, OIDC sign-in" "$(tail -5 "$WORK/dashboard.log")"
grep -q '"path":"/api/connections/team-a/alice-may-see","status":403' "$WORK/dashboard.log" &&
  ok "the dashboard logged the API server's refusal of alice's delete" || bad "the dashboard logged the refused delete"
kubectl -n team-a get conn alice-may-see >/dev/null && ok "the Connection alice may not delete is still there" ||
  bad "the Connection alice may not delete is still there"
grep -q 'grant.success authorization_code' "$WORK/provider.log" && ok "the code was exchanged at the token endpoint" ||
  bad "the code was exchanged at the token endpoint"

# --- Leak scan: no JWT (ID token), client secret, code or verifier in the logs ---
leaks=$(grep -laE -e 'eyJ[A-Za-z0-9_-]{10,}\.' -e "$CLIENT_SECRET" -e 'code_verifier' -e '[?&]code=' \
  "$WORK/dashboard.log" "$WORK/dashboard.out" "$WORK/provider.log" "$APISERVER_DIR"/*.log 2>/dev/null)
[ -z "$leaks" ] && ok "no ID token, code, verifier or client secret in the dashboard's, the issuer's or the control plane's logs" ||
  bad "no credential in the logs" "found in: $leaks"
echo "browser: ${browser_seconds}s; whole test: $((SECONDS - started))s; screenshots in $SHOTS"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
