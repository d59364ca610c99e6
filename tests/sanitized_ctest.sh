#!/usr/bin/env bash
# Runs the whole CTest suite of a sanitizer build (make asan / make tsan) so that a report from ANY
# process fails the run, not only from the test binaries: the daemons the e2e scripts start
# (apiserver, operator, sidecar) are stopped with SIGTERM and their exit codes are not checked,
# so a leak or a race found in one of them would otherwise be lost. Every sanitizer writes its
# reports under BUILD/sanitizer/ (log_path); after ctest, any report there fails the run and is
# printed.
#
#   tests/sanitized_ctest.sh BUILD_DIR address|thread [ctest args...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd); kind=$2; shift 2
reports=$build/sanitizer
rm -rf "$reports"; mkdir -p "$reports"
case "$kind" in
  address)
    export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan"
    export UBSAN_OPTIONS="print_stacktrace=1:log_path=$reports/ubsan" ;;
  thread)
    export TSAN_OPTIONS="halt_on_error=1:log_path=$reports/tsan:suppressions=$here/tsan.supp" ;;
  *) echo "sanitized_ctest: unknown sanitizer '$kind'"; exit 2 ;;
esac
cd "$build" && ctest --output-on-failure "$@"
rc=$?
found=$(find "$reports" -type f -size +0 | sort)
if [ -n "$found" ]; then
  echo "sanitized_ctest: $(wc -l <<<"$found") sanitizer report(s) from the processes under test:"
  for f in $found; do echo "=== $f"; head -60 "$f"; done
  rc=1
else
  echo "sanitized_ctest: no sanitizer report from any process ($kind)"
fi
exit $rc
