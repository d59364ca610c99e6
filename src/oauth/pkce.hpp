#pragma once
// PKCE (RFC 7636) with the S256 method only: the verifier is 43 to 128 characters of the
// unreserved alphabet, the challenge is base64url(SHA-256(verifier)).
//
// Two ways to get a verifier:
// - make_pkce(): 32 bytes from the CSPRNG (a 43-character verifier); the caller keeps it until
//   the callback.
// - derive_pkce(key, nonce): HMAC-SHA256(key, "dragops-pkce.v1" || nonce), base64url. The
//   operator uses this with the nonce of the signed state, so it does not have to store the
//   verifier anywhere between the authorization URL and the callback: the state is public, the
//   verifier is not computable without the operator's key (256 bits either way).

#include "crypto/secret_bytes.hpp"

#include <span>
#include <string>
#include <string_view>

namespace dragops::oauth {

inline constexpr std::size_t kPkceMinVerifierLength = 43;
inline constexpr std::size_t kPkceMaxVerifierLength = 128;
inline constexpr std::string_view kPkceMethod = "S256";

struct Pkce {
  crypto::SecretBytes verifier;  // the code_verifier (ASCII), sent only to the token endpoint
  std::string challenge;         // the code_challenge, public
};

Pkce make_pkce();
Pkce derive_pkce(const crypto::SecretBytes& key, std::string_view nonce);

// base64url(SHA-256(verifier)).
std::string pkce_challenge(std::string_view verifier);
// 43..128 characters of [A-Za-z0-9-._~].
bool is_valid_pkce_verifier(std::string_view verifier);

}  // namespace dragops::oauth
