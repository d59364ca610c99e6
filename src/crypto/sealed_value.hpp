#pragma once
// A sealed value: one credential sealed with HPKE (crypto/hpke.hpp) to a sealing public key, as a
// compact, self-describing byte string that names the key it was sealed to (docs/sealing.md):
//
//   offset  size  field
//   0       1     format version (kFormatVersion): HPKE base mode, DHKEM(P-256, HKDF-SHA256),
//                 HKDF-SHA256, AES-256-GCM
//   1       8     key id: the first 8 bytes of SHA-256 over the 65-byte recipient public key
//   9       65    enc: the sender's ephemeral public key, 0x04 || x || y
//   74      n     ciphertext (n = plaintext length)
//   74+n    16    tag
//
// The caller's info (what the value belongs to) and aad are HPKE's; neither is carried.

#include "crypto/hpke.hpp"
#include "crypto/secret_bytes.hpp"

#include <boost/system/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace dragops::crypto {

namespace sealed_value_format {
inline constexpr std::uint8_t kFormatVersion = 1;
inline constexpr std::size_t kVersionOffset = 0;
inline constexpr std::size_t kKeyIdOffset = 1;
inline constexpr std::size_t kKeyIdSize = 8;
inline constexpr std::size_t kEncOffset = kKeyIdOffset + kKeyIdSize;             // 9
inline constexpr std::size_t kHeaderSize = kEncOffset + hpke::kEncSize;          // 74
inline constexpr std::size_t kMinSize = kHeaderSize + hpke::kTagSize;            // 90: an empty plaintext
}  // namespace sealed_value_format

using SealingKeyId = std::array<std::uint8_t, sealed_value_format::kKeyIdSize>;
SealingKeyId key_id_of(const hpke::PublicKey& public_key);

enum class SealedValueError {
  malformed = 1,          // too short, or enc is not a point on the curve
  unsupported_version,    // unknown format version byte
  unknown_key,            // sealed to another key than the one given
  authentication_failed,  // wrong key, info or aad, or tampered bytes
};
std::string_view to_string(SealedValueError error);

// The parts of a sealed value; the spans point into the bytes parsed.
struct SealedValue {
  std::uint8_t version = 0;
  SealingKeyId key_id{};
  std::span<const std::uint8_t> enc;         // 65 bytes
  std::span<const std::uint8_t> ciphertext;  // with its 16-byte tag
};

// Checks the layout only (version, length, enc's leading 0x04); opening checks the rest.
boost::system::result<SealedValue, SealedValueError> parse_sealed_value(std::span<const std::uint8_t> bytes);

// Fails only for a public key that is not one (hpke::Error::invalid_public_key).
hpke::Result<std::vector<std::uint8_t>> seal_value(std::span<const std::uint8_t> recipient_public_key,
                                                  std::span<const std::uint8_t> info,
                                                  std::span<const std::uint8_t> aad,
                                                  std::span<const std::uint8_t> plaintext);
boost::system::result<SecretBytes, SealedValueError> open_sealed_value(const hpke::KeyPair& recipient,
                                                                       std::span<const std::uint8_t> info,
                                                                       std::span<const std::uint8_t> aad,
                                                                       std::span<const std::uint8_t> bytes);

}  // namespace dragops::crypto
