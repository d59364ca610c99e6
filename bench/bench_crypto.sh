#!/usr/bin/env bash
# Seal and open throughput next to `openssl speed -evp aes-256-gcm`, measured in the same run, as
# ratios; plus what the per-envelope HKDF costs at 64 B. Usage: bench_crypto.sh [BUILD_DIR]
# The ratios come from BENCH_ROUNDS interleaved rounds (openssl, then ours, at each size); the
# median is printed with its spread, (max - min) / median, so that two runs can be compared.
# Both sides are rated per CPU second (openssl speed divides by its user time; bench_crypto by
# CLOCK_PROCESS_CPUTIME_ID), so a busy machine slows both alike.
set -euo pipefail
build=${1:-build}
bin="$build/bench/crypto/bench_crypto"
[ -x "$bin" ] || { echo "bench_crypto: $bin not built (cmake --build $build --target bench_crypto)"; exit 1; }
seconds=${BENCH_SECONDS:-1}
rounds=${BENCH_ROUNDS:-15}
sizes="64 1024 65536"

rows=""   # "<round> <size> <openssl B/s> <seal B/s> <open B/s>"
for round in $(seq 1 "$rounds"); do
  declare -A ssl=()
  for size in $sizes; do
    # -mr prints "+F:<n>:AES-256-GCM:<bytes per second>"
    ssl[$size]=$(openssl speed -evp aes-256-gcm -seconds "$seconds" -bytes "$size" -mr 2>/dev/null |
      awk -F: '/^\+F:/ {print $4}')
    [ -n "${ssl[$size]}" ] || { echo "bench_crypto: openssl speed gave no rate (BENCH_SECONDS must be a whole number)"; exit 1; }
  done
  ours=$("$bin" "$seconds" main)
  for size in $sizes; do
    seal=$(awk -v s="$size" '$1 == "seal" && $2 == s {print $3}' <<<"$ours")
    open=$(awk -v s="$size" '$1 == "open" && $2 == s {print $3}' <<<"$ours")
    rows+="$round $size ${ssl[$size]} $seal $open"$'\n'
  done
done

# median and spread of column COLUMN (3 openssl, 4 seal, 5 open; "r4"/"r5" the ratio to openssl) at SIZE
stat() {
  awk -v size="$1" -v col="$2" '$2 == size {
      v = (col ~ /^r/) ? $(substr(col, 2)) / $3 : $(col); print v }' <<<"$rows" | sort -g |
    awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                             printf "%.6g %.3f\n", m, (v[NR] - v[1]) / m }'
}

echo "openssl $(openssl version | awk '{print $2}'), ${seconds}s per figure, median of $rounds interleaved rounds; rates in MB/s (10^6 bytes); spread = (max - min) / median of the ratio"
printf '%-8s %12s %12s %12s %10s %8s %10s %8s\n' payload openssl seal open seal/ssl spread open/ssl spread
for size in $sizes; do
  read -r ssl _ <<<"$(stat "$size" 3)"; read -r seal _ <<<"$(stat "$size" 4)"; read -r open _ <<<"$(stat "$size" 5)"
  read -r seal_ratio seal_spread <<<"$(stat "$size" r4)"; read -r open_ratio open_spread <<<"$(stat "$size" r5)"
  awk -v size="$size" -v ssl="$ssl" -v seal="$seal" -v open="$open" -v sr="$seal_ratio" -v ss="$seal_spread" \
    -v orr="$open_ratio" -v os="$open_spread" \
    'BEGIN { printf "%-8s %12.1f %12.1f %12.1f %10.3f %7.1f%% %10.3f %7.1f%%\n", size " B", ssl/1e6, seal/1e6, open/1e6, sr, 100*ss, orr, 100*os }'
done

# The breakdown, from one full run.
ours=$("$bin" "$seconds")
figure() { awk -v w="$1" -v s="$2" -v f="$3" '$1 == w && $2 == s {print $f}' <<<"$ours"; }
seal64=$(figure seal 64 4); bare64=$(figure seal_no_hkdf 64 4); hkdf=$(figure hkdf 32 4)
awk -v s="$seal64" -v b="$bare64" -v h="$hkdf" 'BEGIN {
  printf "key derivation at 64 B: seal %.0f ns, same seal without HKDF %.0f ns -> derivation costs %.0f ns (%.0f%% of a seal); HKDF-SHA256 alone %.0f ns\n", s, b, s - b, 100 * (s - b) / s, h }'
awk -v a="$(figure aead 65536 4)" -v d="$(figure aead_open 65536 4)" -v w="$(figure secret_drop 65536 4)" \
  -v s="$(figure seal 65536 4)" -v o="$(figure open 65536 4)" 'BEGIN {
  printf "at 64 KiB: seal %.0f ns (bare AES-GCM encrypt %.0f), open %.0f ns (bare decrypt %.0f; allocating and wiping the 64 KiB result %.0f)\n", s, a, o, d, w }'
read -r seal_ratio _ <<<"$(stat 65536 r4)"; read -r open_ratio _ <<<"$(stat 65536 r5)"
awk -v s="$seal_ratio" -v o="$open_ratio" 'BEGIN { printf "target seal and open >= 0.8 x openssl at 64 KiB: %s\n", (s >= 0.8 && o >= 0.8) ? "met" : "NOT met" }'
