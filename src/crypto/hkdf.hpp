#pragma once
// HKDF-SHA256 (RFC 5869) over OpenSSL's HMAC-SHA256 (EVP_MAC).

#include "crypto/secret_bytes.hpp"

#include <cstdint>
#include <span>

namespace dragops::crypto {

// Extract-then-expand; length is at most 255 * 32. Fills out (its size is the output length);
// false for an empty key or an oversized output (or if OpenSSL fails).
[[nodiscard]] bool hkdf_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> salt,
                               std::span<const std::uint8_t> info, std::span<std::uint8_t> out);

inline constexpr std::size_t kSha256Size = 32;

// The two halves, for protocols that label each step (HPKE's LabeledExtract/LabeledExpand).
// Extract: PRK = HMAC-SHA256(salt, ikm), an empty salt meaning 32 zero bytes; false for an empty
// ikm. Expand: fills out from a non-empty PRK and info; false for an oversized output.
[[nodiscard]] bool hkdf_sha256_extract(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
                                       std::span<std::uint8_t, kSha256Size> prk);
[[nodiscard]] bool hkdf_sha256_expand(std::span<const std::uint8_t> prk, std::span<const std::uint8_t> info,
                                      std::span<std::uint8_t> out);

}  // namespace dragops::crypto
