// Seal/open throughput and the cost of the per-envelope key derivation. Prints one line per
// figure, "<what> <payload bytes> <bytes per second> <ns per operation>", for bench_crypto.sh.
// Usage: bench_crypto [SECONDS_PER_FIGURE] [main]; "main" measures only seal and open.

#include "crypto/aead.hpp"
#include "crypto/envelope.hpp"
#include "crypto/envelope_format.hpp"
#include "crypto/hkdf.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <time.h>

namespace {

using namespace dragops::crypto;
namespace format = envelope_format;

// CPU time of this process, like `openssl speed` (which divides by its user time): on a shared
// machine wall-clock rates would compare our share of the CPU with OpenSSL's.
double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double seconds_per_run = 1.0;

// Runs op repeatedly for seconds_per_run of CPU time; returns operations per CPU second.
template <typename Op>
double rate(Op&& op) {
  std::size_t ops = 0;
  const double start = cpu_seconds();
  double now = start;
  while (now - start < seconds_per_run) {
    for (int i = 0; i < 16; ++i) op();
    ops += 16;
    now = cpu_seconds();
  }
  return static_cast<double>(ops) / (now - start);
}

void report(const char* what, std::size_t size, double ops_per_second) {
  std::printf("%s %zu %.0f %.1f\n", what, size, ops_per_second * static_cast<double>(size), 1e9 / ops_per_second);
  std::fflush(stdout);
}

// Everything seal() does except the HKDF step: the data key encrypts directly.
std::vector<std::uint8_t> seal_without_derivation(const Keyring& ring, const Context& context,
                                                  std::span<const std::uint8_t> plaintext) {
  std::vector<std::uint8_t> envelope(format::kHeaderSize + plaintext.size() + format::kTagSize);
  envelope[0] = format::kFormatVersion;
  envelope[4] = static_cast<std::uint8_t>(ring.primary());
  format::fill_salt_and_nonce(std::span<std::uint8_t, format::kSaltSize + format::kNonceSize>(
      envelope.data() + format::kSaltOffset, format::kSaltSize + format::kNonceSize));
  auto aad = encode_aad(context);
  aad.insert(aad.end(), envelope.begin(), envelope.begin() + format::kHeaderSize);
  const std::span<std::uint8_t> out(envelope);
  if (!aes256gcm_encrypt(ring.key(ring.primary())->span(), out.subspan(format::kNonceOffset, format::kNonceSize),
                         aad, plaintext, out.subspan(format::kHeaderSize, plaintext.size()),
                         out.last(format::kTagSize))) {
    std::abort();
  }
  return envelope;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) seconds_per_run = std::atof(argv[1]);
  const bool main_only = argc > 2 && std::string(argv[2]) == "main";
  const auto ring = Keyring::generate();
  const Context context{"team-a", "Connection", "github", "0b7c6f4e-1111-4222-8333-944445555666", "token"};
  for (std::size_t size : {std::size_t{64}, std::size_t{1024}, std::size_t{65536}}) {
    const std::vector<std::uint8_t> payload(size, 0x5a);
    std::vector<std::uint8_t> envelope;
    report("seal", size, rate([&] { envelope = seal(ring, context, payload); }));
    report("open", size, rate([&] {
             if (!open(ring, context, envelope)) std::abort();
           }));
    if (main_only) continue;
    report("seal_no_hkdf", size, rate([&] { envelope = seal_without_derivation(ring, context, payload); }));
    // The bare primitive: a fixed key and nonce, no allocation, no derivation, no AAD building.
    std::vector<std::uint8_t> out(size), tag(16);
    const std::vector<std::uint8_t> iv(12, 1);
    report("aead", size, rate([&] {
             if (!aes256gcm_encrypt(ring.key(1)->span(), iv, {}, payload, out, tag)) std::abort();
           }));
    std::vector<std::uint8_t> back(size);
    report("aead_open", size, rate([&] {
             if (!aes256gcm_decrypt(ring.key(1)->span(), iv, {}, out, tag, back)) std::abort();
           }));
    // What open() pays to hand back a SecretBytes that wipes itself when dropped.
    report("secret_drop", size, rate([&] { (void)SecretBytes::for_overwrite(size); }));
  }
  if (main_only) return 0;
  std::vector<std::uint8_t> derived(32), salt(32, 3);
  const std::string info(format::kKeyInfo);
  const double hkdf_rate = rate([&] {
    if (!hkdf_sha256(ring.key(1)->span(), salt, std::span(reinterpret_cast<const std::uint8_t*>(info.data()), info.size()),
                     derived)) {
      std::abort();
    }
  });
  std::printf("hkdf 32 %.0f %.1f\n", hkdf_rate * 32, 1e9 / hkdf_rate);
  return 0;
}
