#!/usr/bin/env bash
# Installs the independent HPKE implementation the interop test runs against, @hpke/core at the
# version pinned by package.json and package-lock.json beside this script, into
# <repo>/.cache/hpke-interop/, once (npm ci; only the npm registry). Idempotent and safe to run
# from several tests at once (flock). Prints the install directory on stdout. Any failure exits
# non-zero: the test then fails, it does not skip.
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../../.." && pwd)
install_dir="${DRAGOPS_HPKE_INTEROP_DIR:-$repo_root/.cache/hpke-interop}"
mkdir -p "$install_dir"

exec 9>"$install_dir/.lock"
flock 9

command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "hpke-interop setup: node and npm are needed (make deps installs them)" >&2; exit 1; }

pinned=$(node -e 'console.log(require(process.argv[1]).dependencies["@hpke/core"])' "$here/package.json")

is_usable() {
  cmp -s "$here/package-lock.json" "$install_dir/package-lock.json" &&
    [ -f "$install_dir/node_modules/@hpke/core/package.json" ] &&
    node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
      "$install_dir/node_modules/@hpke/core/package.json" "$pinned"
}

if ! is_usable; then
  echo "hpke-interop setup: installing @hpke/core@$pinned into $install_dir" >&2
  cp "$here/package.json" "$here/package-lock.json" "$install_dir/"
  (cd "$install_dir" && npm ci --silent --no-audit --no-fund >/dev/null)
  is_usable || { echo "hpke-interop setup: @hpke/core@$pinned did not install" >&2; exit 1; }
fi

echo "$install_dir"
