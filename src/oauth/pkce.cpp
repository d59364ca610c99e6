#include "oauth/pkce.hpp"

#include "crypto/random.hpp"
#include "oauth/digest.hpp"
#include "oauth/encoding.hpp"

#include <array>
#include <string>

namespace dragops::oauth {

namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

Pkce pkce_from_bytes(std::span<const std::uint8_t> entropy) {
  std::string verifier = base64url_encode(entropy);
  Pkce out{crypto::SecretBytes::from_string(verifier), pkce_challenge(verifier)};
  crypto::wipe(verifier.data(), verifier.size());
  return out;
}

}  // namespace

Pkce make_pkce() {
  std::array<std::uint8_t, 32> entropy{};
  crypto::random_bytes(entropy);
  Pkce out = pkce_from_bytes(entropy);
  crypto::wipe(entropy.data(), entropy.size());
  return out;
}

Pkce derive_pkce(const crypto::SecretBytes& key, std::string_view nonce) {
  std::string input = "dragops-pkce.v1";
  input.append(nonce);
  Digest mac = hmac_sha256(key.span(), bytes_of(input));
  Pkce out = pkce_from_bytes(mac);
  crypto::wipe(mac.data(), mac.size());
  return out;
}

std::string pkce_challenge(std::string_view verifier) { return base64url_encode(sha256(bytes_of(verifier))); }

bool is_valid_pkce_verifier(std::string_view verifier) {
  if (verifier.size() < kPkceMinVerifierLength || verifier.size() > kPkceMaxVerifierLength) return false;
  for (unsigned char c : verifier) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}

}  // namespace dragops::oauth
