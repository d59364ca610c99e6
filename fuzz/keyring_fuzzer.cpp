// Keyring::load on arbitrary text must never crash or leak; whatever it accepts must survive
// a serialise/load round trip unchanged.

#include "crypto/keyring.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dragops::crypto::Keyring;
  const auto ring = Keyring::load(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!ring) {
    if (ring.error().empty()) std::abort();  // every refusal says why
    return 0;
  }
  if (!ring->has(ring->primary())) std::abort();
  const auto again = Keyring::load(ring->serialise().view());
  if (!again || again->primary() != ring->primary() || again->versions() != ring->versions()) std::abort();
  for (auto version : ring->versions()) {
    if (!again->key(version)->equals(*ring->key(version))) std::abort();
  }
  return 0;
}
