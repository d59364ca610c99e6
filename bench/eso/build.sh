#!/usr/bin/env bash
# Builds External Secrets Operator (github.com/external-secrets/external-secrets at the version
# go.mod pins) from the Go module proxy, once per version, into a cache outside any build tree,
# with its CRDs beside it, and prints the directory:
#
#   dir="$(bench/eso/build.sh)"   # -> ~/.cache/dragops/eso-v0.16.2-<hash>: bin/eso, crds/*.yaml
#
# Only for the side-by-side benchmark (bench/bench_eso.sh). CGO_ENABLED=0, -trimpath. Progress
# goes to stderr; only the path to stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "eso build: no 'go' on PATH (Go 1.26 or newer)" >&2; exit 1; }
export CGO_ENABLED=0 GOFLAGS=-mod=mod
module=github.com/external-secrets/external-secrets
version="$(cd "$here" && go list -m -f '{{.Version}}' "$module")"
hash="$(cat "$here"/go.mod "$here"/go.sum "$here"/build.sh | sha256sum | cut -c1-12)"
cache_root="${DRAGOPS_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dragops}"
dir="$cache_root/eso-$version-$hash"
if [ -x "$dir/bin/eso" ] && [ -s "$dir/crds/external-secrets.io_externalsecrets.yaml" ]; then echo "$dir"; exit 0; fi
mkdir -p "$cache_root"
exec 9>"$cache_root/.eso-build.lock"
flock 9
if [ -x "$dir/bin/eso" ] && [ -s "$dir/crds/external-secrets.io_externalsecrets.yaml" ]; then echo "$dir"; exit 0; fi
start=$(date +%s)
tmp="$(mktemp -d "$cache_root/.eso-build.XXXXXX")"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/crds"
echo "eso build: External Secrets Operator $version into $dir" >&2
(cd "$here" && go build -trimpath -ldflags "-s -w" -o "$tmp/bin/eso" "$module") >&2
src="$(cd "$here" && go list -m -f '{{.Dir}}' "$module")"
cp "$src"/config/crds/bases/*external-secrets.io_*.yaml "$tmp/crds/"
chmod u+w "$tmp"/crds/*.yaml
rm -rf "$dir"; mv "$tmp" "$dir"; trap - EXIT
echo "eso build: built in $(( $(date +%s) - start )) s" >&2
echo "$dir"
