#!/usr/bin/env bash
# Builds the real control plane's binaries once per pinned version into a cache outside any build
# tree, and prints the directory that holds them:
#
#   bin="$(tests/kube/upstream/build.sh)"   # -> ~/.cache/dragops/kube-v1.37.2-etcd-v3.7.0-<hash>/bin
#
# kube-apiserver, kube-controller-manager and kubectl come from kubernetes/ (k8s.io/kubernetes at
# the release pinned there), etcd from etcd/. CGO_ENABLED=0, -trimpath, the release stamped into
# the version packages so that `kubectl version` reports it. The cache key is the two versions
# and a hash of the go.mod/go.sum files and this script, so any change rebuilds; an existing,
# complete cache is reused by every clone. Progress goes to stderr; only the path to stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v go >/dev/null || { echo "kube build: no 'go' on PATH; the real control plane is built from Go modules (Go 1.26 or newer)" >&2; exit 1; }

export CGO_ENABLED=0 GOFLAGS=-mod=mod
# The release is the one line in KUBERNETES_VERSION: when go.mod pins another, pin.sh rewrites
# both modules for it first (commit what it writes).
wanted="$(tr -d ' \n' <"$here/KUBERNETES_VERSION")"
kube_version="$(cd "$here/kubernetes" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
if [ "$kube_version" != "$wanted" ]; then
  echo "kube build: KUBERNETES_VERSION says $wanted, go.mod pins $kube_version: re-pinning" >&2
  "$here/pin.sh" "$wanted" >&2
  kube_version="$wanted"
fi
etcd_version="$(cd "$here/etcd" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
hash="$(cat "$here"/kubernetes/go.{mod,sum} "$here"/etcd/go.{mod,sum} "$0" | sha256sum | cut -c1-12)"
cache_root="${DRAGOPS_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dragops}"
dir="$cache_root/kube-$kube_version-etcd-$etcd_version-$hash"
tools=(kube-apiserver kube-controller-manager kubectl etcd)

complete() { for t in "${tools[@]}"; do [ -x "$dir/bin/$t" ] || return 1; done; }
if complete; then echo "$dir/bin"; exit 0; fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.build.lock"
flock 9                                  # another test may be building the same version
if complete; then echo "$dir/bin"; exit 0; fi

start=$(date +%s)
tmp="$(mktemp -d "$cache_root/.build.XXXXXX")"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"
[[ "$kube_version" =~ ^v([0-9]+)\.([0-9]+)\. ]]
major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[2]}"
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  stamp+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
echo "kube build: Kubernetes $kube_version (kube-apiserver, kube-controller-manager, kubectl) and etcd $etcd_version into $dir" >&2
(cd "$here/kubernetes" && go build -trimpath -ldflags "-s -w$stamp" -o "$tmp/bin/" \
   k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl) >&2
(cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$tmp/bin/etcd" go.etcd.io/etcd/server/v3) >&2
rm -rf "$dir"; mv "$tmp" "$dir"; trap - EXIT
echo "kube build: built ${tools[*]} in $(( $(date +%s) - start )) s" >&2
echo "$dir/bin"
