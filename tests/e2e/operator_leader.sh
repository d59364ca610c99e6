#!/usr/bin/env bash
# Two operator processes: exactly one reconciles; SIGKILL of the leader hands over within the
# lease duration and nothing is lost. A graceful stop releases the lease at once. A restarted
# operator writes nothing to stores that did not need to change (resourceVersions compared).
source "$(dirname "$0")/lib/operator_lib.sh"
start_apiserver
operator_least_privilege
ensure_namespace team-a

create_connection() { # NAME VALUE
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Secret
metadata: {name: $1-credentials, namespace: team-a}
stringData: {api_key: "$2"}
---
apiVersion: dragops.io/v1alpha1
kind: Connection
metadata: {name: $1, namespace: team-a}
spec: {pack: generic-api-key, credentialsRef: {name: $1-credentials}}
YAML
}

start_operator op-a
A=$OP_PID
start_operator op-b
B=$OP_PID
for i in 1 2 3 4 5; do create_connection "c$i" "$(canary c$i)"; done
wait_until 10 bash -c "grep -q 'leader election: leading' '$WORK/op-a.log' '$WORK/op-b.log'" || fail "nobody leads"
kubectl wait --for=condition=Ready conn --all -n team-a --timeout=10s >/dev/null || fail "not all Ready"

leaders=$(grep -l 'leader election: leading' "$WORK/op-a.log" "$WORK/op-b.log" | wc -l)
[ "$leaders" = 1 ] || fail "$leaders operators lead"
if grep -q 'leader election: leading' "$WORK/op-a.log"; then L=op-a LP=$A F=op-b FP=$B; else L=op-b LP=$B F=op-a FP=$A; fi
[ "$(metric $F dragops_reconcile_total)" = 0 ] || fail "the follower $F reconciled"
[ "$(metric $L dragops_reconcile_total)" -gt 0 ] || fail "the leader $L did not reconcile"
echo "ok exactly one reconciles: $L leads, $F has 0 reconciles"

# SIGKILL the leader; the follower takes over within the lease duration (3 s) plus a retry.
killed_at=$(now_ms)
kill -KILL "$LP"; wait "$LP" 2>/dev/null || true
create_connection c6 "$(canary c6)"           # created while nobody leads: must not be lost
kubectl patch secret c1-credentials -n team-a --type merge -p "{\"data\":{\"api_key\":\"$(printf 'changed-during-handover' | base64 -w0)\"}}" >/dev/null
wait_until 10 grep -q 'leader election: leading' "$WORK/$F.log" || fail "no handover"
took=$(($(now_ms) - killed_at))
echo "handover after SIGKILL: $took ms (lease duration 3000 ms, retry period 500 ms)"
# client-go semantics: the successor waits lease duration from when it last saw a renewal,
# plus up to a jittered retry period; 2 s of slack for a loaded machine.
[ "$took" -le 5000 ] || fail "handover took $took ms, more than the lease duration plus a retry and slack"
kubectl wait --for=condition=Ready conn/c6 -n team-a --timeout=5s >/dev/null || fail "c6 was lost in the handover"
printf 'api_key=changed-during-handover\n' >"$WORK/c1.expect"
wait_until 5 "$PROBE" open-connection team-a c1 "$WORK/c1.expect" || fail "the change made during the handover was lost"
echo "ok nothing lost: a Connection created and a Secret changed during the handover are sealed"

# Restart: record every store's resourceVersion, stop the leader gracefully (lease released),
# start a new process; it reconciles everything and writes nothing.
kubectl get secrets -n team-a -l app.kubernetes.io/managed-by=dragops-operator \
  -o 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}' | sort >"$WORK/rv.before"
kubectl get conn -n team-a -o 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}' | sort >"$WORK/crs.before"
stopped_at=$(now_ms)
kill -TERM "$FP"
wait "$FP" || fail "the leader did not exit cleanly on SIGTERM"
grep -q 'leader election: lease released' "$WORK/$F.log" || fail "the lease was not released on SIGTERM"
start_operator op-c
wait_until 10 grep -q 'leader election: leading' "$WORK/op-c.log" || fail "op-c does not lead"
echo "takeover after a graceful stop: $(($(now_ms) - stopped_at)) ms"
wait_until 10 bash -c "[ \$(curl -sf http://127.0.0.1:$(cat "$WORK/op-c.port")/metrics | awk '/^dragops_reconcile_total\\{kind=\"Connection\"/ {s+=\$NF} END {print s+0}') -ge 6 ]" ||
  fail "op-c did not reconcile every Connection"
sleep 1
kubectl get secrets -n team-a -l app.kubernetes.io/managed-by=dragops-operator \
  -o 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}' | sort >"$WORK/rv.after"
kubectl get conn -n team-a -o 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}' | sort >"$WORK/crs.after"
diff "$WORK/rv.before" "$WORK/rv.after" >&2 || fail "the restarted operator rewrote stores that had not changed"
diff "$WORK/crs.before" "$WORK/crs.after" >&2 || fail "the restarted operator rewrote Connections (status) that had not changed"
[ "$(metric op-c dragops_store_writes_total)" = 0 ] || fail "the restarted operator counted store writes"
wait_until 5 bash -c "curl -sf http://127.0.0.1:$(cat "$WORK/op-c.port")/metrics | grep -qx 'dragops_sealed_objects 6'" ||
  fail "the restarted operator does not count the 6 existing stores"
echo "ok restart: $(wc -l <"$WORK/rv.before") store objects and $(wc -l <"$WORK/crs.before") Connections unchanged (resourceVersions equal)"
no_rbac_denials
echo "PASS operator_leader"
