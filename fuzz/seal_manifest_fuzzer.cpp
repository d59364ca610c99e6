// dragopsctl's manifest sealer (tools/dragopsctl/seal_manifest.hpp) on arbitrary text: it must
// never crash (a YAML error is an error value), and what it writes must hold nothing left to
// seal when it is read again.

#include "crypto/hpke.hpp"
#include "seal_manifest.hpp"

#include <cstdlib>
#include <string_view>

namespace {

const dragops::crypto::hpke::PublicKey& public_key() {
  static const auto pair = [] {
    constexpr std::string_view kIkm = "dragops fuzz sealing key: fixed and public";
    return dragops::crypto::hpke::derive_key_pair(std::span(reinterpret_cast<const std::uint8_t*>(kIkm.data()), kIkm.size()));
  }();
  if (!pair) std::abort();
  return pair->public_key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto sealed = dragops::dragopsctl::seal_manifests(text, public_key(), "fuzz");
  if (!sealed) return 0;
  // What it wrote must hold nothing left to seal. yaml-cpp's emitter does not write back every
  // odd scalar (keys with escaped control characters, ...) in a form its parser reads again, so a
  // re-read that fails says nothing about sealing and is not a failure here; one that succeeds and
  // finds plaintext to seal is.
  const auto again = dragops::dragopsctl::seal_manifests(sealed->text, public_key(), "fuzz");
  if (again && again->values != 0) std::abort();
  return 0;
}
