#include "oauth/error.hpp"

#include "oauth/authorization_url.hpp"
#include "oauth/state.hpp"
#include "oauth/token_store.hpp"

#include <stdexcept>

namespace dragops::oauth {

bool OAuthError::retryable() const {
  switch (kind) {
    case ErrorKind::transport: return true;
    case ErrorKind::provider:
      return code == "temporarily_unavailable" || code == "server_error" || http_status >= 500 || http_status == 429;
    case ErrorKind::http_status: return http_status >= 500 || http_status == 429 || http_status == 408;
    case ErrorKind::malformed_response: return true;
    case ErrorKind::not_supported: return false;
  }
  return false;
}

std::string OAuthError::message() const {
  std::string out;
  switch (kind) {
    case ErrorKind::transport: out = "provider unreachable"; break;
    case ErrorKind::provider: out = "provider error " + code; break;
    case ErrorKind::http_status: out = "provider answered HTTP " + std::to_string(http_status); break;
    case ErrorKind::malformed_response: out = "malformed provider response"; break;
    case ErrorKind::not_supported: out = "not supported"; break;
  }
  if (!description.empty()) out += ": " + description;
  return out;
}

void throw_exception_from_error(const OAuthError& error, const boost::source_location&) {
  throw std::runtime_error("oauth: " + error.message());
}

void throw_exception_from_error(const StateError& error, const boost::source_location&) {
  throw std::runtime_error("oauth state: " + std::string(to_string(error)));
}

void throw_exception_from_error(const AuthorizationUrlError&, const boost::source_location&) {
  throw std::runtime_error("oauth: invalid authorization URL request");
}

void throw_exception_from_error(const StoreError& error, const boost::source_location&) {
  throw std::runtime_error("oauth token store: " + std::string(to_string(error)));
}

}  // namespace dragops::oauth
