#include "oauth/authorization_url.hpp"

#include "oauth/encoding.hpp"
#include "oauth/pkce.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

namespace dragops::oauth {

boost::system::result<std::string, AuthorizationUrlError> build_authorization_url(
    const AuthorizationRequest& request) {
  if (request.client_id.empty() || request.redirect_uri.empty() || request.state.empty()) {
    return AuthorizationUrlError::missing_parameter;
  }
  auto parsed = boost::urls::parse_absolute_uri(request.authorize_url);
  if (!parsed) return AuthorizationUrlError::invalid_url;
  boost::urls::url url(*parsed);
  if (url.scheme() != "https" && url.scheme() != "http") return AuthorizationUrlError::not_http;
  if (url.encoded_host().empty()) return AuthorizationUrlError::invalid_url;

  std::string scope;
  for (const auto& s : request.scopes) {
    if (s.empty()) continue;
    if (!scope.empty()) scope += ' ';
    scope += s;
  }

  // set() replaces every existing parameter of that name and appends otherwise. Values are
  // encoded by us: Boost.URL would leave '+' as is, which form decoders read as a space.
  auto params = url.encoded_params();
  const auto set = [&](std::string_view name, std::string_view value) {
    const std::string encoded_name = percent_encode(name);
    const std::string encoded_value = percent_encode(value);
    params.set(boost::urls::pct_string_view(encoded_name), boost::urls::pct_string_view(encoded_value));
  };
  set("response_type", "code");
  set("client_id", request.client_id);
  set("redirect_uri", request.redirect_uri);
  if (!scope.empty()) set("scope", scope);
  set("state", request.state);
  if (!request.code_challenge.empty()) {
    set("code_challenge", request.code_challenge);
    set("code_challenge_method", kPkceMethod);
  }
  for (const auto& [name, value] : request.extra_params) set(name, value);
  url.remove_fragment();
  return std::string(url.buffer());
}

}  // namespace dragops::oauth
