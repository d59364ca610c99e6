#pragma once
// SHA-256 and HMAC-SHA256 through OpenSSL, for PKCE and the signed state (internal to oauth).

#include <array>
#include <cstdint>
#include <span>

namespace dragops::oauth {

using Digest = std::array<std::uint8_t, 32>;

Digest sha256(std::span<const std::uint8_t> data);
Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);
// Constant-time comparison.
bool digests_equal(const Digest& a, const Digest& b);

}  // namespace dragops::oauth
