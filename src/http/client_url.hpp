#pragma once
// Internal to src/http: splits a request URL into what a connection needs.

#include <optional>
#include <string>
#include <string_view>

namespace dragops::http {

struct Endpoint {
  bool tls = false;
  std::string host;         // without brackets, as resolved and verified
  std::string port;         // numeric
  std::string host_header;  // as sent in Host:
  std::string target;       // path?query, at least "/"
  bool host_is_ip = false;

  std::string pool_key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

// nullopt with a reason in *error when the URL is not an absolute http(s) URL.
std::optional<Endpoint> parse_endpoint(std::string_view url, std::string* error);

}  // namespace dragops::http
