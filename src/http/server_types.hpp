#pragma once
// The request and response a server handler sees: plain values, no sockets, no Beast.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dragops::http {

struct Request {
  std::string method;    // "GET", ...
  std::string target;    // origin-form as received: "/v1/secrets/db?x=1"
  // Header names are lower-cased; values as received.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First value of a header (name in lower case); empty if absent.
  std::string_view header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return value;
    }
    return {};
  }
  bool has_header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return true;
    }
    return false;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;   // Content-Length is set by the server
  std::string body;
  // The body holds plaintext: the server cleanses the buffer (OPENSSL_cleanse) once it has been
  // written or dropped. Set it on every answer that carries a credential.
  bool sensitive = false;

  Response() = default;
  Response(const Response&) = delete;   // copies of a sensitive body would escape the wipe
  Response& operator=(const Response&) = delete;
  Response(Response&& other) noexcept;
  Response& operator=(Response&& other) noexcept;
  ~Response();

  void set_header(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
  std::string_view header(std::string_view name) const;   // case-insensitive; empty if absent
  void wipe_body();   // cleanses and empties the body
};

}  // namespace dragops::http
