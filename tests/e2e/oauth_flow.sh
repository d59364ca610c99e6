#!/usr/bin/env bash
# End to end: the OAuth authorization-code flow run by the operator against the real
# oidc-provider (tests/oauth/provider). API server + provider + operator (callback listener);
# an IntegrationPack pointing at the provider, a client Secret and a Connection. The login and
# consent pages are driven with curl; the redirect lands on the operator's callback.
#   - denied consent, replayed state, forged state, expired state, a response naming another
#     issuer than the pack's (RFC 9207): HTML 400, nothing stored, Ready=False with a reason;
#   - the allowed flow: Ready=True with status.expiresAt, a sealed store with token-field
#     access_token, a sidecar serving an access token that the provider's introspection says is
#     active; a replay of that link leaves the Connection Ready;
#   - pack endpoints (issue 12, finding 6): an http:// tokenURL makes the pack InvalidPack; a
#     tokenURL moved from one provider to another at another origin is not used (Ready=False
#     TokenEndpointChanged, that provider receives nothing) until the Connection is authorized
#     again, after which the new provider issues and refreshes the tokens.
# No token or client secret value is printed; the logs are checked for them.
# ctest-timeout: 300
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/operator_lib.sh"
# The provider, the pack/client/Connection objects and browse (the person at the provider).
source "$(dirname "${BASH_SOURCE[0]}")/lib/oauth.sh"
SIDECAR=${DRAGOPS_SIDECAR_BINARY:-$BUILD/sidecar/dragops-sidecar}
[ -x "$SIDECAR" ] || fail "$SIDECAR not built"

# --- the provider --------------------------------------------------------------------------
provider_start 300

# --- cluster objects -----------------------------------------------------------------------
start_apiserver
operator_least_privilege
ensure_namespace team-a
oauth_objects team-a github

start_op() { # start_op NAME [flags]
  local name=$1
  shift
  start_operator "$name" --leader-elect=false --key-rotation-interval 0 \
    --oauth-callback-addr "127.0.0.1:$CB_PORT" --oauth-external-url "http://127.0.0.1:$CB_PORT" "$@"
}
start_op op1

auth_url() { kubectl get conn "$1" -n team-a -o jsonpath='{.status.authorizationURL}'; }
# Polled conditions: functions, so wait_until re-reads the object on every try.
has_auth_url() { [ -n "$(auth_url "$1")" ]; }
is_ready() { [ "$(condition "$1" "$2" Ready status)" = True ]; }
reason_is() { [ "$(condition "conn/$1" team-a Ready reason)" = "$2" ]; }
has_event() { kubectl get events -n team-a -o jsonpath='{range .items[*]}{.involvedObject.name}/{.reason}{"\n"}{end}' | grep -qx "$1/$2"; }
no_store() { ! kubectl get secret "dragops-conn-$1" -n team-a >/dev/null 2>&1; }
url_changed() { local now; now=$(auth_url "$1"); [ -n "$now" ] && [ "$now" != "$2" ]; }


# callback URL: GET on the operator; sets CB_CODE and leaves the page in $WORK/callback.html.
callback() { CB_CODE=$(curl -s -o "$WORK/callback.html" -w '%{http_code}' "$1"); }

# --- awaiting authorization ----------------------------------------------------------------
wait_until 30 has_auth_url github || fail "no status.authorizationURL"
reason_is github AwaitingAuthorization || fail "Ready reason is $(condition conn/github team-a Ready reason)"
URL1=$(auth_url github)
case $URL1 in
  "$ISSUER/auth?"*code_challenge_method=S256*) ;;
  *) fail "authorization URL is not the provider's with S256 PKCE" ;;
esac
for part in "client_id=$CLIENT_ID" "state=v1." "code_challenge=" "redirect_uri=http%3A%2F%2F127.0.0.1%3A$CB_PORT%2Foauth%2Fcallback"; do
  [[ $URL1 == *"$part"* ]] || fail "authorization URL lacks $part"
done
echo "authorization URL published"

# --- denied consent ------------------------------------------------------------------------
DENIED=$(browse "$URL1" deny) || fail "could not drive the denial"
[[ $DENIED == *error=access_denied* ]] || fail "the provider did not redirect with access_denied"
callback "$DENIED"
[ "$CB_CODE" = 400 ] || fail "denied consent answered $CB_CODE"
grep -q "Authorization denied" "$WORK/callback.html" || fail "denied page lacks its title"
wait_until 10 reason_is github AuthorizationDenied || fail "Ready reason after denial: $(condition conn/github team-a Ready reason)"
wait_until 10 has_event github AuthorizationDenied || fail "no AuthorizationDenied Event"
no_store github || fail "a store exists after a denial"
echo "denied consent: 400, Ready=False AuthorizationDenied, Event, no store"

# --- replayed state ------------------------------------------------------------------------
callback "$DENIED"
[ "$CB_CODE" = 400 ] || fail "replayed state answered $CB_CODE"
wait_until 10 reason_is github AuthorizationFailed || fail "Ready reason after replay: $(condition conn/github team-a Ready reason)"
[[ $(condition conn/github team-a Ready message) == *"already used"* ]] || fail "replay message"
wait_until 10 has_event github AuthorizationFailed || fail "no AuthorizationFailed Event"
no_store github || fail "a store exists after a replay"
echo "replayed state: 400, Ready=False AuthorizationFailed, Event, no store"

# --- forged state --------------------------------------------------------------------------
wait_until 10 url_changed github "$URL1" || fail "no new authorization URL after the used one"
URL2=$(auth_url github)
GOOD_STATE=$(sed -n 's/.*[?&]state=\([^&]*\).*/\1/p' <<<"$URL2")
SIGNATURE=${GOOD_STATE##*.}
if [ "${SIGNATURE:0:1}" = A ]; then FLIPPED=B; else FLIPPED=A; fi
FORGED="${GOOD_STATE%.*}.$FLIPPED${SIGNATURE:1}"   # same payload, one signature character changed
callback "$CALLBACK?code=anything&state=$FORGED"
[ "$CB_CODE" = 400 ] || fail "forged state answered $CB_CODE"
grep -q "not valid" "$WORK/callback.html" || fail "forged-state page"
grep -q '"error":"bad signature"' "$WORK/op1.log" || fail "the forged state was not rejected for its signature"
callback "$CALLBACK?code=anything"
[ "$CB_CODE" = 400 ] || fail "missing state answered $CB_CODE"
no_store github || fail "a store exists after a forged state"
echo "forged and missing state: 400, no store"

# --- the provider fails at the code exchange -----------------------------------------------
curl -sf -X POST "$ISSUER/__control/down" >/dev/null || fail "provider control"
DOWN=$(browse "$URL2" allow) || fail "could not drive login and consent"
callback "$DOWN"
curl -sf -X POST "$ISSUER/__control/up" >/dev/null || fail "provider control"
[ "$CB_CODE" = 502 ] || fail "a failing token endpoint answered $CB_CODE"
message_has() { [[ $(condition "conn/$1" team-a Ready message) == *"$2"* ]]; }
wait_until 10 message_has github "token exchange failed" ||
  fail "Ready message after the provider failed: $(condition conn/github team-a Ready message)"
reason_is github AuthorizationFailed || fail "Ready reason after the provider failed"
no_store github || fail "a store exists after a failed exchange"
echo "provider error at the token endpoint: 502, Ready=False AuthorizationFailed, no store"

# --- a response from another issuer (RFC 9207) -----------------------------------------------
wait_until 10 url_changed github "$URL2" || fail "no new authorization URL after the failed exchange"
URL2=$(auth_url github)
kubectl patch ipack localidp --type merge -p '{"spec":{"oauth":{"issuer":"https://other-idp.example"}}}' >/dev/null
code_grants() { curl -sf "$ISSUER/__control/stats" | jq '.code_ok + .code_error'; }
grants_before=$(code_grants)
MIXED=$(browse "$URL2" allow) || fail "could not drive login and consent"
[[ $MIXED == *"iss="* ]] || fail "the provider's redirect carries no iss parameter"
callback "$MIXED"
[ "$CB_CODE" = 400 ] || fail "a response from another issuer answered $CB_CODE"
wait_until 10 message_has github "RFC 9207" ||
  fail "Ready message after a foreign iss: $(condition conn/github team-a Ready message)"
no_store github || fail "a store exists after a foreign iss"
[ "$(code_grants)" = "$grants_before" ] || fail "the code of a response naming another issuer reached the token endpoint"
echo "response naming another issuer: 400, Ready=False AuthorizationFailed (RFC 9207), code never exchanged"

# --- the allowed flow (the pack names the provider's issuer: iss is checked) ----------------
kubectl patch ipack localidp --type merge -p "{\"spec\":{\"oauth\":{\"issuer\":\"$ISSUER\"}}}" >/dev/null
wait_until 10 url_changed github "$URL2" || fail "no new authorization URL after the foreign iss"
URL2=$(auth_url github)
ALLOWED=$(browse "$URL2" allow) || fail "could not drive login and consent"
[[ $ALLOWED == *code=* ]] || fail "the provider did not redirect with a code"
started=$(now_ms)
callback "$ALLOWED"
[ "$CB_CODE" = 200 ] || fail "the callback answered $CB_CODE: $(sed 's/<[^>]*>//g' "$WORK/callback.html" | tr -s '\n' ' ')"
wait_until 20 is_ready conn/github team-a || fail "Connection not Ready after the callback"
echo "callback to Ready=True: $(($(now_ms) - started)) ms"
[ -n "$(kubectl get conn github -n team-a -o jsonpath='{.status.expiresAt}')" ] || fail "no status.expiresAt"
[ -z "$(auth_url github)" ] || fail "authorizationURL still set on a Ready connection"
[ "$(kubectl get secret dragops-conn-github -n team-a -o jsonpath='{.metadata.annotations.dragops\.io/token-field}')" = access_token ] ||
  fail "store lacks dragops.io/token-field=access_token"
[ -n "$(kubectl get secret dragops-conn-github -n team-a -o jsonpath='{.metadata.annotations.dragops\.io/expires-at}')" ] ||
  fail "store lacks dragops.io/expires-at"
for item in access_token refresh_token; do
  [ -n "$(kubectl get secret dragops-conn-github -n team-a -o jsonpath="{.data.field\.$item}")" ] || fail "store lacks $item"
done
wait_until 10 has_event github Authorized || fail "no Authorized Event"

# A sidecar serves the access token; the provider says it is active.
SC=$WORK/sidecar
mkdir -p "$SC/keys" "$SC/token"
wait_until 20 kubectl -n team-a get secret dragops-data-keys || fail "no projected key ring"
kubectl -n team-a get secret dragops-data-keys -o jsonpath='{.data.keyring}' | base64 -d >"$SC/keys/keyring"
SC_PORT=$(free_port)
SC_HEALTH=$(free_port)
env -i PATH="$PATH" KUBECONFIG="$KUBECONFIG" $(sanitizer_env) DRAGOPS_POD_NAMESPACE=team-a DRAGOPS_POD_NAME=app-1 \
  DRAGOPS_CONNECTIONS=github DRAGOPS_SECRETS= DRAGOPS_ENVIRONMENT=production DRAGOPS_KEY_DIR="$SC/keys" \
  DRAGOPS_TOKEN_FILE="$SC/token/token" DRAGOPS_LISTEN="127.0.0.1:$SC_PORT" DRAGOPS_HEALTH_LISTEN="127.0.0.1:$SC_HEALTH" \
  "$SIDECAR" >"$WORK/sidecar.log" 2>&1 &
PIDS+=($!)
wait_until 20 curl -fsS "http://127.0.0.1:$SC_HEALTH/readyz" || fail "sidecar not ready"
ACCESS_TOKEN=$(curl -sf -H "Authorization: Bearer $(cat "$SC/token/token")" \
  "http://127.0.0.1:$SC_PORT/v1/connections/github/token") || fail "sidecar did not serve the token"
[ -n "$ACCESS_TOKEN" ] || fail "empty token from the sidecar"
INTROSPECTION=$(curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$ACCESS_TOKEN" "$ISSUER/token/introspection") ||
  fail "introspection failed"
grep -q '"active":true' <<<"$INTROSPECTION" || fail "the provider says the served token is not active"
echo "allowed flow: Ready=True, sealed store, sidecar token active at the provider"

# A replay of the successful link: 400, the Connection stays Ready.
callback "$ALLOWED"
[ "$CB_CODE" = 400 ] || fail "replayed success link answered $CB_CODE"
[ "$(condition conn/github team-a Ready status)" = True ] || fail "a replayed link took the Connection down"
echo "replayed success link: 400, still Ready"

# Deleting the Connection revokes the grant at the provider (RFC 7009) before the finalizer
# lets go: the served access token turns inactive.
started=$(now_ms)
kubectl delete conn github -n team-a --wait=false >/dev/null
wait_until 30 eval '! kubectl get conn github -n team-a' || fail "Connection github not deleted"
echo "delete with revocation: $(($(now_ms) - started)) ms"
INTROSPECTION=$(curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$ACCESS_TOKEN" "$ISSUER/token/introspection") ||
  fail "introspection failed"
grep -q '"active":false' <<<"$INTROSPECTION" || fail "the grant is still active after deleting the Connection"
wait_until 10 has_event github RevokedAtProvider || fail "no RevokedAtProvider Event"
echo "deleted Connection: grant revoked at the provider (introspection inactive), Event"

# --- bootstrap from existing tokens --------------------------------------------------------
MIGRATED_ACCESS=$(canary access)
MIGRATED_REFRESH=$(canary refresh)
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata: {name: migrated-tokens, namespace: team-a}
stringData: {access_token: $MIGRATED_ACCESS, refresh_token: $MIGRATED_REFRESH, expires_at: "2030-01-02T03:04:05+00:00"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: migrated, namespace: team-a}
spec:
  pack: localidp
  credentialsRef: {name: migrated-tokens}
  oauth: {clientRef: {name: idp-client}}
EOF
wait_until 20 is_ready conn/migrated team-a || fail "bootstrapped Connection not Ready"
[ "$(kubectl get conn migrated -n team-a -o jsonpath='{.status.expiresAt}')" = 2030-01-02T03:04:05Z ] || fail "bootstrap expiresAt"
[ "$(kubectl get secret dragops-conn-migrated -n team-a -o jsonpath='{.metadata.annotations.dragops\.io/expires-at}')" = 2030-01-02T03:04:05Z ] ||
  fail "bootstrap expires-at annotation"
# With the OAuth client sealed next to the tokens for the sidecar's refresher.
printf 'access_token=%s\nrefresh_token=%s\noauth_client_id=%s\noauth_client_secret=%s\noauth_token_url=%s\noauth_client_auth=client_secret_basic\n' \
  "$MIGRATED_ACCESS" "$MIGRATED_REFRESH" "$CLIENT_ID" "$CLIENT_SECRET" "$ISSUER/token" >"$WORK/migrated.expect"
"$PROBE" open-connection team-a migrated "$WORK/migrated.expect" >/dev/null || fail "bootstrapped store does not hold the tokens"
echo "bootstrap: Ready=True, expiresAt, the two tokens and the OAuth client sealed"

# --- expired state (an operator with 2 s links) --------------------------------------------
kill "$OP_PID"
wait "$OP_PID" 2>/dev/null || true
start_op op2 --oauth-state-lifetime 2s --oauth-revoke-attempts 2
kubectl apply -f - >/dev/null <<EOF
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: late, namespace: team-a}
spec:
  pack: localidp
  oauth: {clientRef: {name: idp-client}}
EOF
wait_until 30 has_auth_url late || fail "no authorization URL for late"
URL3=$(auth_url late)
EXPIRY_WAIT_UNTIL=$(($(now_ms) + 2500))
LATE=$(browse "$URL3" allow) || fail "could not drive the late flow"
while [ "$(now_ms)" -lt "$EXPIRY_WAIT_UNTIL" ]; do sleep 0.1; done   # the link's lifetime passing is the point
callback "$LATE"
[ "$CB_CODE" = 400 ] || fail "expired state answered $CB_CODE"
grep -q "expired" "$WORK/callback.html" || fail "expired page"
wait_until 10 reason_is late AuthorizationFailed || fail "Ready reason after expiry: $(condition conn/late team-a Ready reason)"
wait_until 10 has_event late AuthorizationFailed || fail "no Event for the expired link"
no_store late || fail "a store exists after an expired link"
echo "expired state: 400, Ready=False AuthorizationFailed, Event, no store"

# --- revocation gives up after its bound while the provider is down ------------------------
curl -sf -X POST "$ISSUER/__control/down" >/dev/null || fail "provider control"
started=$(now_ms)
kubectl delete conn migrated -n team-a --wait=false >/dev/null
wait_until 30 eval '! kubectl get conn migrated -n team-a' || fail "deletion hangs while the provider is down"
curl -sf -X POST "$ISSUER/__control/up" >/dev/null || fail "provider control"
wait_until 10 has_event migrated RevocationFailed || fail "no RevocationFailed Event"
echo "provider down at deletion: given up after 2 attempts in $(($(now_ms) - started)) ms, Event, Connection gone"

# --- pack endpoints (issue 12, finding 6) ---------------------------------------------------
# https only: http:// to a non-loopback host is refused even with --allow-insecure-loopback-endpoints.
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: dragops.io/v1alpha1
kind: IntegrationPack
metadata: {name: plain-http}
spec: {authType: oauth2, oauth: {authorizeURL: "https://idp.example/auth", tokenURL: "http://idp.example/token"}}
EOF
pack_invalid() { [ "$(kubectl get ipack plain-http -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}')" = InvalidPack ]; }
wait_until 20 pack_invalid || fail "an http:// tokenURL is not refused"
kubectl get ipack plain-http -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}' | grep -q 'spec.oauth.tokenURL: must use https' ||
  fail "the pack's message does not name the http:// tokenURL"
echo "an http:// tokenURL: the pack is Ready=False InvalidPack, spec.oauth.tokenURL: must use https"

# Two more providers (the same client registration) at two origins, with 4 s access tokens so
# that the operator refreshes every 2 s: a pack moved from the first to the second would be used
# at once. The Connection "moved" is authorized at the first; the pack then names the second.
provider_at() { # provider_at NAME: starts a provider; prints its issuer
  node "$ROOT/tests/oauth/provider/server.mjs" --port 0 --access-token-ttl 4 --client-id "$CLIENT_ID" \
    --client-secret "$CLIENT_SECRET" --redirect-uri "$CALLBACK" >"$WORK/$1.out" 2>"$WORK/$1.log" &
  PIDS+=($!)
  wait_until 30 grep -q '^READY' "$WORK/$1.out" || fail "provider $1 did not start"
  sed -n 's/^READY port=[0-9]* issuer=//p' "$WORK/$1.out"
}
pack_at() { # pack_at ISSUER: the pack "mover" names that provider's endpoints
  kubectl apply -f - >/dev/null <<EOF
apiVersion: dragops.io/v1alpha1
kind: IntegrationPack
metadata: {name: mover}
spec:
  authType: oauth2
  oauth:
    issuer: $1
    authorizeURL: $1/auth
    tokenURL: $1/token
    revokeURL: $1/token/revocation
    defaultScopes: [openid, offline_access]
    extraAuthorizeParams: {prompt: consent}
EOF
}
stats_of() { curl -sf "$1/__control/stats"; }
refreshed_at() { [ "$(stats_of "$1" | jq .refresh_ok)" -gt 0 ]; }
ISSUER_A=$(provider_at provider-a)
ISSUER_B=$(provider_at provider-b)
kill "$OP_PID"
wait "$OP_PID" 2>/dev/null || true
start_op op3
pack_at "$ISSUER_A"
kubectl apply -f - >/dev/null <<EOF
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: moved, namespace: team-a}
spec:
  pack: mover
  oauth: {clientRef: {name: idp-client}}
EOF
authorize team-a moved
wait_until 20 refreshed_at "$ISSUER_A" || fail "the operator does not refresh at the first provider: $(stats_of "$ISSUER_A")"
pack_at "$ISSUER_B"
wait_until 20 reason_is moved TokenEndpointChanged || fail "Ready reason after the tokenURL moved: $(condition conn/moved team-a Ready reason)"
condition conn/moved team-a Ready message | grep -q 'Authorize again' || fail "the message does not say to authorize again"
wait_until 20 has_auth_url moved || fail "no authorization URL after the tokenURL moved"
[[ $(auth_url moved) == "$ISSUER_B/auth?"* ]] || fail "the new authorization URL is not the new provider's"
# Two refresh periods: time for the operator to use the new endpoint if it were going to.
settle_until=$(($(now_ms) + 4000)); while [ "$(now_ms)" -lt "$settle_until" ]; do sleep 0.2; done
[ "$(stats_of "$ISSUER_B" | jq '.refresh_ok + .refresh_error + .code_ok + .code_error')" = 0 ] ||
  fail "the second provider received a token request before re-authorization: $(stats_of "$ISSUER_B")"
! grep -q '^oauth-provider: grant' "$WORK/provider-b.log" ||
  fail "the second provider logged token-endpoint traffic: $(grep '^oauth-provider: grant' "$WORK/provider-b.log" | head -3)"
echo "tokenURL moved to another origin: Ready=False TokenEndpointChanged, a new authorization URL, 0 requests to the new endpoint"
authorize team-a moved
[ "$(stats_of "$ISSUER_B" | jq .code_ok)" = 1 ] || fail "re-authorization did not exchange the code at the new provider: $(stats_of "$ISSUER_B")"
wait_until 20 refreshed_at "$ISSUER_B" || fail "after re-authorization the new endpoint is not used for refresh: $(stats_of "$ISSUER_B")"
kill "$OP_PID"
wait "$OP_PID" 2>/dev/null || true
echo "after authorizing again: Ready=True, the new provider issued and refreshes the tokens"

# --- nothing leaked -------------------------------------------------------------------------
for log in "$WORK"/op1.log "$WORK"/op2.log "$WORK"/op3.log "$WORK/sidecar.log" "$WORK/provider.log" "$WORK/provider-a.log" "$WORK/provider-b.log"; do
  if grep -qF -e "$CLIENT_SECRET" -e "$ACCESS_TOKEN" -e "$MIGRATED_ACCESS" -e "$MIGRATED_REFRESH" "$log"; then fail "a secret value appears in $(basename "$log")"; fi
done
no_rbac_denials
echo "PASS oauth_flow"
