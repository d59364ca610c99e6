#pragma once
// Standard base64 (RFC 4648 section 4, with padding). The decoder is strict: no whitespace, no
// missing or misplaced padding, no non-zero bits after the last character, so every byte
// string has exactly one accepted encoding. Used for key-ring keys and dragopsctl envelopes.

#include "crypto/secret_bytes.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::crypto {

std::string base64_encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
// Same, into wiped memory, for key material.
std::optional<SecretBytes> base64_decode_secret(std::string_view text);
// Encoded length of size bytes.
constexpr std::size_t base64_encoded_size(std::size_t size) { return (size + 2) / 3 * 4; }

}  // namespace dragops::crypto
