#include "http/client_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace dragops::http {

std::optional<Endpoint> parse_endpoint(std::string_view url, std::string* error) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    *error = "not an absolute URL";
    return std::nullopt;
  }
  const boost::urls::url_view& u = *parsed;
  Endpoint endpoint;
  const auto scheme = u.scheme_id();
  if (scheme == boost::urls::scheme::https) {
    endpoint.tls = true;
  } else if (scheme != boost::urls::scheme::http) {
    *error = "unsupported URL scheme '" + std::string(u.scheme()) + "'";
    return std::nullopt;
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    *error = "URL has no host";
    return std::nullopt;
  }
  const auto host_type = u.host_type();
  endpoint.host_is_ip = host_type == boost::urls::host_type::ipv4 || host_type == boost::urls::host_type::ipv6;
  endpoint.host = host_type == boost::urls::host_type::ipv6 ? std::string(u.host_address()) : std::string(u.encoded_host());
  endpoint.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : (endpoint.tls ? "443" : "80");
  endpoint.host_header = std::string(u.encoded_host_and_port());
  endpoint.target = std::string(u.encoded_path());
  if (endpoint.target.empty()) endpoint.target = "/";
  if (u.has_query()) {
    endpoint.target += '?';
    endpoint.target += u.encoded_query();
  }
  return endpoint;
}

}  // namespace dragops::http
