#!/usr/bin/env bash
# End to end: background refresh by the operator (the only refresher; the sidecars only watch)
# against the real oidc-provider, which rotates the refresh token on every use and revokes the
# whole grant if a consumed one is presented again. Access tokens live TTL seconds (6); the
# operator's minimum skew is 2 s, and the sidecars are told the same (DRAGOPS_REFRESH_MIN_SKEW),
# so they hold a request for a token the operator is late with until the watch delivers the new one.
# First a Connection bootstrapped from tokens obtained elsewhere (credentialsRef: access_token,
# refresh_token, expires_at; lifetime unknown) while OAUTH_BOOT_SIDECARS sidecars (default 5)
# read it for OAUTH_BOOT_LIFETIMES lifetimes (default 3): no answer but 200 once synced, and no
# token served with less than the sidecars' skew left (issue 17).
# Then one Connection authorized through the operator's callback; N sidecars (default 20,
# OAUTH_REFRESH_SIDECARS) serve it while a client asks them in turn for the access token for
# LIFETIMES access-token lifetimes (default 10, OAUTH_REFRESH_LIFETIMES).
# Checked: every served token is active at the provider when first seen and never served past
# its expiry; no request fails; the provider saw no refresh-token reuse and no refresh error.
# Then the provider is down for two lifetimes: 503 token_expired with Retry-After after expiry,
# never an expired token, and recovery with the stored refresh token once it is back.
# Then no pod for three lifetimes: the operator refreshes ahead of expiry (not late by whole
# seconds), the connection does not lapse, and a new pod serves an active token.
# Then the attacks of issue 12, finding 2, with the pod's own ServiceAccount token (what the app
# container holds): it may read its stores and nothing more (kubectl auth can-i); patching
# dragops.io/token-field or auth-type, replacing the store with an older copy, deleting it and
# taking the refresh Lease are refused (403); the same patches made by an admin do not make the
# sidecar serve the client secret or the refresh token; a Lease planted by an admin with a huge
# duration, or a renewTime far in the future, delays the operator's refresh by at most the
# Lease bound (--oauth-lease-duration, 3 s here).
# Each sidecar belongs to a pod admitted by the operator's webhook and runs with a token for the
# pod's ServiceAccount (least privilege).
# Printed: refreshes per lifetime and per access token (target 1), the answers, the life left in
# served tokens and how long before expiry the refreshes were sent.
# ctest-timeout: 420
# ctest-run-serial
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/operator_lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/oauth.sh"
SIDECAR=${DRAGOPS_SIDECAR_BINARY:-$BUILD/sidecar/dragops-sidecar}
[ -x "$SIDECAR" ] || fail "$SIDECAR not built"
SIDECARS=${OAUTH_REFRESH_SIDECARS:-20}
LIFETIMES=${OAUTH_REFRESH_LIFETIMES:-10}
BOOT_SIDECARS=${OAUTH_BOOT_SIDECARS:-5}
BOOT_LIFETIMES=${OAUTH_BOOT_LIFETIMES:-3}
TTL=6
SKEW_MS=2000            # the operator's --oauth-refresh-min-skew and the sidecars' DRAGOPS_REFRESH_MIN_SKEW
OPERATOR_SKEW_MS=$SKEW_MS
LEASE_S=3               # the operator's --oauth-lease-duration: the longest any Lease holder is trusted

# before_expiry CONNECTION LOG...: how long before expiry each refresh of CONNECTION that those
# processes (sidecars, operator) sent went out (before_expiry_ms), one a line.
before_expiry() {
  local connection=$1
  shift
  grep -h 'tokens refreshed' "$@" | grep -E "\"(connection|name)\":\"$connection\"" |
    sed -n 's/.*"before_expiry_ms":\(-\{0,1\}[0-9][0-9]*\).*/\1/p'
}
# spread: "min..max ms (n)" of the numbers on stdin.
spread() { sort -n | awk 'NR == 1 { min = $1 } { max = $1; n++ } END { if (n) printf "%d..%d ms (%d)", min, max, n; else printf "none" }'; }

provider_start "$TTL"
start_apiserver
ensure_namespace team-a
oauth_objects team-a github
oauth_operator op1 --oauth-refresh-min-skew 2s --oauth-lease-duration "${LEASE_S}s"
authorize team-a github
kubectl get secret dragops-conn-github -n team-a -o jsonpath='{.data}' | grep -q 'field.oauth_client_secret' ||
  fail "the store holds no sealed client for the refresher"
kubectl get secret dragops-conn-github -n team-a -o json >"$WORK/store-authorized.json"   # for the rollback attempt

declare -A EXPIRES   # token -> exp (unix seconds) from introspection
SERVED=()            # access tokens the sidecars of the authorized Connection served
BOOT_SERVED=()       # the bootstrapped Connection's tokens, for the log scan at the end
stat() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" <<<"$1"; }

# --- a Connection bootstrapped from existing tokens (issue 17) -------------------------------
# Tokens obtained elsewhere, migrated with a credentialsRef Secret: the Secret says when the
# access token expires, not when it was issued, so its lifetime is unknown and the first
# refresher to look replaces it at once (docs/oauth.md). The sidecars are reading before the
# Connection exists, as the pods of a workflow would. While the provider is up every answer must
# be 200 (no 503 token_expired in the round trip of a refresh), and no served token may have less
# than the skew left: neither the bootstrapped one nor any later one (the operator replaces the
# bootstrapped token at once; a sidecar holds a request for it until the new one arrives).
BOOT_PORTS=()
BOOT_TOKEN_FILES=()
BOOT_PIDS=()
for i in $(seq 1 "$BOOT_SIDECARS"); do
  sidecar_run team-a "boot-$i" boot DRAGOPS_REFRESH_MIN_SKEW=2s
  BOOT_PORTS+=("$SC_PORT")
  BOOT_TOKEN_FILES+=("$SC_DIR/token/token")
  BOOT_PIDS+=("$SC_PID")
done
obtain_tokens || fail "could not obtain tokens from the provider by hand"
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata: {name: boot-tokens, namespace: team-a}
stringData: {access_token: $OBTAINED_ACCESS, refresh_token: $OBTAINED_REFRESH, expires_at: $OBTAINED_EXPIRES_AT}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: boot, namespace: team-a}
spec:
  pack: localidp
  credentialsRef: {name: boot-tokens}
  oauth: {clientRef: {name: idp-client}}
EOF
declare -A BOOT_SERVING   # sidecar index -> 1 once it answered 200
boot_requests=0
boot_min_left=""
boot_bootstrapped=0       # answers that carried the bootstrapped access token
boot_bootstrapped_min_left=""
# boot_ask I: one request to boot sidecar I, checked. Before its first 200 the sidecar may not
# have the store yet (404 not_found); from then on only 200 with a token that has the skew left.
boot_ask() {
  local i=$1 asked_ms code token answer left
  asked_ms=$(now_ms)   # before the request: the life left when it was asked is an upper bound
  code=$(curl -s -o "$WORK/served" -w '%{http_code}' -H "Authorization: Bearer $(cat "${BOOT_TOKEN_FILES[$i]}")" \
    "http://127.0.0.1:${BOOT_PORTS[$i]}/v1/connections/boot/token") || code=000
  boot_requests=$((boot_requests + 1))
  if [ "$code" != 200 ]; then
    [ "$code" = 404 ] && [ -z "${BOOT_SERVING[$i]:-}" ] && return 0
    fail "boot sidecar $((i + 1)) answered $code while the provider is up: $(head -c 200 "$WORK/served")"
  fi
  BOOT_SERVING[$i]=1
  token=$(cat "$WORK/served")
  if [ -z "${EXPIRES[$token]:-}" ]; then
    answer=$(curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$token" "$ISSUER/token/introspection") ||
      fail "introspection failed"
    grep -q '"active":true' <<<"$answer" || fail "boot sidecar $((i + 1)) served a token the provider says is inactive"
    EXPIRES[$token]=$(sed -n 's/.*"exp":\([0-9]*\).*/\1/p' <<<"$answer")
    BOOT_SERVED+=("$token")
  fi
  left=$((EXPIRES[$token] * 1000 - asked_ms))
  if [ -z "$boot_min_left" ] || [ "$left" -lt "$boot_min_left" ]; then boot_min_left=$left; fi
  if [ "$token" = "$OBTAINED_ACCESS" ]; then
    boot_bootstrapped=$((boot_bootstrapped + 1))
    if [ -z "$boot_bootstrapped_min_left" ] || [ "$left" -lt "$boot_bootstrapped_min_left" ]; then
      boot_bootstrapped_min_left=$left
    fi
  fi
  if [ "$left" -lt "$SKEW_MS" ]; then
    local what="a refreshed token"
    [ "$token" != "$OBTAINED_ACCESS" ] || what="the bootstrapped token"
    fail "boot sidecar $((i + 1)) served $what with $left ms left (skew $SKEW_MS ms)"
  fi
}
boot_until=$(($(date +%s) + BOOT_LIFETIMES * TTL))
while [ "$(date +%s)" -lt "$boot_until" ]; do
  for i in "${!BOOT_PORTS[@]}"; do boot_ask "$i"; done
done
[ "${#BOOT_SERVING[@]}" = "$BOOT_SIDECARS" ] || fail "only ${#BOOT_SERVING[@]} of $BOOT_SIDECARS sidecars ever served the bootstrapped Connection"
stats=$(curl -sf "$ISSUER/__control/stats")
holds() { # RESULT: the sidecars' dragops_sidecar_token_holds_total{result=RESULT}, summed
  local total=0 port value
  for port in $(sed -n 's/.*"health_port":\([0-9]*\).*/\1/p' "$WORK"/sidecar-boot-*/sidecar.log); do
    value=$(curl -sf "http://127.0.0.1:$port/metrics" | sed -n "s/^dragops_sidecar_token_holds_total{result=\"$1\"} \([0-9]*\).*/\1/p")
    total=$((total + ${value:-0}))
  done
  echo "$total"
}
echo "bootstrap: $boot_requests requests to $BOOT_SIDECARS sidecars over $BOOT_LIFETIMES lifetimes, all 200 once synced;" \
  "least life left in a served token $boot_min_left ms (skew $SKEW_MS ms); the bootstrapped token served" \
  "$boot_bootstrapped times, least left ${boot_bootstrapped_min_left:-n/a} ms;" \
  "refreshes (by the operator) sent $(before_expiry boot "$WORK"/sidecar-boot-*/sidecar.log "$WORK/op1.log" | spread)" \
  "before expiry;" \
  "requests held for a due refresh: $(holds replaced) got the new token, $(holds kept) the old one"
[ "$(stat "$stats" reuse_detected)" = 0 ] || fail "refresh token reuse after the bootstrap"
[ "$(stat "$stats" refresh_error)" = 0 ] || fail "a refresh was refused after the bootstrap"
BOOT_SERVED+=("$OBTAINED_ACCESS" "$OBTAINED_REFRESH")
# Out of the way of what follows, which counts the provider's refreshes: no pod and no
# Connection left to refresh (deleting it revokes the grant at the provider).
for pid in "${BOOT_PIDS[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
kubectl delete conn boot -n team-a >/dev/null
boot_store_gone() { ! kubectl get secret dragops-conn-boot -n team-a >/dev/null 2>&1; }
wait_until 30 boot_store_gone || fail "the bootstrapped Connection's store outlived it"


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
# The operator alone refreshes: no sidecar talks to the provider or writes (its Role is read-only).
grep -q '"oauth tokens refreshed by the operator"' "$WORK/op1.log" || fail "the operator did not refresh"
if grep -l '"tokens refreshed"' "$WORK"/sidecar-*/sidecar.log; then fail "a sidecar refreshed"; fi
if grep -h 'is forbidden' "$WORK"/sidecar-*/sidecar.log; then fail "a sidecar was refused by RBAC"; fi

# --- the provider down for two lifetimes -----------------------------------------------------
# Tokens are served until they expire, then 503 token_expired with Retry-After, never an expired
# one; once the provider is back, refresh resumes with the stored refresh token (nothing lost,
# no reuse).
curl -sf -X POST "$ISSUER/__control/down" >/dev/null || fail "provider control"
down_at=$(date +%s)
down_until=$((down_at + 2 * TTL))
# unseen_before_down I TOKEN: a token the client had not seen yet may appear in the first moments
# of the outage (the operator's refresh was already answered when the provider went down); it
# must have been issued before that (the sidecar's JSON form: obtained_at), and its expiry is
# the one the sidecar reports.
unseen_before_down() {
  local answer obtained expires
  curl -sf -o "$WORK/unseen" -H "Authorization: Bearer $(cat "${TOKEN_FILES[$1]}")" \
    "http://127.0.0.1:${PORTS[$1]}/v1/connections/github" || return 1
  [ "$(jq -r '.fields.access_token' "$WORK/unseen")" = "$2" ] || return 1
  obtained=$(date -d "$(jq -r '.fields.obtained_at' "$WORK/unseen")" +%s) || return 1
  expires=$(date -d "$(jq -r '.expiresAt' "$WORK/unseen")" +%s) || return 1
  [ "$obtained" -le "$down_at" ] || return 1
  EXPIRES[$2]=$expires
  SERVED+=("$2")
}
expired_answers=0
while [ "$(date +%s)" -lt "$down_until" ]; do
  for i in "${!PORTS[@]}"; do
    asked_ms=$(now_ms)
    code=$(curl -s -D "$WORK/headers" -o "$WORK/served" -w '%{http_code}' -H "Authorization: Bearer $(cat "${TOKEN_FILES[$i]}")" \
      "http://127.0.0.1:${PORTS[$i]}/v1/connections/github/token") || code=000
    case $code in
      200)
        token=$(cat "$WORK/served")
        [ -n "${EXPIRES[$token]:-}" ] || unseen_before_down "$i" "$token" ||
          fail "a token issued after the provider went down appeared while it was down"
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
for pid in "${SIDECAR_PIDS[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
before=$(stat "$(curl -sf "$ISSUER/__control/stats")" refresh_ok)
idle_until=$(($(date +%s) + 3 * TTL))
while [ "$(date +%s)" -lt "$idle_until" ]; do sleep 0.5; done   # three lifetimes with no pod is the point
stats=$(curl -sf "$ISSUER/__control/stats")
operator_refreshes=$(($(stat "$stats" refresh_ok) - before))
[ "$operator_refreshes" -ge 2 ] || fail "only $operator_refreshes refreshes in three lifetimes without pods"
grep -q '"oauth tokens refreshed by the operator"' "$WORK/op1.log" || fail "the operator did not refresh"
operator_leads=$(before_expiry github "$WORK/op1.log" | tail -n "$operator_refreshes")
[ -n "$operator_leads" ] || fail "the operator logged no before_expiry_ms for its refreshes"
echo "the operator's refreshes without pods were sent $(spread <<<"$operator_leads") before expiry" \
  "(skew $OPERATOR_SKEW_MS ms + up to 25% jitter, less the time a requeued reconcile takes to reach the provider)"
# Not to the millisecond (that reconcile time is the machine's), but never late by whole
# seconds: a requeue rounded up to seconds, or a backoff left over from the outage, was.
while read -r lead; do
  [ "$lead" -ge $((OPERATOR_SKEW_MS / 2)) ] ||
    fail "an operator refresh was sent $lead ms before expiry (skew $OPERATOR_SKEW_MS ms): $(tr '\n' ' ' <<<"$operator_leads")"
done <<<"$operator_leads"
expires=$(kubectl get secret dragops-conn-github -n team-a -o jsonpath='{.metadata.annotations.dragops\.io/expires-at}')
[ "$(date -d "$expires" +%s)" -gt "$(date +%s)" ] || fail "the connection lapsed without pods ($expires)"
sidecar_run team-a app-late github DRAGOPS_REFRESH_MIN_SKEW=2s
wait_until 10 all_fresh_one "$SC_PORT" "$SC_DIR/token/token" || fail "a new pod did not get an active token"
echo "an idle sidecar (no refresher thread, no OAuth client): VmRSS $(sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$SC_PID/status")"
[ "$(stat "$stats" reuse_detected)" = 0 ] || fail "refresh token reuse while the operator refreshed"
[ "$(stat "$stats" refresh_error)" = 0 ] || fail "a refresh was refused while the operator refreshed"
echo "no pods for three lifetimes: the operator refreshed $operator_refreshes times; a new pod serves an active token"

# --- issue 12, finding 2: the app container's credentials -------------------------------------
# The app container holds the pod's ServiceAccount token (here: the sidecar's kubeconfig, a
# TokenRequest token of team-a/default), not the key volume.
SA_KUBECONFIG=$SC_DIR/kubeconfig
attacks_started_ms=$(now_ms)
as_pod() { kubectl --kubeconfig "$SA_KUBECONFIG" -n team-a "$@"; }
can_i() { as_pod auth can-i "$@" 2>/dev/null || true; }
for verb in get list watch; do
  [ "$(can_i "$verb" secrets/dragops-conn-github)" = yes ] || fail "the pod's ServiceAccount may not $verb its store"
done
for verb in update patch delete; do
  [ "$(can_i "$verb" secrets/dragops-conn-github)" = no ] || fail "the pod's ServiceAccount may $verb its store"
done
for verb in get create update patch delete; do
  [ "$(can_i "$verb" leases.coordination.k8s.io/dragops-refresh-github)" = no ] ||
    fail "the pod's ServiceAccount may $verb the refresh Lease"
done
[ "$(can_i create leases.coordination.k8s.io)" = no ] || fail "the pod's ServiceAccount may create Leases"
# refused CMD...: run as the pod; it must fail with 403 Forbidden.
refused() {
  if as_pod "$@" >"$WORK/attack.out" 2>&1; then fail "the pod's ServiceAccount could: $*"; fi
  grep -qi forbidden "$WORK/attack.out" || fail "not refused as forbidden ($*): $(head -c 300 "$WORK/attack.out")"
}
refused patch secret dragops-conn-github --type merge -p '{"metadata":{"annotations":{"dragops.io/token-field":"oauth_client_secret"}}}'
refused patch secret dragops-conn-github --type merge -p '{"metadata":{"annotations":{"dragops.io/auth-type":"fields"}}}'
# An older copy of the store (its tokens were consumed long ago), at the current resourceVersion.
jq --arg rv "$(kubectl get secret dragops-conn-github -n team-a -o jsonpath='{.metadata.resourceVersion}')" \
  '.metadata.resourceVersion = $rv | del(.metadata.managedFields)' "$WORK/store-authorized.json" >"$WORK/store-old.json"
refused replace -f "$WORK/store-old.json"
refused delete secret dragops-conn-github
printf 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: dragops-refresh-github}\nspec: {holderIdentity: app, leaseDurationSeconds: 1000000}\n' >"$WORK/lease-app.yaml"
refused create -f "$WORK/lease-app.yaml"
echo "the pod's ServiceAccount: get/list/watch its store; update, patch, delete, replace with an older copy and every Lease verb refused (403)"

# The same patches by an admin: the sidecar trusts only the sealed manifest. The operator's next
# refresh writes the store afresh (without the admin's annotations), so the patch goes in right
# after a refresh, and the sidecar is asked for 1.5 s while the patched object stands (the watch
# delivers a change in well under that); an attempt the refresher overwrote is repeated.
ask_late() { curl -s -o "$WORK/served" -w '%{http_code}' -H "Authorization: Bearer $(cat "$SC_DIR/token/token")" \
  "http://127.0.0.1:$SC_PORT/v1/connections/github$1"; }
store_annotation() { kubectl get secret dragops-conn-github -n team-a -o jsonpath="{.metadata.annotations.dragops\\.io/$1}"; }
store_rv() { kubectl get secret dragops-conn-github -n team-a -o jsonpath='{.metadata.resourceVersion}'; }
admin_patch_attempt() {
  local before rv until code
  before=$(store_annotation expires-at)
  refreshed_since() { [ "$(store_annotation expires-at)" != "$before" ]; }
  wait_until $((TTL + 2)) refreshed_since || fail "no refresh to patch after"
  kubectl -n team-a annotate --overwrite secret dragops-conn-github dragops.io/token-field=oauth_client_secret \
    dragops.io/auth-type=fields >/dev/null || fail "the admin's patch failed"
  rv=$(store_rv)
  until=$(($(now_ms) + 1500))
  while [ "$(now_ms)" -lt "$until" ]; do
    code=$(ask_late /token)
    [ "$code" = 200 ] || fail "/token answered $code after the admin's patch"
    token=$(cat "$WORK/served")
    [ "$token" != "$CLIENT_SECRET" ] || fail "the sidecar served the client secret after an admin patched token-field"
    code=$(ask_late "")
    [ "$code" = 200 ] || fail "the JSON form answered $code after the admin's patch"
    fields=$(jq -r '.fields | keys | join(",")' "$WORK/served")
    jq -e '.authType == "oauth2"' "$WORK/served" >/dev/null || fail "the answer's authType follows the annotation"
    if grep -qF "$CLIENT_SECRET" "$WORK/served" || grep -Eq 'refresh_token|oauth_' <<<"$fields"; then
      fail "the JSON form serves more than the manifest allows: $fields"
    fi
  done
  [ "$(store_rv)" = "$rv" ]   # the patched object stood for the whole window
}
patched=0
for attempt in 1 2 3; do
  if admin_patch_attempt; then patched=1; break; fi
done
[ "$patched" = 1 ] || fail "the refresher overwrote the admin's patch three times within 1.5 s"
answer=$(curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" --data-urlencode "token=$token" "$ISSUER/token/introspection") ||
  fail "introspection failed"
grep -q '"active":true' <<<"$answer" || fail "after the admin's patch /token is not an active access token"
SERVED+=("$token")
echo "an admin's patch (token-field: oauth_client_secret, auth-type: fields), asked for 1.5 s: /token serves the access token; fields $fields"

# A Lease squatted by someone who may write it is trusted for at most the bound.
squat() { # RENEW_TIME: hold the refresh Lease for 1000000 s from RENEW_TIME
  printf 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: dragops-refresh-github, namespace: team-a}\nspec: {holderIdentity: squatter, leaseDurationSeconds: 1000000, renewTime: "%s"}\n' "$1" >"$WORK/lease-squat.yaml"
  plant() { kubectl -n team-a delete lease dragops-refresh-github --ignore-not-found && kubectl create -f "$WORK/lease-squat.yaml"; }
  # The operator may take the Lease between the delete and the create: plant again.
  wait_until 5 plant || fail "cannot plant the Lease"
}
for renew in now future; do
  before=$(store_annotation expires-at)
  when=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
  [ "$renew" = now ] || when=2999-01-01T00:00:00.000000Z
  squat "$when"
  planted_ms=$(now_ms)
  moved() { [ "$(store_annotation expires-at)" != "$before" ]; }
  # The next refresh is due within a lifetime; the squatter delays it by at most LEASE_S (plus
  # the operator's Lease poll and back-off, about a second). Without the bound: never.
  wait_until $((TTL + LEASE_S + 3)) moved || fail "a Lease squatted with renewTime $when stalled the operator's refresh"
  echo "Lease squatted (leaseDurationSeconds 1000000, renewTime $renew): the operator refreshed" \
    "$(($(now_ms) - planted_ms)) ms after it was planted (lifetime $((TTL * 1000)) ms, bound $((LEASE_S * 1000)) ms)"
done
stats=$(curl -sf "$ISSUER/__control/stats")
[ "$(stat "$stats" reuse_detected)" = 0 ] || fail "refresh token reuse during the attacks"
[ "$(stat "$stats" refresh_error)" = 0 ] || fail "a refresh was refused during the attacks"
wait_until 10 all_fresh_one "$SC_PORT" "$SC_DIR/token/token" || fail "the pod does not serve an active token after the attacks"
echo "the attacks took $(($(now_ms) - attacks_started_ms)) ms"

for log in "$WORK"/sidecar-*/sidecar.log "$WORK/op1.log"; do
  for token in "${SERVED[@]}" "${BOOT_SERVED[@]}"; do
    if grep -qF -e "$token" -e "$CLIENT_SECRET" "$log"; then fail "a secret value appears in $log"; fi
  done
done
no_rbac_denials
echo "PASS oauth_refresh"
