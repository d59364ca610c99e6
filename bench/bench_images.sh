#!/usr/bin/env bash
# The three images' sizes next to each other and to their targets (issue 15): compressed (what a
# registry stores and a node pulls: the gzip layer, the config and the manifest) and uncompressed
# (the layer tar a node unpacks), and what is in them: the binary, its shared libraries, the rest.
# Reads the archives `make images` built. Usage: bench_images.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
images="$build/images"
declare -A target=([operator]=25 [sidecar]=15 [dashboard]=15)   # MB (10^6 bytes), compressed
for c in operator sidecar dashboard; do
  [ -f "$images/dragops-$c.tar" ] || { echo "bench_images: $images/dragops-$c.tar not built (make images)"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }
printf '%-18s %11s %11s %8s %12s %10s %10s %10s  %s\n' image compressed uncompr. target "of target" binary libraries other digest
for c in operator sidecar dashboard; do
  mkdir -p "$work/$c"
  tar -xf "$images/dragops-$c.tar" -C "$work/$c"
  blob() { echo "$work/$c/blobs/${1/://}"; }
  manifest=$(blob "$(jq -r '.manifests[0].digest' "$work/$c/index.json")")
  compressed=$(( $(stat -c %s "$manifest") + $(jq -r '.config.size + ([.layers[].size] | add)' "$manifest") ))
  uncompressed=0
  binary=0 libraries=0
  for layer in $(jq -r '.layers[].digest' "$manifest"); do
    uncompressed=$((uncompressed + $(gzip -dc "$(blob "$layer")" | wc -c)))
    # File sizes by kind, from the layer's listing.
    read -r b l < <(gzip -dc "$(blob "$layer")" | tar -tvf - |
      awk '$1 ~ /^-/ { if ($6 ~ /usr\/local\/bin\//) b += $3; else if ($6 ~ /\.so/) l += $3 } END { printf "%d %d\n", b, l }')
    binary=$((binary + b)) libraries=$((libraries + l))
  done
  files=$(gzip -dc "$(blob "$(jq -r '.layers[0].digest' "$manifest")")" | tar -tvf - | awk '$1 ~ /^-/ { s += $3 } END { print s + 0 }')
  printf '%-18s %8s MB %8s MB %5s MB %11s%% %7s MB %7s MB %7s MB  %s\n' "dragops-$c" "$(mb "$compressed")" "$(mb "$uncompressed")" \
    "${target[$c]}" "$(awk -v s="$compressed" -v t="${target[$c]}" 'BEGIN { printf "%.0f", 100 * s / (t * 1e6) }')" \
    "$(mb "$binary")" "$(mb "$libraries")" "$(mb $((files - binary - libraries)))" "$(cat "$images/dragops-$c.digest")"
  [ "$compressed" -lt $((target[$c] * 1000000)) ] || { echo "bench_images: dragops-$c is over its target"; exit 1; }
done
