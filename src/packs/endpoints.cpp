#include "packs/endpoints.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace dragops::packs {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  // 127.0.0.0/8
  if (!host.starts_with("127.")) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

// Boost.URL 1.81 reads "http://127.0.0.1.evil.example/t" as host 127.0.0.1 with the path
// ".evil.example/t"; RFC 3986 wants a path after an authority to be empty or start with '/'.
// Such a URL is refused, so that no two parsers disagree on the host.
bool well_formed(const boost::urls::url_view& url) {
  const auto path = url.encoded_path();
  return url.has_authority() && !url.encoded_host().empty() && (path.empty() || path.front() == '/');
}

}  // namespace

std::string origin_of(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || !well_formed(*parsed)) return {};
  const auto scheme = parsed->scheme_id();
  if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) return {};
  if (!parsed->has_authority() || parsed->encoded_host().empty()) return {};
  std::string origin = lower(parsed->scheme()) + "://" + lower(parsed->encoded_host());
  if (parsed->has_port()) {
    const auto port = parsed->port_number();
    const bool default_port = (scheme == boost::urls::scheme::https && port == 443) || (scheme == boost::urls::scheme::http && port == 80);
    if (!default_port) origin += ":" + std::string(parsed->port());
  }
  return origin;
}

std::optional<std::string> endpoint_problem(std::string_view url, const EndpointPolicy& policy) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || !well_formed(*parsed)) return std::string("is not an absolute URL with a host");
  if (!parsed->userinfo().empty()) return std::string("must not carry a user or password");
  const auto scheme = parsed->scheme_id();
  if (scheme == boost::urls::scheme::https) return std::nullopt;
  if (scheme == boost::urls::scheme::http) {
    const bool loopback = is_loopback_host(lower(parsed->encoded_host()));
    if (loopback && policy.allow_insecure_loopback) return std::nullopt;
    return std::string(loopback ? "must use https (http:// to a loopback host only with the operator flag "
                                  "--allow-insecure-loopback-endpoints, for tests)"
                                : "must use https: it receives client secrets, codes and refresh tokens");
  }
  return std::string("must use https");
}

std::optional<std::string> endpoints_problem(const Pack& pack, const EndpointPolicy& policy) {
  if (!pack.oauth) return std::nullopt;
  const struct {
    std::string_view field;
    const std::string& url;
  } endpoints[] = {{"spec.oauth.authorizeURL", pack.oauth->authorize_url},
                   {"spec.oauth.tokenURL", pack.oauth->token_url},
                   {"spec.oauth.revokeURL", pack.oauth->revoke_url}};
  for (const auto& endpoint : endpoints) {
    if (endpoint.url.empty()) continue;
    if (auto problem = endpoint_problem(endpoint.url, policy)) return std::string(endpoint.field) + ": " + *problem;
  }
  return std::nullopt;
}

}  // namespace dragops::packs
