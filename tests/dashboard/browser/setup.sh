#!/usr/bin/env bash
# Installs the browser-test packages pinned by package.json and package-lock.json beside this
# script (playwright-core, @axe-core/playwright) into <repo>/.cache/dashboard-browser, once (npm
# ci; only the npm registry; no browser is downloaded: the tests drive Debian's chromium, which
# `make deps` installs). Idempotent, safe from several tests at once (flock). Prints the install
# directory. Any failure exits non-zero: the test then fails, it does not skip.
set -euo pipefail
here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../../.." && pwd)
install_dir="${DRAGOPS_DASHBOARD_BROWSER_DIR:-$repo_root/.cache/dashboard-browser}"
mkdir -p "$install_dir"
exec 9>"$install_dir/.lock"
flock 9
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "dashboard browser setup: node and npm are needed (make deps installs them)" >&2; exit 1; }
if ! cmp -s "$here/package-lock.json" "$install_dir/package-lock.json" ||
   [ ! -f "$install_dir/node_modules/playwright-core/package.json" ] ||
   [ ! -f "$install_dir/node_modules/@axe-core/playwright/package.json" ]; then
  echo "dashboard browser setup: npm ci into $install_dir" >&2
  cp "$here/package.json" "$here/package-lock.json" "$install_dir/"
  (cd "$install_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >/dev/null)
fi
echo "$install_dir"
