#!/usr/bin/env bash
# Builds the dashboard's UI into OUT_DIR (index.html, app.js, app.css): installs the packages
# pinned by package.json and package-lock.json beside this script into <repo>/.cache/dashboard-ui
# once (npm ci; only the npm registry), then bundles src/ with esbuild. Idempotent and safe to run
# from several builds at once (flock). Nothing is loaded from outside at run time: the bundle holds
# Preact and @hpke/core. Any failure exits non-zero.
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
install_dir="${DRAGOPS_DASHBOARD_UI_DIR:-$repo_root/.cache/dashboard-ui}"
mkdir -p "$install_dir" "$out"

exec 9>"$install_dir/.lock"
flock 9
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "dashboard ui: node and npm are needed (make deps installs them)" >&2; exit 1; }
if ! cmp -s "$here/package-lock.json" "$install_dir/package-lock.json" || [ ! -d "$install_dir/node_modules/preact" ]; then
  echo "dashboard ui: npm ci into $install_dir" >&2
  cp "$here/package.json" "$here/package-lock.json" "$install_dir/"
  (cd "$install_dir" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
DRAGOPS_DASHBOARD_UI_DIR=$install_dir node "$here/build.mjs" "$out"
