#!/usr/bin/env bash
# Pins the upstream test peers to one Kubernetes release: writes kubernetes/go.mod (k8s.io/kubernetes
# and a replace for each staging module, as that release's own go.mod lists them) and etcd/go.mod
# (the etcd server that release's k8s.io/apiserver requires), then resolves both go.sum files.
#
#   tests/kube/upstream/pin.sh v1.37.2   (build.sh runs it when KUBERNETES_VERSION changes)
#
# The release is then in one place: the k8s.io/kubernetes requirement of kubernetes/go.mod, which
# build.sh reads. Needs Go and the Go module proxy; commit the go.mod and go.sum files it writes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
release="${1:?usage: pin.sh vMAJOR.MINOR.PATCH (a k8s.io/kubernetes release)}"
[[ "$release" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || { echo "pin.sh: '$release' is not a release like v1.37.2" >&2; exit 2; }
staging_version="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
export GOFLAGS=-mod=mod

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# The release's go.mod names its staging modules (replace k8s.io/X => ./staging/src/k8s.io/X).
(cd "$work" && go mod download -json "k8s.io/kubernetes@$release" >info.json)
upstream_mod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' "$work/info.json")"
go_line="$(grep -m1 '^go ' "$upstream_mod")"
mapfile -t staging < <(sed -n '/^replace (/,/^)/p' "$upstream_mod" \
  | awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' | grep -v '^k8s.io/sample-')

{
  echo "// Builds kube-apiserver, kube-controller-manager and kubectl of one Kubernetes release, for the"
  echo "// real-control-plane test tier. Written by ../pin.sh: change the release there, not by hand."
  echo "module dragops.io/tests/kube/upstream/kubernetes"
  echo
  echo "$go_line"
  echo
  echo "require k8s.io/kubernetes $release"
  echo
  echo "tool ("
  echo "	k8s.io/kubernetes/cmd/kube-apiserver"
  echo "	k8s.io/kubernetes/cmd/kube-controller-manager"
  echo "	k8s.io/kubernetes/cmd/kubectl"
  echo ")"
  echo
  echo "replace ("
  for m in "${staging[@]}"; do echo "	$m => $m $staging_version"; done
  echo ")"
} >"$here/kubernetes/go.mod"
(cd "$here/kubernetes" && go mod tidy)

etcd_version="$(cd "$here/kubernetes" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
{
  echo "// Builds the etcd server that the pinned Kubernetes release's k8s.io/apiserver requires."
  echo "// Written by ../pin.sh: change the release there, not by hand."
  echo "module dragops.io/tests/kube/upstream/etcd"
  echo
  echo "$go_line"
  echo
  echo "require go.etcd.io/etcd/server/v3 $etcd_version"
  echo
  echo "tool go.etcd.io/etcd/server/v3"
} >"$here/etcd/go.mod"
(cd "$here/etcd" && go mod tidy)
echo "pinned Kubernetes $release (staging $staging_version, ${#staging[@]} modules) and etcd $etcd_version"
