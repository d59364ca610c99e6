#pragma once
// Encodings OAuth needs: base64url without padding (RFC 4648 section 5, as PKCE and our state
// use it) and application/x-www-form-urlencoded bodies (RFC 6749 appendix B). Form bodies carry
// codes, refresh tokens and client secrets, so they are built into crypto::SecretBytes.

#include "crypto/secret_bytes.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dragops::oauth {

std::string base64url_encode(std::span<const std::uint8_t> bytes);
// Strict: only the URL-safe alphabet, no padding, no non-zero trailing bits.
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

// One name or value, form-encoded: unreserved characters kept, space as '+', the rest %XX.
std::string form_encode(std::string_view text);

// One query value for a URL: RFC 3986 unreserved characters kept, everything else %XX (space as
// %20, '+' as %2B), so both form decoders and plain RFC 3986 decoders read it back unchanged.
std::string percent_encode(std::string_view text);

// Builds `a=1&b=2` into wiped memory. Values are views; nothing is copied into a std::string.
class FormBody {
 public:
  FormBody& add(std::string_view name, std::string_view value);
  crypto::SecretBytes take() { return std::move(body_); }

 private:
  void append(std::string_view text);
  crypto::SecretBytes body_;
};

}  // namespace dragops::oauth
