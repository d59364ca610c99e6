# Helpers for the OAuth end-to-end scripts (sourced after lib/operator_lib.sh): the real
# oidc-provider (tests/oauth/provider), a pack pointing at it, the person at its login and
# consent pages (curl), the operator's callback and sidecar injector, and a sidecar run by hand.
source "$(dirname "${BASH_SOURCE[0]}")/webhook.sh"
source "$(dirname "${BASH_SOURCE[0]}")/service_account.sh"

# provider_start TTL_SECONDS: sets CB_PORT, CALLBACK, CLIENT_ID, CLIENT_SECRET, ISSUER.
provider_start() {
  export DRAGOPS_OAUTH_PROVIDER_DIR
  DRAGOPS_OAUTH_PROVIDER_DIR=$(bash "$ROOT/tests/oauth/provider/setup.sh") || fail "oidc-provider setup failed"
  CB_PORT=$(free_port)
  CALLBACK="http://127.0.0.1:$CB_PORT/oauth/callback"
  CLIENT_ID=dragops-e2e
  CLIENT_SECRET=$(canary client-secret)
  node "$ROOT/tests/oauth/provider/server.mjs" --port 0 --access-token-ttl "$1" --client-id "$CLIENT_ID" \
    --client-secret "$CLIENT_SECRET" --redirect-uri "$CALLBACK" >"$WORK/provider.out" 2>"$WORK/provider.log" &
  PIDS+=($!)
  wait_until 30 grep -q '^READY' "$WORK/provider.out" || fail "oidc-provider did not start"
  ISSUER=$(sed -n 's/^READY port=[0-9]* issuer=//p' "$WORK/provider.out")
}

# oauth_objects NS CONNECTION: the pack localidp, the client Secret idp-client, the Connection.
oauth_objects() {
  kubectl apply -f - >/dev/null <<EOF
apiVersion: dragops.io/v1alpha1
kind: IntegrationPack
metadata: {name: localidp}
spec:
  displayName: Local OpenID provider
  authType: oauth2
  oauth:
    authorizeURL: $ISSUER/auth
    tokenURL: $ISSUER/token
    revokeURL: $ISSUER/token/revocation
    pkce: true
    defaultScopes: [openid, offline_access]
    extraAuthorizeParams: {prompt: consent}
---
apiVersion: v1
kind: Secret
metadata: {name: idp-client, namespace: $1}
stringData: {client_id: $CLIENT_ID, client_secret: $CLIENT_SECRET}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: $2, namespace: $1}
spec:
  pack: localidp
  oauth: {clientRef: {name: idp-client}}
EOF
}

# oauth_operator NAME [flags]: the operator with its callback on CB_PORT.
oauth_operator() {
  local name=$1
  shift
  webhook_register || fail "cannot register the sidecar injector"
  # Least privilege: the chart's ServiceAccount and RBAC (the operator serves the webhook here).
  if chart_operator_kubeconfig "$ROOT" "$WORK/operator.kubeconfig"; then
    OPERATOR_KUBECONFIG=$WORK/operator.kubeconfig
  else
    echo "note: no helm (tests/tools/fetch-tools.sh): the operator runs with the admin's kubeconfig"
  fi
  start_operator "$name" --leader-elect=false --key-rotation-interval 0 --webhook-addr "$WEBHOOK_ADDR" \
    --oauth-callback-addr "127.0.0.1:$CB_PORT" --oauth-external-url "http://127.0.0.1:$CB_PORT" "$@"
  wait_until 30 webhook_serving || fail "operator $name does not serve the sidecar injector"
}

# browse URL allow|deny: the person at the provider; prints the redirect to our callback.
browse() {
  local url=$1 mode=$2 jar out code data
  jar=$(mktemp "$WORK/jar.XXXXXX")
  for _ in $(seq 1 12); do
    out=$(curl -s -c "$jar" -b "$jar" -o "$WORK/page" -w '%{http_code} %{redirect_url}' "$url") || return 1
    code=${out%% *}
    if [ "$code" = 200 ] && [[ $url == */interaction/* ]]; then
      if [ "$mode" = deny ]; then url="$url/abort"; continue; fi
      if grep -q 'name="prompt" value="login"' "$WORK/page"; then data='prompt=login&login=alice&password=any'
      else data='prompt=consent'; fi
      out=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' --data "$data" "$url") || return 1
      url=${out#* }
      continue
    fi
    [ "${code:0:1}" = 3 ] || { echo "provider answered $code" >&2; return 1; }
    url=${out#* }
    case $url in "$CALLBACK"*) echo "$url"; return 0 ;; esac
  done
  return 1
}

# obtain_tokens: tokens got outside dragops, as a user migrating to it has them: the
# authorization-code flow with PKCE driven by hand against the provider (the person consents in
# browse), the code exchanged with curl. Sets OBTAINED_ACCESS, OBTAINED_REFRESH and
# OBTAINED_EXPIRES_AT (RFC 3339: the second the token request was sent plus expires_in, never
# later than the provider's own expiry). Prints nothing of them.
obtain_tokens() {
  local verifier challenge url landing code sent answer expires_in
  verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
  url="$ISSUER/auth?response_type=code&client_id=$CLIENT_ID&redirect_uri=$(jq -rn --arg v "$CALLBACK" '$v|@uri')"
  url+="&scope=openid%20offline_access&prompt=consent&state=by-hand&code_challenge=$challenge&code_challenge_method=S256"
  landing=$(browse "$url" allow) || return 1
  code=$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$landing")
  [ -n "$code" ] || return 1
  sent=$(date +%s)
  answer=$(curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode grant_type=authorization_code \
    --data-urlencode "code=$code" --data-urlencode "redirect_uri=$CALLBACK" --data-urlencode "code_verifier=$verifier" \
    "$ISSUER/token") || return 1
  OBTAINED_ACCESS=$(jq -r '.access_token // empty' <<<"$answer")
  OBTAINED_REFRESH=$(jq -r '.refresh_token // empty' <<<"$answer")
  expires_in=$(jq -r '.expires_in // empty' <<<"$answer")
  [ -n "$OBTAINED_ACCESS" ] && [ -n "$OBTAINED_REFRESH" ] && [ -n "$expires_in" ] || return 1
  OBTAINED_EXPIRES_AT=$(date -u -d "@$((sent + expires_in))" +%Y-%m-%dT%H:%M:%SZ)
}

# Polled conditions: functions, so wait_until re-reads the object on every try.
has_auth_url_in() { [ -n "$(kubectl get conn "$2" -n "$1" -o jsonpath='{.status.authorizationURL}')" ]; }
is_ready() { [ "$(condition "$1" "$2" Ready status)" = True ]; }

# authorize NS CONNECTION: waits for the authorization URL, consents, lands on the callback,
# waits for Ready=True.
authorize() {
  local url landing
  wait_until 30 has_auth_url_in "$1" "$2" ||
    fail "no status.authorizationURL for $2"
  url=$(kubectl get conn "$2" -n "$1" -o jsonpath='{.status.authorizationURL}')
  landing=$(browse "$url" allow) || fail "could not drive login and consent"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$landing")" = 200 ] || fail "the callback did not accept the code"
  wait_until 20 is_ready "conn/$2" "$1" || fail "Connection $2 not Ready"
}

# role_grants NS NAME: the sidecar Role of the default ServiceAccount names the store NAME.
role_grants() {
  kubectl -n "$1" get role dragops-sidecar-default -o jsonpath='{.rules[0].resourceNames}' | grep -q "\"$2\""
}

# sidecar_run NS POD CONNECTIONS [VAR=value...]: a sidecar with its own key and token dirs for a
# pod admitted through the operator's webhook (the operator then grants the pod's ServiceAccount
# its Role, from the injected pods it watches),
# running with a token for that ServiceAccount: least privilege, as in a cluster. Sets SC_DIR,
# SC_PORT (API), SC_PID and appends the pid to PIDS.
sidecar_run() {
  local ns=$1 pod=$2 connections=$3
  shift 3
  SC_DIR=$WORK/sidecar-$pod
  grant_use "$ns" default connection ${connections//,/ } || fail "cannot let the default ServiceAccount use $connections"
  mkdir -p "$SC_DIR/keys" "$SC_DIR/token"
  printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\n  annotations: {dragops.io/inject: "true", dragops.io/connections: "%s"}\nspec:\n  containers: [{name: app, image: busybox}]\n' \
    "$pod" "$ns" "$connections" | kubectl apply -f - >/dev/null || fail "pod $pod not admitted"
  service_account_kubeconfig "$ns" default "$SC_DIR/kubeconfig" || fail "no ServiceAccount token for $pod"
  # The operator writes the Role once its Pod informer sees the pod (webhook.md); a sidecar started before
  # would be refused until then, which is allowed but not what this run is about.
  local connection
  for connection in ${connections//,/ }; do
    wait_until 20 role_grants "$ns" "dragops-conn-$connection" || fail "the operator did not grant dragops-conn-$connection"
  done
  wait_until 20 kubectl -n "$ns" get secret dragops-data-keys || fail "no projected key ring"
  kubectl -n "$ns" get secret dragops-data-keys -o jsonpath='{.data.keyring}' | base64 -d >"$SC_DIR/keys/keyring"
  SC_PORT=$(free_port)
  local health
  health=$(free_port)
  env -i PATH="$PATH" KUBECONFIG="$SC_DIR/kubeconfig" $(sanitizer_env) DRAGOPS_POD_NAMESPACE="$ns" DRAGOPS_POD_NAME="$pod" \
    DRAGOPS_CONNECTIONS="$connections" DRAGOPS_SECRETS= DRAGOPS_ENVIRONMENT=production DRAGOPS_KEY_DIR="$SC_DIR/keys" \
    DRAGOPS_TOKEN_FILE="$SC_DIR/token/token" DRAGOPS_LISTEN="127.0.0.1:$SC_PORT" DRAGOPS_HEALTH_LISTEN="127.0.0.1:$health" \
    "$@" "$SIDECAR" >"$SC_DIR/sidecar.log" 2>&1 &
  SC_PID=$!
  PIDS+=($SC_PID)
  wait_until 20 curl -fsS "http://127.0.0.1:$health/readyz" || fail "sidecar $pod not ready"
}
