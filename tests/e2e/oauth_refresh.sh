#!/usr/bin/env bash
# End to end: background refresh in the sidecars against the real oidc-provider, which rotates
# the refresh token on every use and revokes the whole grant if a consumed one is presented
# again. One Connection authorized through the operator's callback; N sidecars (default 20,
# OAUTH_REFRESH_SIDECARS) serve it while a client asks them in turn for the access token for
# LIFETIMES access-token lifetimes (default 10, OAUTH_REFRESH_LIFETIMES) of TTL seconds (6).
# Checked: every served token is active at the provider when first seen and never served past
# its expiry; no request fails; the provider saw no refresh-token reuse and no refresh error.
# Then the provider is down for two lifetimes: 503 token_expired with Retry-After after expiry,
# never an expired token, and recovery with the stored refresh token once it is back.
# Then no pod for three lifetimes: the operator (smaller skew) refreshes, the connection does
# not lapse, and a new pod serves an active token. Each sidecar belongs to a pod admitted by the
# operator's webhook and runs with a token for the pod's ServiceAccount (least privilege).
# Printed: refreshes per lifetime and per access token (target 1) and the answers.
# ctest-timeout: 300
# ctest-run-serial
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/operator_lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/oauth.sh"
SIDECAR=${DRAGOPS_SIDECAR_BINARY:-$BUILD/sidecar/dragops-sidecar}
[ -x "$SIDECAR" ] || fail "$SIDECAR not built"
SIDECARS=${OAUTH_REFRESH_SIDECARS:-20}
LIFETIMES=${OAUTH_REFRESH_LIFETIMES:-10}
TTL=6

provider_start "$TTL"
start_apiserver
ensure_namespace team-a
oauth_objects team-a github
oauth_operator op1 --oauth-refresh-min-skew 1s   # below the sidecars' 2s: they refresh while they run
authorize team-a github
kubectl get secret dragops-conn-github -n team-a -o jsonpath='{.data}' | grep -q 'field.oauth_client_secret' ||
  fail "the store holds no sealed client for the refresher"

PORTS=()
TOKEN_FILES=()
SIDECAR_PIDS=()
for i in $(seq 1 "$SIDECARS"); do
  sidecar_run team-a "app-$i" github DRAGOPS_REFRESH_MIN_SKEW=2s
  PORTS+=("$SC_PORT")
  SIDECAR_PIDS+=("$SC_PID")
  TOKEN_FILES+=("$SC_DIR/token/token")
done
echo "$SIDECARS sidecars serving"

declare -A EXPIRES   # token -> exp (unix seconds) from introspection
SERVED=()
requests=0
not_ok=0
deadline=$(($(date +%s) + LIFETIMES * TTL))
stats_before=$(curl -sf "$ISSUER/__control/stats")
while [ "$(date +%s)" -lt "$deadline" ]; do
  for i in "${!PORTS[@]}"; do
    requests=$((requests + 1))
    asked_ms=$(now_ms)   # before the request: a token already expired then was served expired
    code=$(curl -s -o "$WORK/served" -w '%{http_code}' -H "Authorization: Bearer $(cat "${TOKEN_FILES[$i]}")" \
      "http://127.0.0.1:${PORTS[$i]}/v1/connections/github/token") || code=000
    if [ "$code" != 200 ]; then
      not_ok=$((not_ok + 1))
      echo "sidecar $((i + 1)) answered $code: $(head -c 200 "$WORK/served")" >&2
      continue
    fi
    token=$(cat "$WORK/served")
    if [ -z "${EXPIRES[$token]:-}" ]; then
      answer=$(curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$token" "$ISSUER/token/introspection") ||
        fail "introspection failed"
      grep -q '"active":true' <<<"$answer" || fail "sidecar $((i + 1)) served a token the provider says is inactive"
      EXPIRES[$token]=$(sed -n 's/.*"exp":\([0-9]*\).*/\1/p' <<<"$answer")
      SERVED+=("$token")
    fi
    [ "$asked_ms" -lt $((EXPIRES[$token] * 1000)) ] || fail "sidecar $((i + 1)) served an expired token"
  done
done
stats=$(curl -sf "$ISSUER/__control/stats")
stat() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<<"$1"; }
refreshes=$(($(stat "$stats" refresh_ok) - $(stat "$stats_before" refresh_ok)))
echo "requests $requests, not 200: $not_ok, distinct access tokens served ${#SERVED[@]}"
echo "provider: refresh_ok $(stat "$stats" refresh_ok), refresh_error $(stat "$stats" refresh_error), reuse_detected $(stat "$stats" reuse_detected)"
awk -v r="$refreshes" -v l="$LIFETIMES" 'BEGIN { printf "refreshes per lifetime: %.2f (%d refreshes over %d lifetimes of '"$TTL"' s, %d sidecars)\n", r / l, r, l, '"$SIDECARS"' }'
awk -v r="$refreshes" -v t="${#SERVED[@]}" 'BEGIN { printf "refreshes per access token served: %.2f (target 1)\n", r / (t - 1) }'
[ "$(stat "$stats" reuse_detected)" = 0 ] || fail "the provider saw a refresh token used twice"
[ "$(stat "$stats" refresh_error)" = 0 ] || fail "the provider refused a refresh"
[ "$not_ok" = 0 ] || fail "$not_ok requests were not answered with a token"
[ "$refreshes" -ge $((LIFETIMES - 1)) ] || fail "too few refreshes ($refreshes) for $LIFETIMES lifetimes"
# Every refresh makes a new access token and the client asks continuously, so more refreshes
# than served tokens would mean tokens refreshed twice (two pods racing).
[ "$refreshes" -le "${#SERVED[@]}" ] || fail "more refreshes ($refreshes) than access tokens served (${#SERVED[@]})"
[ "${#SERVED[@]}" -ge $((LIFETIMES - 1)) ] || fail "the served token did not move with the refreshes"
# The sidecars run with their ServiceAccount's token: the refreshes must be theirs (the Role the
# webhook wrote lets them take the Lease and write the store), not the operator's fallback.
grep -q '"tokens refreshed"' "$WORK"/sidecar-*/sidecar.log || fail "no sidecar refreshed (its Role is not enough?)"
if grep -h 'is forbidden' "$WORK"/sidecar-*/sidecar.log; then fail "a sidecar was refused by RBAC"; fi

# --- the provider down for two lifetimes -----------------------------------------------------
# Tokens are served until they expire, then 503 token_expired with Retry-After, never an expired
# one; once the provider is back, refresh resumes with the stored refresh token (nothing lost,
# no reuse).
curl -sf -X POST "$ISSUER/__control/down" >/dev/null || fail "provider control"
down_until=$(($(date +%s) + 2 * TTL))
expired_answers=0
while [ "$(date +%s)" -lt "$down_until" ]; do
  for i in "${!PORTS[@]}"; do
    asked_ms=$(now_ms)
    code=$(curl -s -D "$WORK/headers" -o "$WORK/served" -w '%{http_code}' -H "Authorization: Bearer $(cat "${TOKEN_FILES[$i]}")" \
      "http://127.0.0.1:${PORTS[$i]}/v1/connections/github/token") || code=000
    case $code in
      200)
        token=$(cat "$WORK/served")
        [ -n "${EXPIRES[$token]:-}" ] || fail "a token nobody saw appeared while the provider was down"
        [ "$asked_ms" -lt $((EXPIRES[$token] * 1000)) ] || fail "sidecar $((i + 1)) served an expired token while the provider was down" ;;
      503)
        grep -q token_expired "$WORK/served" || fail "503 without token_expired: $(head -c 200 "$WORK/served")"
        grep -qi '^retry-after:' "$WORK/headers" || fail "503 token_expired without Retry-After"
        expired_answers=$((expired_answers + 1)) ;;
      *) fail "sidecar $((i + 1)) answered $code while the provider was down" ;;
    esac
  done
done
[ "$expired_answers" -gt 0 ] || fail "no 503 token_expired although the provider was down for two lifetimes"
curl -sf -X POST "$ISSUER/__control/up" >/dev/null || fail "provider control"
up_at=$(now_ms)
all_fresh_one() { # PORT TOKEN_FILE: 200 with a token the provider says is active
  local code token answer
  code=$(curl -s -o "$WORK/served" -w '%{http_code}' -H "Authorization: Bearer $(cat "$2")" \
    "http://127.0.0.1:$1/v1/connections/github/token") || return 1
  [ "$code" = 200 ] || return 1
  token=$(cat "$WORK/served")
  answer=$(curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$token" "$ISSUER/token/introspection") || return 1
  grep -q '"active":true' <<<"$answer" || return 1
  SERVED+=("$token")
}
all_fresh() {   # every sidecar
  local i
  for i in "${!PORTS[@]}"; do all_fresh_one "${PORTS[$i]}" "${TOKEN_FILES[$i]}" || return 1; done
}
wait_until 60 all_fresh || fail "the sidecars did not recover after the provider came back"
stats=$(curl -sf "$ISSUER/__control/stats")
echo "provider down for $((2 * TTL)) s: $expired_answers answers 503 token_expired, no expired token served;" \
  "every sidecar serves an active token $(($(now_ms) - up_at)) ms after it came back"
refreshed() { [ "$(condition conn/github team-a Refreshed status)" = "$1" ]; }
refresh_failed_event() {
  kubectl get events -n team-a -o jsonpath='{range .items[*]}{.involvedObject.name}/{.reason}{"\n"}{end}' |
    grep -qx github/RefreshFailed
}
# Events are written by the operator's recorder after the status; give a loaded machine time.
wait_until 10 refresh_failed_event || fail "no RefreshFailed Event during the outage; the Connection's Events:
$(kubectl get events -n team-a --field-selector involvedObject.name=github -o custom-columns=REASON:.reason,COUNT:.count,MESSAGE:.message --no-headers)"
wait_until 30 refreshed True || fail "Refreshed is not True after the outage: $(condition conn/github team-a Refreshed message)"
echo "outage visible as Refreshed=False RefreshFailed (Event), Refreshed=True again after it"
[ "$(stat "$stats" reuse_detected)" = 0 ] || fail "refresh token reuse after the outage"
[ "$(stat "$stats" refresh_error)" = 0 ] || fail "a refresh was refused after the outage (refresh token lost?)"

# --- no pod reads the connection: the operator keeps it from lapsing ------------------------
grep -q '"oauth tokens refreshed by the operator"' "$WORK/op1.log" &&
  echo "note: the operator refreshed while sidecars ran (its skew is smaller; a sidecar was late)"
for pid in "${SIDECAR_PIDS[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
before=$(stat "$(curl -sf "$ISSUER/__control/stats")" refresh_ok)
idle_until=$(($(date +%s) + 3 * TTL))
while [ "$(date +%s)" -lt "$idle_until" ]; do sleep 0.5; done   # three lifetimes with no pod is the point
stats=$(curl -sf "$ISSUER/__control/stats")
operator_refreshes=$(($(stat "$stats" refresh_ok) - before))
[ "$operator_refreshes" -ge 2 ] || fail "only $operator_refreshes refreshes in three lifetimes without pods"
grep -q '"oauth tokens refreshed by the operator"' "$WORK/op1.log" || fail "the operator did not refresh"
expires=$(kubectl get secret dragops-conn-github -n team-a -o jsonpath='{.metadata.annotations.dragops\.io/expires-at}')
[ "$(date -d "$expires" +%s)" -gt "$(date +%s)" ] || fail "the connection lapsed without pods ($expires)"
sidecar_run team-a app-late github DRAGOPS_REFRESH_MIN_SKEW=2s
wait_until 10 all_fresh_one "$SC_PORT" "$SC_DIR/token/token" || fail "a new pod did not get an active token"
[ "$(stat "$stats" reuse_detected)" = 0 ] || fail "refresh token reuse while the operator refreshed"
[ "$(stat "$stats" refresh_error)" = 0 ] || fail "a refresh was refused while the operator refreshed"
echo "no pods for three lifetimes: the operator refreshed $operator_refreshes times; a new pod serves an active token"

for log in "$WORK"/sidecar-*/sidecar.log "$WORK/op1.log"; do
  for token in "${SERVED[@]}"; do
    if grep -qF -e "$token" -e "$CLIENT_SECRET" "$log"; then fail "a secret value appears in $log"; fi
  done
done
no_rbac_denials
echo "PASS oauth_refresh"
