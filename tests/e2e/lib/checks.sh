# Counted checks for the e2e scripts that report each check as "ok"/"FAIL" and finish with the
# tally (sourced; the script prints $passed/$failed and exits non-zero when $failed > 0).
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; shift; printf '     %s\n' "$@"; }
# expect DESCRIPTION SUBSTRING COMMAND...: the command succeeds and its output contains SUBSTRING.
expect() {
  local what=$1 want=$2; shift 2
  local out
  if out=$("$@" 2>&1) && [[ "$out" == *"$want"* ]]; then ok "$what"; else bad "$what" "wanted: $want" "got: $out"; fi
}
# refuse DESCRIPTION SUBSTRING COMMAND...: the command fails and its output contains SUBSTRING.
refuse() {
  local what=$1 want=$2; shift 2
  local out
  if ! out=$("$@" 2>&1) && [[ "$out" == *"$want"* ]]; then ok "$what"; else bad "$what" "wanted failure with: $want" "got: $out"; fi
}
# refuse_within SECONDS DESCRIPTION SUBSTRING COMMAND...: like refuse, but the command may succeed
# for up to SECONDS first (kube-apiserver caches a token's authentication for 10 s).
refuse_within() {
  local seconds=$1 what=$2 want=$3; shift 3
  local out deadline=$((SECONDS + seconds))
  while :; do
    if ! out=$("$@" 2>&1) && [[ "$out" == *"$want"* ]]; then ok "$what"; return; fi
    [ $SECONDS -lt $deadline ] || { bad "$what" "wanted failure with: $want within ${seconds}s" "got: $out"; return; }
    sleep 0.2
  done
}
