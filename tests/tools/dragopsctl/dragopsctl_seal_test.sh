#!/usr/bin/env bash
# dragopsctl seal / sealing-key / kubectl (the plugin) from the command line, without a cluster:
# every usage and input error and its exit code, and that the plaintext canary never reaches
# stdout, stderr or a file written. (Opening what it seals: sealed_input_spec_independent and
# the e2e operator_sealed_input.)
set -uo pipefail
ctl=${1:?usage: dragopsctl_seal_test.sh PATH_TO_DRAGOPSCTL}
plugin=$(dirname "$ctl")/kubectl-dragops
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
canary="CANARY-seal-cli-$RANDOM$RANDOM"

check() {  # check NAME EXPECTED_EXIT ACTUAL_EXIT
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: exit $3, want $2"; sed 's/^/     stderr: /' "$work/err"; failures=$((failures + 1)); fi
}
contains() {  # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then echo "ok   $1"; else echo "FAIL $1: '$3' not in $(basename "$2")"; sed 's/^/     /' "$2"; failures=$((failures + 1)); fi
}
no_canary() {  # no_canary NAME: neither stdout nor stderr of the last command holds the canary
  if grep -qF -- "$canary" "$work/out" "$work/err"; then echo "FAIL $1: the plaintext leaked"; failures=$((failures + 1)); else echo "ok   $1"; fi
}

# A P-256 public key as the ConfigMap publishes it (base64 of the 65-byte point).
openssl ecparam -name prime256v1 -genkey -noout -out "$work/key.pem" 2>/dev/null
openssl ec -in "$work/key.pem" -pubout -outform DER 2>/dev/null | tail -c 65 | base64 -w0 >"$work/public-key"
key=(--public-key "$work/public-key")
one=(--namespace team-a --kind Connection --name jira --item api_token)

printf '%s' "$canary" | "$ctl" seal "${key[@]}" "${one[@]}" >"$work/out" 2>"$work/err"; check "seal one value" 0 $?
no_canary "the sealed value does not hold the plaintext"
[ "$(wc -l <"$work/out")" = 1 ] && grep -qE '^[A-Za-z0-9+/]+={0,2}$' "$work/out" && echo "ok   one line of base64" ||
  { echo "FAIL not one line of base64"; failures=$((failures + 1)); }
printf '%s' "$canary" | "$ctl" seal "${key[@]}" "${one[@]}" -o "$work/sealed" >"$work/out" 2>"$work/err"; check "seal -o FILE" 0 $?
grep -qF "$canary" "$work/sealed" && { echo "FAIL the file holds the plaintext"; failures=$((failures + 1)); }

# usage: exit 1
printf x | "$ctl" seal "${one[@]}" >"$work/out" 2>"$work/err"; check "seal without a key source" 1 $?
contains "it says which key sources there are" "$work/err" "--public-key FILE or --from-cluster"
printf x | "$ctl" seal "${key[@]}" --from-cluster "${one[@]}" >"$work/out" 2>"$work/err"; check "both key sources" 1 $?
printf x | "$ctl" seal "${key[@]}" --kind Connection --name jira --item a >"$work/out" 2>"$work/err"; check "no namespace" 1 $?
printf x | "$ctl" seal "${key[@]}" --namespace a --kind Pod --name jira --item a >"$work/out" 2>"$work/err"; check "a kind that is not ours" 1 $?
"$ctl" seal "${key[@]}" -f - --item a </dev/null >"$work/out" 2>"$work/err"; check "-f with --item" 1 $?
"$ctl" seal "${key[@]}" --bogus x >"$work/out" 2>"$work/err"; check "an unknown option" 1 $?

# bad input: exit 2
printf x | "$ctl" seal --public-key "$work/nope" "${one[@]}" >"$work/out" 2>"$work/err"; check "a missing key file" 2 $?
printf 'AAAA' >"$work/bad-key"
printf x | "$ctl" seal --public-key "$work/bad-key" "${one[@]}" >"$work/out" 2>"$work/err"; check "a key file that is no key" 2 $?
contains "it says why" "$work/err" "not a P-256 public key"
printf 'apiVersion: dragops.io/v1alpha1\nkind: Connection\nmetadata: {name: jira}\nspec: {pack: jira, credentials: {api_token: "%s"}}\n' "$canary" >"$work/m.yaml"
"$ctl" seal "${key[@]}" -f "$work/m.yaml" >"$work/out" 2>"$work/err"; check "a manifest without a namespace" 2 $?
contains "it names the document" "$work/err" "document 1 (Connection jira): metadata.namespace is required"
no_canary "the refusal holds no plaintext"
"$ctl" seal "${key[@]}" -f "$work/m.yaml" --namespace team-a >"$work/out" 2>"$work/err"; check "--namespace supplies it" 0 $?
contains "the output names the namespace" "$work/out" "namespace: team-a"
contains "and holds the sealed field" "$work/out" "sealedCredentials:"
contains "stderr counts the values" "$work/err" "sealed 1 value to key"
no_canary "the sealed manifest holds no plaintext"
"$ctl" seal "${key[@]}" -f - --namespace team-a <"$work/m.yaml" >"$work/out" 2>"$work/err"; check "a manifest on stdin" 0 $?

# the examples' plaintext inputs seal (examples/sealed/*.plain.yaml)
examples=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../examples/sealed" && pwd)
for example in "$examples"/*.plain.yaml; do
  "$ctl" seal "${key[@]}" -f "$example" >"$work/out" 2>"$work/err"; check "examples/sealed/$(basename "$example") seals" 0 $?
  grep -q 'replace-with' "$work/out" && { echo "FAIL $(basename "$example"): a placeholder is left in plaintext"; failures=$((failures + 1)); }
done

# the cluster cannot be read: exit 4
printf x | KUBECONFIG="$work/none" HOME="$work" "$ctl" seal --from-cluster "${one[@]}" >"$work/out" 2>"$work/err"
check "--from-cluster without a kubeconfig" 4 $?
contains "it says kubeconfig" "$work/err" "kubeconfig"
KUBECONFIG="$work/none" HOME="$work" "$ctl" sealing-key >"$work/out" 2>"$work/err"; check "sealing-key without a kubeconfig" 4 $?
"$ctl" sealing-key "${key[@]}" >"$work/out" 2>"$work/err"; check "sealing-key from a file" 0 $?
contains "prints the key" "$work/out" "$(cat "$work/public-key")"

# the kubectl plugin
"$plugin" --help >"$work/out" 2>"$work/err"; check "kubectl-dragops --help" 0 $?
contains "it lists create connection" "$work/out" "create connection NAME --pack PACK"
"$plugin" frobnicate >"$work/out" 2>"$work/err"; check "an unknown plugin command" 1 $?
"$plugin" create connection vt --pack virustotal --from-literal=api_key="$canary" "${key[@]}" -n team-a --dry-run=client -o yaml \
  >"$work/out" 2>"$work/err"; check "create connection --dry-run=client" 0 $?
contains "a Connection" "$work/out" "kind: Connection"
contains "with sealedCredentials.api_key" "$work/out" "api_key: "
no_canary "create prints no plaintext"
printf '%s' "$canary" >"$work/value"
"$plugin" create secret db --from-file=production="$work/value" "${key[@]}" -n team-a --dry-run=client -o json \
  >"$work/out" 2>"$work/err"; check "create secret --from-file -o json" 0 $?
contains "a sealedValue" "$work/out" '"sealedValue":'
no_canary "create secret prints no plaintext"
"$plugin" create connection vt --pack virustotal --from-literal="$canary" "${key[@]}" -n team-a --dry-run=client \
  >"$work/out" 2>"$work/err"; check "a --from-literal without KEY=" 1 $?
no_canary "its refusal does not echo the argument"
"$plugin" create connection vt --from-literal=a=b "${key[@]}" -n team-a --dry-run=client >"$work/out" 2>"$work/err"
check "create connection without --pack" 1 $?
"$plugin" create connection vt --pack p --from-literal=a=b --from-literal=a=c "${key[@]}" -n t --dry-run=client >"$work/out" 2>"$work/err"
check "a key given twice" 1 $?

# kubectl dragops share / unshare (docs/sharing.md): exactly the Role and RoleBinding of `use`.
"$plugin" share connection github --serviceaccount wf -n team-a --dry-run=client -o json >"$work/out" 2>"$work/err"
check "share connection --dry-run=client -o json" 0 $?
rules=$(jq -c '.items[0].rules' "$work/out")
[ "$rules" = '[{"apiGroups":["dragops.io"],"resources":["connections"],"verbs":["use"],"resourceNames":["github"]}]' ] &&
  echo "ok   the Role grants use on connections.dragops.io/github only" || { echo "FAIL the Role's rules: $rules"; failures=$((failures + 1)); }
binding=$(jq -c '.items[1] | [.metadata.name, .metadata.namespace, .roleRef.name, .subjects]' "$work/out")
[ "$binding" = '["dragops-use-connection-github-wf","team-a","dragops-use-connection-github",[{"kind":"ServiceAccount","name":"wf","namespace":"team-a"}]]' ] &&
  echo "ok   the RoleBinding binds it to team-a's ServiceAccount wf" || { echo "FAIL the RoleBinding: $binding"; failures=$((failures + 1)); }
"$plugin" share secret db-password --serviceaccount team-a:wf --dry-run=client -o yaml >"$work/out" 2>"$work/err"
check "share secret with NAMESPACE:SA" 0 $?
contains "a secrets.dragops.io rule" "$work/out" "- secrets"
contains "in the ServiceAccount's namespace" "$work/out" "namespace: team-a"
"$plugin" share connection github --serviceaccount other:wf -n team-a --dry-run=client >"$work/out" 2>"$work/err"
check "a ServiceAccount of another namespace" 1 $?
contains "is refused with the reason" "$work/err" "a pod can use only the connections of its own namespace"
"$plugin" share connection github -n team-a --dry-run=client >"$work/out" 2>"$work/err"; check "share without --serviceaccount" 1 $?
"$plugin" share connection Git_Hub --serviceaccount wf -n team-a --dry-run=client >"$work/out" 2>"$work/err"; check "an invalid name" 1 $?
"$plugin" share pod x --serviceaccount wf -n team-a --dry-run=client >"$work/out" 2>"$work/err"; check "share of another kind" 1 $?

[ "$failures" -eq 0 ] || { echo "dragopsctl_seal_test: $failures failure(s)"; exit 1; }
echo "dragopsctl_seal_test: all checks passed"
