#!/usr/bin/env bash
# Installs the npm package oidc-provider (the real OAuth 2.0 server the OAuth tests run against)
# into <repo>/.cache/oauth-provider/, once. Idempotent and safe to run from several tests at
# once (flock). Uses only the npm registry. Prints the install directory on stdout; server.mjs
# resolves the package from there (DRAGOPS_OAUTH_PROVIDER_DIR).
set -euo pipefail

readonly kOidcProviderVersion="9.13.3"

repo_root=$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
install_dir="${DRAGOPS_OAUTH_PROVIDER_DIR:-$repo_root/.cache/oauth-provider}"
mkdir -p "$install_dir"

exec 9>"$install_dir/.lock"
flock 9

is_usable() {
  [ -f "$install_dir/node_modules/oidc-provider/package.json" ] &&
    node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
      "$install_dir/node_modules/oidc-provider/package.json" "$kOidcProviderVersion"
}

if ! is_usable; then
  echo "oauth-provider setup: installing oidc-provider@$kOidcProviderVersion into $install_dir" >&2
  [ -f "$install_dir/package.json" ] ||
    printf '{"name":"dragops-oauth-provider","private":true,"type":"module"}\n' >"$install_dir/package.json"
  (cd "$install_dir" && npm install --silent --no-audit --no-fund --save-exact \
      "oidc-provider@$kOidcProviderVersion" >/dev/null)
  is_usable || { echo "oauth-provider setup: oidc-provider@$kOidcProviderVersion did not install" >&2; exit 1; }
fi

echo "$install_dir"
