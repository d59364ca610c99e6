#include "http/server_types.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

namespace dragops::http {

Response::Response(Response&& other) noexcept
    : status(other.status),
      headers(std::move(other.headers)),
      body(std::move(other.body)),
      sensitive(other.sensitive) {
  // A moved-from std::string may keep its small-string buffer: wipe whatever is left there.
  other.wipe_body();
}

Response& Response::operator=(Response&& other) noexcept {
  if (this == &other) return *this;
  wipe_body();
  status = other.status;
  headers = std::move(other.headers);
  body = std::move(other.body);
  sensitive = other.sensitive;
  other.wipe_body();
  return *this;
}

Response::~Response() {
  if (sensitive) wipe_body();
}

void Response::wipe_body() {
  // Cleanse the whole capacity: an earlier, longer value may still sit past size().
  if (body.capacity() != 0) {
    body.resize(body.capacity());
    OPENSSL_cleanse(body.data(), body.size());
  }
  body.clear();
}

std::string_view Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return {};
}

}  // namespace dragops::http
