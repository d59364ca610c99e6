#pragma once
// What can go wrong talking to a provider, as a value. Messages name the endpoint, the step and
// the provider's error code and description (scrubbed of every token and secret we sent), never
// a token value.

#include <boost/assert/source_location.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dragops::oauth {

enum class ErrorKind {
  transport,           // no HTTP answer: connect, TLS, timeout, size limit
  provider,            // an OAuth error response (RFC 6749 section 5.2): code holds `error`
  http_status,         // an HTTP error status without an OAuth error body
  malformed_response,  // 2xx but not a usable token response
  not_supported,       // e.g. revocation without a revocation endpoint
};

struct OAuthError {
  ErrorKind kind = ErrorKind::transport;
  std::string code;         // `error` of a provider error ("invalid_grant", ...), else ""
  std::string description;  // scrubbed `error_description` or our own words
  int http_status = 0;
  std::optional<std::chrono::seconds> retry_after;

  // invalid_grant: the refresh token (or code) is dead; only a new authorization helps.
  bool needs_reauthorization() const { return kind == ErrorKind::provider && code == "invalid_grant"; }
  // Worth trying again later: transport failures, 5xx, 429, temporarily_unavailable, server_error.
  bool retryable() const;
  std::string message() const;
};

// Lets result<T, OAuthError>::value() throw (tests and startup code only).
[[noreturn]] void throw_exception_from_error(const OAuthError& error, const boost::source_location& loc);

}  // namespace dragops::oauth
