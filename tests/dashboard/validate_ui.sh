#!/usr/bin/env bash
# The dashboard form's checks (dashboard/ui/src/validate.ts, bundled with the UI's pinned esbuild)
# on tests/dashboard/validate_cases.json, the file test_dashboard's OperatorRules test runs
# through src/packs/validate.cpp: the form accepts exactly what the operator accepts.
set -euo pipefail
cases=${1:?usage: validate_ui.sh CASES}
here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# build.sh installs the UI's packages (npm ci) and bundles the app; its esbuild then bundles validate.ts.
bash "$repo/dashboard/ui/build.sh" "$work/dist" >/dev/null
install=${DRAGOPS_DASHBOARD_UI_DIR:-$repo/.cache/dashboard-ui}
"$install/node_modules/.bin/esbuild" "$repo/dashboard/ui/src/validate.ts" --bundle --format=esm --log-level=warning \
  --outfile="$work/validate.mjs"
cat >"$work/run.mjs" <<JS
import { readFileSync } from 'node:fs';
import { isValidEmail, isValidUrl } from '$work/validate.mjs';
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let failed = 0, passed = 0;
for (const [kind, check] of [['email', isValidEmail], ['url', isValidUrl]]) {
  for (const [value, expected] of cases[kind]) {
    if (check(value) === expected) passed++;
    else { failed++; console.log('FAIL: ' + kind + ' ' + JSON.stringify(value) + ' should be ' + (expected ? 'accepted' : 'refused')); }
  }
}
console.log(passed + ' passed, ' + failed + ' failed');
process.exit(failed ? 1 : 0);
JS
node "$work/run.mjs" "$cases"
