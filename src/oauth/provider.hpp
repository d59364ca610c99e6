#pragma once
// The OAuth provider seam. HttpProvider (http_provider.hpp) talks to a real authorization
// server; tests of the refresh logic substitute their own.

#include "crypto/secret_bytes.hpp"
#include "oauth/error.hpp"
#include "oauth/token_response.hpp"
#include "oauth/token_set.hpp"

#include <boost/system/result.hpp>

#include <string_view>

namespace dragops::oauth {

class OAuthProvider {
 public:
  virtual ~OAuthProvider() = default;

  // Authorization code grant (RFC 6749 section 4.1.3) with the PKCE verifier (empty: none).
  virtual boost::system::result<TokenSet, OAuthError> exchange_code(std::string_view code,
                                                                    std::string_view redirect_uri,
                                                                    const crypto::SecretBytes& code_verifier) = 0;
  // Refresh grant (section 6). The answer may or may not carry a new refresh token; merge it
  // with merge_refreshed().
  virtual boost::system::result<TokenSet, OAuthError> refresh(const crypto::SecretBytes& refresh_token) = 0;
  // RFC 7009. hint: "access_token" | "refresh_token".
  virtual boost::system::result<void, OAuthError> revoke(const crypto::SecretBytes& token,
                                                         std::string_view token_type_hint) = 0;
  // RFC 7662, for tests and diagnostics.
  virtual boost::system::result<Introspection, OAuthError> introspect(const crypto::SecretBytes& token,
                                                                      std::string_view token_type_hint = "") = 0;
};

}  // namespace dragops::oauth
