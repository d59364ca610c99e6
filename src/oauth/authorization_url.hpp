#pragma once
// The URL the person opens to authorize: the pack's authorizeURL plus response_type=code,
// client_id, redirect_uri, scope, state, code_challenge and code_challenge_method=S256, every
// value percent-encoded by Boost.URL. Query parameters already in the authorizeURL are kept;
// ours replace any of the same name.

#include <boost/system/result.hpp>

#include <string>
#include <utility>
#include <vector>

namespace dragops::oauth {

struct AuthorizationRequest {
  std::string authorize_url;  // absolute http(s) URL from the pack
  std::string client_id;
  std::string redirect_uri;
  std::vector<std::string> scopes;  // joined with spaces
  std::string state;
  std::string code_challenge;  // empty: no PKCE (a pack with pkce: false)
  // Provider-specific extras, e.g. {"prompt","consent"} for OpenID providers to issue refresh
  // tokens for offline_access, {"access_type","offline"} for Google.
  std::vector<std::pair<std::string, std::string>> extra_params;
};

enum class AuthorizationUrlError { invalid_url, not_http, missing_parameter };

// Lets result<T, AuthorizationUrlError>::value() throw (tests and startup code only).
[[noreturn]] void throw_exception_from_error(const AuthorizationUrlError& error, const boost::source_location& loc);

boost::system::result<std::string, AuthorizationUrlError> build_authorization_url(
    const AuthorizationRequest& request);

}  // namespace dragops::oauth
