#!/usr/bin/env bash
# Each user mistake (missing required field, malformed URL, malformed email, unknown pack,
# missing referenced Secret) gives Ready=False with a reason and a message naming the problem,
# a Warning Event, no crash, no hot loop, and the last good sealed value kept; fixing it makes
# the Connection Ready again.
source "$(dirname "$0")/lib/operator_lib.sh"
start_apiserver
operator_least_privilege
ensure_namespace team-a
start_operator op-a --leader-elect=false

TOKEN=$(canary token)
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: jira-credentials, namespace: team-a}
stringData: {email: bot@example.com, api_token: "$TOKEN", instance_url: "https://example.atlassian.net"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: jira, namespace: team-a}
spec: {pack: jira, credentialsRef: {name: jira-credentials}}
YAML
kubectl wait --for=condition=Ready conn/jira -n team-a --timeout=5s >/dev/null || fail "jira not Ready"
printf 'email=bot@example.com\napi_token=%s\ninstance_url=https://example.atlassian.net\n' "$TOKEN" >"$WORK/good.expect"
good_rv=$(resource_version secret/dragops-conn-jira team-a)

b64() { printf '%s' "$1" | base64 -w0; }

# check_case NAME REASON MESSAGE_FRAGMENT BREAK_CMD FIX_CMD
check_case() {
  local name=$1 reason=$2 fragment=$3 break_cmd=$4 fix_cmd=$5
  eval "$break_cmd" >/dev/null
  kubectl wait --for=condition=Ready=false conn/jira -n team-a --timeout=5s >/dev/null || fail "$name: not Ready=False"
  local got_reason got_message
  got_reason=$(condition conn/jira team-a Ready reason)
  got_message=$(condition conn/jira team-a Ready message)
  [ "$got_reason" = "$reason" ] || fail "$name: reason $got_reason, want $reason"
  case "$got_message" in *"$fragment"*) ;; *) fail "$name: message '$got_message' does not name '$fragment'" ;; esac
  wait_until 5 bash -c "kubectl get events -n team-a -o json | grep -q '\"reason\": \"$reason\"'" || fail "$name: no $reason Event"

  # No hot loop: the reconcile count settles.
  sleep 0.5
  local before after
  before=$(metric op-a 'dragops_reconcile_total{kind="Connection"')
  sleep 2
  after=$(metric op-a 'dragops_reconcile_total{kind="Connection"')
  [ $((after - before)) -le 1 ] || fail "$name: $((after - before)) reconciles in 2 s while nothing changed (hot loop)"

  # The last good values are kept.
  [ "$(resource_version secret/dragops-conn-jira team-a)" = "$good_rv" ] || fail "$name: the store was rewritten"
  "$PROBE" open-connection team-a jira "$WORK/good.expect" >/dev/null || fail "$name: the last good values are gone"
  [ "$(condition conn/jira team-a Sealed status)" = True ] || fail "$name: Sealed is not True while the last good store is kept"

  eval "$fix_cmd" >/dev/null
  kubectl wait --for=condition=Ready conn/jira -n team-a --timeout=5s >/dev/null || fail "$name: not Ready after the fix"
  if [ "${SPEC_CHANGED:-}" = "" ]; then
    [ "$(resource_version secret/dragops-conn-jira team-a)" = "$good_rv" ] || fail "$name: store rewritten though the values are the same"
  else   # the spec changed: the store records the new generation, values unchanged
    "$PROBE" open-connection team-a jira "$WORK/good.expect" >/dev/null || fail "$name: values changed"
    good_rv=$(resource_version secret/dragops-conn-jira team-a)
  fi
  echo "ok $name: Ready=False $got_reason ($got_message), Event, no hot loop, last good kept, fixed"
}

check_case "missing field" InvalidCredentials 'field "api_token" is missing' \
  "kubectl patch secret jira-credentials -n team-a --type json -p '[{\"op\":\"remove\",\"path\":\"/data/api_token\"}]'" \
  "kubectl patch secret jira-credentials -n team-a --type merge -p '{\"data\":{\"api_token\":\"$(b64 "$TOKEN")\"}}'"
check_case "malformed url" InvalidCredentials 'field "instance_url" is not a valid' \
  "kubectl patch secret jira-credentials -n team-a --type merge -p '{\"data\":{\"instance_url\":\"$(b64 'example.atlassian.net')\"}}'" \
  "kubectl patch secret jira-credentials -n team-a --type merge -p '{\"data\":{\"instance_url\":\"$(b64 'https://example.atlassian.net')\"}}'"
check_case "malformed email" InvalidCredentials 'field "email" is not a valid email address' \
  "kubectl patch secret jira-credentials -n team-a --type merge -p '{\"data\":{\"email\":\"$(b64 'bot-at-example.com')\"}}'" \
  "kubectl patch secret jira-credentials -n team-a --type merge -p '{\"data\":{\"email\":\"$(b64 'bot@example.com')\"}}'"
SPEC_CHANGED=1 check_case "unknown pack" PackNotFound 'IntegrationPack "jria" not found' \
  "kubectl patch conn jira -n team-a --type merge -p '{\"spec\":{\"pack\":\"jria\"}}'" \
  "kubectl patch conn jira -n team-a --type merge -p '{\"spec\":{\"pack\":\"jira\"}}'"

# A missing Secret: the generation moves (spec changed), so the fixed pass records it in the store.
kubectl patch conn jira -n team-a --type merge -p '{"spec":{"credentialsRef":{"name":"jira-creds"}}}' >/dev/null
kubectl wait --for=condition=Ready=false conn/jira -n team-a --timeout=5s >/dev/null || fail "missing secret: not Ready=False"
[ "$(condition conn/jira team-a Ready reason)" = CredentialsNotFound ] || fail "missing secret: reason"
case "$(condition conn/jira team-a Ready message)" in *'Secret "jira-creds" not found'*) ;; *) fail "missing secret: message" ;; esac
"$PROBE" open-connection team-a jira "$WORK/good.expect" >/dev/null || fail "missing secret: last good values gone"
wait_until 5 bash -c "kubectl get events -n team-a -o json | grep -q '\"reason\": \"CredentialsNotFound\"'" || fail "missing secret: no Event"
# Fix by creating the Secret it names: the core-Secret index re-enqueues the Connection.
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: jira-creds, namespace: team-a}
stringData: {email: bot@example.com, api_token: "$TOKEN", instance_url: "https://example.atlassian.net"}
YAML
kubectl wait --for=condition=Ready conn/jira -n team-a --timeout=5s >/dev/null || fail "missing secret: not Ready after creating it"
echo "ok missing secret: Ready=False CredentialsNotFound, Event, last good kept, fixed by creating it"

kill -0 "$(cat "$WORK/op-a.pid")" || fail "the operator died"
grep -qF "$TOKEN" "$WORK/op-a.log" && fail "the token leaked into the log"
events=$(kubectl get events -A -o json)
grep -qF "$TOKEN" <<<"$events" && fail "the token leaked into an Event"
no_rbac_denials
echo "PASS operator_bad_cases"
