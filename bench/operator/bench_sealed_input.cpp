// The operator's per-Connection crypto, in process (bench/bench_operator.sh prints it first):
//   plain path:  the value read from a core Secret is sealed into the store (one envelope);
//   sealed path: the value is first opened from spec.sealedCredentials (HPKE, P-256 ECDH) and
//                then sealed into the store the same way.
// Prints both rates and their ratio (sealed / plain). One field of 40 bytes per Connection.

#include "crypto/envelope.hpp"
#include "crypto/hpke.hpp"
#include "crypto/keyring.hpp"
#include "crypto/sealed_value.hpp"
#include "store/sealed_input.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace dragops;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 5000;
  const auto ring = crypto::Keyring::generate();
  auto pair = crypto::hpke::generate_key_pair();
  if (!pair) return 1;
  const auto id = crypto::key_id_of(pair->public_key);
  const store::SealingKeyLookup lookup = [&](const crypto::SealingKeyId& wanted) {
    return wanted == id ? &*pair : nullptr;
  };
  const std::string value(40, 'k');
  std::vector<std::string> sealed;
  sealed.reserve(n);
  for (int i = 0; i < n; ++i) {
    const store::SealedInputTarget target{"ns-" + std::to_string(i % 100), store::Kind::connection, "c" + std::to_string(i), "api_key"};
    auto text = store::seal_input(pair->public_key, target,
                                  std::span(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
    if (!text) return 1;
    sealed.push_back(std::move(*text));
  }
  auto run = [&](bool open_first) {
    std::size_t bytes = 0;
    const auto start = Clock::now();
    for (int i = 0; i < n; ++i) {
      const std::string ns = "ns-" + std::to_string(i % 100), name = "c" + std::to_string(i);
      crypto::SecretBytes plaintext;
      if (open_first) {
        auto opened = store::open_sealed_input(lookup, {ns, store::Kind::connection, name, "api_key"}, sealed[i]);
        if (!opened) std::abort();
        plaintext = std::move(*opened);
      } else {
        plaintext = crypto::SecretBytes::from_string(value);
      }
      bytes += crypto::seal(ring, crypto::Context{ns, "Connection", name, "uid", "api_key"}, plaintext.span()).size();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (bytes == 0) std::abort();
    return n / seconds;
  };
  run(false);   // warm up
  const double plain = run(false);
  const double with_open = run(true);
  std::printf("per Connection, in process: plain path (store seal) %.0f/s; sealed input (HPKE open + store seal) %.0f/s; "
              "ratio %.2f\n", plain, with_open, with_open / plain);
  return 0;
}
