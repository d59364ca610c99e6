#pragma once
// The tokens of one Connection. Token values live in crypto::SecretBytes: wiped when dropped,
// never streamed to a log. expires_at is absent when the provider did not say (a token that does
// not expire, like a GitHub OAuth App token).

#include "crypto/secret_bytes.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace dragops::oauth {

using SystemTime = std::chrono::system_clock::time_point;

struct TokenSet {
  crypto::SecretBytes access_token;
  crypto::SecretBytes refresh_token;  // empty: none
  std::string token_type = "Bearer";
  std::string scope;
  std::optional<SystemTime> expires_at;
  // When the access token was issued (expires_at - expires_in). Absent when nobody knows, e.g.
  // tokens bootstrapped from a credentialsRef Secret: their lifetime is unknown (refresh_policy).
  std::optional<SystemTime> obtained_at;

  bool has_refresh_token() const { return !refresh_token.empty(); }
  bool expired_at(SystemTime now) const { return expires_at && *expires_at <= now; }
  std::optional<std::chrono::seconds> lifetime() const;   // nullopt: unknown or no expiry
};

// The token set to store after a refresh: the fresh one, except that a refresh answer without a
// refresh_token keeps the previous one (RFC 6749 section 6: the client keeps using it), and an
// answer without a scope keeps the previous scope (section 5.1: then it is unchanged).
TokenSet merge_refreshed(const TokenSet& previous, TokenSet fresh);

// True if b is the same grant state as a: same refresh token, same access token, same expiry.
bool same_tokens(const TokenSet& a, const TokenSet& b);

}  // namespace dragops::oauth
