// Sealed input as the operator reads it from a CRD (store::open_sealed_input): arbitrary text
// must never crash, leak or read out of bounds; the key id it reports must be the one
// sealed_input_key_id finds; a value sealed to the fuzzer's key must open only where it was
// sealed for. The same bytes are also tried as the base64 of a sealed value.

#include "crypto/base64.hpp"
#include "crypto/hpke.hpp"
#include "store/sealed_input.hpp"

#include <cstdlib>
#include <string_view>

namespace {

using namespace dragops;

// The fixed, public key pair of fuzz_sealed_value (fuzz/README.md).
const crypto::hpke::KeyPair& key() {
  static const auto pair = [] {
    constexpr std::string_view kIkm = "dragops fuzz sealing key: fixed and public";
    return crypto::hpke::derive_key_pair(std::span(reinterpret_cast<const std::uint8_t*>(kIkm.data()), kIkm.size()));
  }();
  if (!pair) std::abort();
  return *pair;
}

const store::SealedInputTarget kTarget{"fuzz", store::Kind::secret, "fixed", "value"};

void check(std::string_view text) {
  const store::SealingKeyLookup lookup = [](const crypto::SealingKeyId& id) {
    return id == crypto::key_id_of(key().public_key) ? &key() : nullptr;
  };
  const auto opened = store::open_sealed_input(lookup, kTarget, text);
  const auto named = store::sealed_input_key_id(text);
  if (opened) {
    if (!named || *named != crypto::key_id_of(key().public_key)) std::abort();
    // Bound to the target: the same text never opens for another item.
    if (store::open_sealed_input(lookup, {"fuzz", store::Kind::secret, "fixed", "other"}, text)) std::abort();
    return;
  }
  // A key id is reported exactly when the value names one past the layout checks; malformed can
  // come from either side of them (an enc that is not a point is found when opening).
  const auto& failure = opened.error();
  switch (failure.error) {
    case store::SealedInputError::not_base64:
    case store::SealedInputError::unsupported_version:
      if (named || !failure.key_id.empty()) std::abort();
      break;
    case store::SealedInputError::unknown_key:
    case store::SealedInputError::does_not_open:
      if (!named || failure.key_id != store::key_id_hex(*named)) std::abort();
      break;
    case store::SealedInputError::malformed:
      if (!failure.key_id.empty()) std::abort();
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check(std::string_view(reinterpret_cast<const char*>(data), size));
  check(crypto::base64_encode(std::span(data, size)));
  return 0;
}
