#!/usr/bin/env bash
# Seal and open throughput next to `openssl speed -evp aes-256-gcm`, measured in the same run, as
# ratios; plus what the per-envelope HKDF costs at 64 B. Usage: bench_crypto.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
bin="$build/bench/crypto/bench_crypto"
[ -x "$bin" ] || { echo "bench_crypto: $bin not built (cmake --build $build --target bench_crypto)"; exit 1; }
seconds=${BENCH_SECONDS:-1}

declare -A ssl
for size in 64 1024 65536; do
  # -mr prints "+F:<n>:AES-256-GCM:<bytes per second>"
  ssl[$size]=$(openssl speed -evp aes-256-gcm -seconds "$seconds" -bytes "$size" -mr 2>/dev/null |
    awk -F: '/^\+F:/ {print $4}')
done

ours=$("$bin" "$seconds")
figure() { awk -v w="$1" -v s="$2" -v f="$3" '$1 == w && $2 == s {print $f}' <<<"$ours"; }

echo "openssl $(openssl version | awk '{print $2}'), ${seconds}s per figure; rates in MB/s (10^6 bytes)"
printf '%-8s %12s %12s %12s %10s %10s\n' payload openssl seal open seal/ssl open/ssl
for size in 64 1024 65536; do
  awk -v size="$size" -v ssl="${ssl[$size]}" -v seal="$(figure seal "$size" 3)" -v open="$(figure open "$size" 3)" \
    'BEGIN { printf "%-8s %12.1f %12.1f %12.1f %10.3f %10.3f\n", size " B", ssl/1e6, seal/1e6, open/1e6, seal/ssl, open/ssl }'
done
seal64=$(figure seal 64 4); bare64=$(figure seal_no_hkdf 64 4); hkdf=$(figure hkdf 32 4)
awk -v s="$seal64" -v b="$bare64" -v h="$hkdf" 'BEGIN {
  printf "key derivation at 64 B: seal %.0f ns, same seal without HKDF %.0f ns -> derivation costs %.0f ns (%.0f%% of a seal); HKDF-SHA256 alone %.0f ns\n", s, b, s - b, 100 * (s - b) / s, h }'
awk -v a="$(figure aead 65536 4)" -v d="$(figure aead_open 65536 4)" -v w="$(figure secret_drop 65536 4)" \
  -v s="$(figure seal 65536 4)" -v o="$(figure open 65536 4)" 'BEGIN {
  printf "at 64 KiB: seal %.0f ns (bare AES-GCM encrypt %.0f), open %.0f ns (bare decrypt %.0f; allocating and wiping the 64 KiB result %.0f)\n", s, a, o, d, w }'
target=$(awk -v ssl="${ssl[65536]}" -v seal="$(figure seal 65536 3)" 'BEGIN { print (seal / ssl >= 0.8) ? "met" : "NOT met" }')
echo "target seal >= 0.8 x openssl at 64 KiB: $target"
