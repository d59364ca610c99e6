#pragma once
// Appends a JSON string literal to a buffer the caller reserved, so plaintext values are written
// exactly once into a buffer that is wiped later (no intermediate json::value copies).

#include <cstdio>
#include <string>
#include <string_view>

namespace dragops::sidecar {

// Worst case size of append_json_string's output for a value of `size` bytes.
constexpr std::size_t json_string_capacity(std::size_t size) { return size * 6 + 2; }

inline void append_json_string(std::string& out, std::string_view value) {
  out.push_back('"');
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

}  // namespace dragops::sidecar
