// open() and key_version_of() on arbitrary bytes must never crash, leak or read out of bounds,
// and must agree with each other on which errors come before authentication.

#include "crypto/base64.hpp"
#include "crypto/envelope.hpp"
#include "fixed_ring.hpp"

#include <cstdlib>

namespace {

const dragops::crypto::Keyring& ring() {
  static const auto loaded = dragops::crypto::Keyring::load(dragops::fuzz::kFixedRing);
  if (!loaded) std::abort();
  return *loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dragops::crypto;
  const std::span<const std::uint8_t> bytes(data, size);
  static const Context context{"fuzz", "Secret", "fixed", "00000000-0000-0000-0000-000000000000", "value"};

  const auto version = key_version_of(bytes);
  const auto opened = open(ring(), context, bytes);
  if (!version && (opened || opened.error() != version.error())) std::abort();
  if (opened && !version) std::abort();

  // The same bytes read as base64 text (what dragopsctl open does with stdin).
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto decoded = base64_decode(text)) {
    if (base64_encode(*decoded) != text) std::abort();  // the decoder accepts only canonical text
    (void)open(ring(), context, *decoded);
  }
  return 0;
}
