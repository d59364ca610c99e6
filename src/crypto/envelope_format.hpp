#pragma once
// The envelope's byte layout (docs/envelope.md), for the envelope code, its tests and tools.
//
//   offset  size  field
//   0       1     format version (kFormatVersion)
//   1       4     key version, unsigned big-endian
//   5       32    salt  (HKDF salt for this envelope's key)
//   37      12    nonce (AES-GCM IV)
//   49      n     ciphertext (n = plaintext length)
//   49+n    16    tag

#include "crypto/envelope.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dragops::crypto::envelope_format {

inline constexpr std::uint8_t kFormatVersion = 1;
inline constexpr std::size_t kVersionOffset = 0;
inline constexpr std::size_t kKeyVersionOffset = 1;
inline constexpr std::size_t kSaltOffset = 5;
inline constexpr std::size_t kSaltSize = 32;
inline constexpr std::size_t kNonceOffset = kSaltOffset + kSaltSize;  // 37
inline constexpr std::size_t kNonceSize = 12;
inline constexpr std::size_t kHeaderSize = kNonceOffset + kNonceSize;  // 49
inline constexpr std::size_t kTagSize = 16;
inline constexpr std::size_t kMinSize = kHeaderSize + kTagSize;  // 65: an empty plaintext

// HKDF-SHA256 info for the per-envelope key, and the label that opens every AAD.
inline constexpr std::string_view kKeyInfo = "dragops.io/envelope/v1/aes-256-gcm-key";
inline constexpr std::string_view kAadLabel = "dragops.io/envelope/v1/aad";

// The random part of a new envelope: salt then nonce, fresh from the CSPRNG in one call.
// seal() uses exactly this; the uniqueness test calls it directly as well.
void fill_salt_and_nonce(std::span<std::uint8_t, kSaltSize + kNonceSize> out);

// open() in its two steps, for crypto::EnvelopeKeys (envelope_keys.hpp), which keeps the first
// step's result: the envelope's AES-256-GCM key (HKDF of the data key and the envelope's salt;
// out is 32 bytes), then the AES-GCM open of this envelope with it.
[[nodiscard]] bool derive_envelope_key(const SecretBytes& data_key, std::span<const std::uint8_t> envelope,
                                       std::span<std::uint8_t> out);
boost::system::result<SecretBytes, OpenError> open_with_envelope_key(std::span<const std::uint8_t> envelope_key,
                                                                     const Context& context,
                                                                     std::span<const std::uint8_t> envelope);

}  // namespace dragops::crypto::envelope_format
