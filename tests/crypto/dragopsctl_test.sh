#!/usr/bin/env bash
# dragopsctl end to end: every command, its exit code, and that neither key bytes nor the
# plaintext canary reach the terminal where they should not.
set -uo pipefail
ctl=${1:?usage: dragopsctl_test.sh PATH_TO_DRAGOPSCTL}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
canary="canary-plaintext-$RANDOM$RANDOM"

check() {  # check NAME EXPECTED_EXIT ACTUAL_EXIT
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: exit $3, want $2"; sed 's/^/     stderr: /' "$work/err"; failures=$((failures + 1)); fi
}
contains() {  # contains NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then echo "ok   $1"; else echo "FAIL $1: '$3' not in $(basename "$2")"; sed 's/^/     /' "$2"; failures=$((failures + 1)); fi
}
lacks() {  # lacks NAME FILE TEXT
  if grep -qF -- "$3" "$2"; then echo "FAIL $1: '$3' leaked into $(basename "$2")"; failures=$((failures + 1)); else echo "ok   $1"; fi
}
ctx=(--namespace team-a --kind Secret --name db-password --uid 7d1c2b3a --item production)

# usage errors: exit 1
"$ctl" >"$work/out" 2>"$work/err"; check "no arguments is a usage error" 1 $?
"$ctl" frobnicate >"$work/out" 2>"$work/err"; check "unknown command is a usage error" 1 $?
"$ctl" --help >"$work/out" 2>"$work/err"; check "--help succeeds" 0 $?
contains "--help lists the exit codes" "$work/out" "exit codes"

# generate
ring="$work/ring.json"
"$ctl" keyring generate -o "$ring" >"$work/out" 2>"$work/err"; check "generate -o writes a ring" 0 $?
[ "$(stat -c %a "$ring")" = 600 ] && echo "ok   ring file is mode 0600" || { echo "FAIL ring file mode $(stat -c %a "$ring")"; failures=$((failures + 1)); }
key1=$(grep -o '"key": "[^"]*"' "$ring" | head -1 | cut -d'"' -f4)
[ ${#key1} = 44 ] && echo "ok   ring holds a 32-byte base64 key" || { echo "FAIL key length ${#key1}"; failures=$((failures + 1)); }
"$ctl" keyring generate -o "$ring" >"$work/out" 2>"$work/err"; check "generate refuses to overwrite" 2 $?
contains "overwrite refusal says so" "$work/err" "already exists"
"$ctl" keyring generate >"$work/out" 2>"$work/err"; check "generate to stdout" 0 $?
contains "stdout ring has a primary" "$work/out" '"primary": 1'

# show never prints key bytes
"$ctl" keyring show "$ring" >"$work/out" 2>"$work/err"; check "show succeeds" 0 $?
contains "show names the primary" "$work/out" "primary: 1"
lacks "show prints no key bytes" "$work/out" "$key1"

# seal / open round trip
printf '%s' "$canary" | "$ctl" seal --keyring "$ring" "${ctx[@]}" >"$work/v1.b64" 2>"$work/err"; check "seal succeeds" 0 $?
lacks "envelope does not contain the plaintext" "$work/v1.b64" "$canary"
"$ctl" open --keyring "$ring" "${ctx[@]}" <"$work/v1.b64" >"$work/out" 2>"$work/err"; check "open succeeds" 0 $?
[ "$(cat "$work/out")" = "$canary" ] && echo "ok   open returns the exact plaintext" || { echo "FAIL open returned other bytes"; failures=$((failures + 1)); }
"$ctl" open --keyring "$ring" --namespace team-b --kind Secret --name db-password --uid 7d1c2b3a --item production \
  <"$work/v1.b64" >"$work/out" 2>"$work/err"; check "open under another namespace fails authentication" 3 $?
contains "authentication failure is named" "$work/err" "authentication failed"
lacks "failed open prints no plaintext" "$work/out" "$canary"
lacks "failed open's message has no plaintext" "$work/err" "$canary"

# bad input: exit 2
printf 'not base64!' | "$ctl" open --keyring "$ring" "${ctx[@]}" >"$work/out" 2>"$work/err"; check "non-base64 envelope is bad input" 2 $?
printf 'AQAA' | "$ctl" open --keyring "$ring" "${ctx[@]}" >"$work/out" 2>"$work/err"; check "short envelope is bad input" 2 $?
contains "short envelope is called malformed" "$work/err" "malformed"
printf '%s' "$(head -c 80 /dev/zero | base64 -w0)" | "$ctl" open --keyring "$ring" "${ctx[@]}" >"$work/out" 2>"$work/err"
check "format version 0 is bad input" 2 $?
contains "unknown format is named" "$work/err" "unsupported envelope format version"
"$ctl" keyring show "$work/missing.json" >"$work/out" 2>"$work/err"; check "missing ring file is bad input" 2 $?
printf '{"primary": 1, "keys": [{"version": 1, "key": "%s"}, {"version": 1, "key": "%s"}]}' "$key1" "$key1" >"$work/dup.json"
"$ctl" keyring show "$work/dup.json" >"$work/out" 2>"$work/err"; check "duplicate-version ring is bad input" 2 $?
contains "duplicate version is named" "$work/err" "key version 1 appears twice"
lacks "load error prints no key bytes" "$work/err" "$key1"
"$ctl" seal --keyring "$ring" --namespace a </dev/null >"$work/out" 2>"$work/err"; check "seal with missing options is a usage error" 1 $?
contains "missing option is named" "$work/err" "missing --"

# rotation: v1 still opens, new seals use v2, retired v1 fails with unknown key version
"$ctl" keyring rotate "$ring" >"$work/out" 2>"$work/err"; check "rotate succeeds" 0 $?
contains "rotate makes version 2 primary" "$work/out" "primary: 2"
[ "$(stat -c %a "$ring")" = 600 ] && echo "ok   rotated ring stays 0600" || { echo "FAIL rotated mode"; failures=$((failures + 1)); }
"$ctl" open --keyring "$ring" "${ctx[@]}" <"$work/v1.b64" >"$work/out" 2>"$work/err"; check "v1 envelope opens after rotation" 0 $?
printf '%s' "$canary" | "$ctl" seal --keyring "$ring" "${ctx[@]}" >"$work/v2.b64" 2>"$work/err"
[ "$(base64 -d <"$work/v2.b64" | head -c 5 | xxd -p)" = "0100000002" ] && echo "ok   new seals name key version 2" || { echo "FAIL new seal header"; failures=$((failures + 1)); }
"$ctl" keyring retire "$ring" 2 >"$work/out" 2>"$work/err"; check "retiring the primary is refused" 2 $?
"$ctl" keyring retire "$ring" 9 >"$work/out" 2>"$work/err"; check "retiring an absent version is refused" 2 $?
"$ctl" keyring retire "$ring" one >"$work/out" 2>"$work/err"; check "retire with a non-number is a usage error" 1 $?
"$ctl" keyring retire "$ring" 1 >"$work/out" 2>"$work/err"; check "retire v1 succeeds" 0 $?
contains "retire leaves only version 2" "$work/out" "versions: 2"
"$ctl" open --keyring "$ring" "${ctx[@]}" <"$work/v1.b64" >"$work/out" 2>"$work/err"; check "v1 envelope fails after retirement" 3 $?
contains "retired version is an unknown key version" "$work/err" "unknown key version 1"
"$ctl" open --keyring "$ring" "${ctx[@]}" <"$work/v2.b64" >"$work/out" 2>"$work/err"; check "v2 envelope still opens" 0 $?
lacks "no key bytes in any stderr" "$work/err" "$key1"

if [ $failures -ne 0 ]; then echo "dragopsctl_test: $failures failure(s)"; exit 1; fi
echo "dragopsctl_test: all passed"
