// parse_sealed_value and open_sealed_value on arbitrary bytes must never crash, leak or read out
// of bounds, and must agree on the layout errors that come before any key is used. The parsed
// enc and ciphertext also go to HPKE directly, past the key-id check, so that arbitrary points
// reach the public-key import and ECDH.

#include "crypto/hpke.hpp"
#include "crypto/sealed_value.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace {

using namespace dragops::crypto;

// A fixed, public key pair (docs: fuzz/README.md), so that seeds sealed to it open.
const hpke::KeyPair& key() {
  static const auto pair = [] {
    constexpr std::string_view kIkm = "dragops fuzz sealing key: fixed and public";
    return hpke::derive_key_pair(std::span(reinterpret_cast<const std::uint8_t*>(kIkm.data()), kIkm.size()));
  }();
  if (!pair) std::abort();
  return *pair;
}

constexpr std::string_view kInfo = "fuzz/Secret/fixed/value";

std::span<const std::uint8_t> info() { return {reinterpret_cast<const std::uint8_t*>(kInfo.data()), kInfo.size()}; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace format = sealed_value_format;
  const std::span<const std::uint8_t> bytes(data, size);

  const auto parsed = parse_sealed_value(bytes);
  const auto opened = open_sealed_value(key(), info(), {}, bytes);
  if (!parsed && (opened || opened.error() != parsed.error())) std::abort();
  if (!parsed) return 0;

  if (parsed->version != format::kFormatVersion || parsed->enc.size() != hpke::kEncSize ||
      parsed->enc.data() != data + format::kEncOffset || parsed->ciphertext.data() != data + format::kHeaderSize ||
      parsed->ciphertext.size() != size - format::kHeaderSize || parsed->ciphertext.size() < hpke::kTagSize ||
      !std::equal(parsed->key_id.begin(), parsed->key_id.end(), data + format::kKeyIdOffset)) {
    std::abort();
  }
  const bool ours = parsed->key_id == key_id_of(key().public_key);
  if (!ours && (opened || opened.error() != SealedValueError::unknown_key)) std::abort();

  // Past the key id: the same bytes as raw HPKE, for both AEADs.
  const auto raw = hpke::open_base(hpke::Aead::aes_256_gcm, parsed->enc, key(), info(), {}, parsed->ciphertext);
  if (ours && raw.has_value() != opened.has_value()) std::abort();
  (void)hpke::open_base(hpke::Aead::aes_128_gcm, parsed->enc, key(), info(), {}, parsed->ciphertext);
  return 0;
}
