#pragma once
// Parsing what token, revocation and introspection endpoints answer. Every error keeps the
// provider's `error` code and a scrubbed `error_description`: any of the secrets passed in
// `sent` (the code, the refresh token, the client secret) is replaced before it can reach a
// message, and the description is cut to a printable line.

#include "crypto/secret_bytes.hpp"
#include "oauth/error.hpp"
#include "oauth/token_set.hpp"

#include <boost/system/result.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

namespace dragops::oauth {

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string retry_after;  // the Retry-After header, if any
  crypto::SecretBytes body;
};

using Secrets = std::initializer_list<const crypto::SecretBytes*>;

// RFC 6749 section 5.1 / 5.2. Providers that answer errors with 200 (GitHub) are handled:
// any body with an `error` member is an error. expires_in may be a number or a numeric string.
boost::system::result<TokenSet, OAuthError> parse_token_response(const HttpReply& reply, SystemTime now,
                                                                 Secrets sent = {});

// RFC 7009 section 2.2: 200 is success (also for unknown tokens); 503 is retryable.
boost::system::result<void, OAuthError> parse_revocation_response(const HttpReply& reply, Secrets sent = {});

struct Introspection {
  bool active = false;
  std::string client_id;
  std::string scope;
  std::string token_type;
  std::optional<SystemTime> expires_at;
};

boost::system::result<Introspection, OAuthError> parse_introspection_response(const HttpReply& reply,
                                                                              Secrets sent = {});

// Replaces every occurrence of a non-empty secret with "[redacted]", drops control characters
// and cuts to max_size bytes.
std::string scrub(std::string_view text, Secrets secrets, std::size_t max_size = 300);

}  // namespace dragops::oauth
