#include "apiserver/json_util.hpp"

#include <boost/json/serialize.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace dragops::apiserver {

const json::value* find_path(const json::object& root, std::string_view dotted) {
  const json::object* current = &root;
  const json::value* found = nullptr;
  while (true) {
    auto dot = dotted.find('.');
    auto key = dotted.substr(0, dot);
    auto it = current->find(key);
    if (it == current->end()) return nullptr;
    found = &it->value();
    if (dot == std::string_view::npos) return found;
    if (!found->is_object()) return nullptr;
    current = &found->get_object();
    dotted.remove_prefix(dot + 1);
  }
}

std::string string_at(const json::object& root, std::string_view dotted) {
  const auto* v = find_path(root, dotted);
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->get_string());
}

std::vector<std::string> strings_at(const json::object& object, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = object.if_contains(key); v != nullptr && v->is_array())
    for (const auto& s : v->get_array())
      if (s.is_string()) out.emplace_back(s.get_string());
  return out;
}

json::object& ensure_object(json::object& parent, std::string_view key) {
  auto& slot = parent[key];
  if (!slot.is_object()) slot = json::object{};
  return slot.get_object();
}

const json::object& empty_object() {
  static const json::object empty;
  return empty;
}

const json::object& object_or_empty(const json::object& parent, std::string_view key) {
  auto it = parent.find(key);
  if (it == parent.end() || !it->value().is_object()) return empty_object();
  return it->value().get_object();
}

std::string to_json(const json::value& v) { return json::serialize(v); }

std::string value_repr(const json::value& v) {
  if (v.is_string()) return json::serialize(v);  // quoted
  if (v.is_object()) return "\"object\"";
  if (v.is_array()) return "\"array\"";
  return json::serialize(v);
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  std::string_view rest(end);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  long offset = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int h = 0, m = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &h, &m) != 2) return std::nullopt;
    offset = (h * 3600L + m * 60L) * (rest[0] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  std::time_t secs = timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(secs);
}

std::string human_duration(std::chrono::seconds d) {
  long long seconds = d.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  long long minutes = seconds / 60;
  if (minutes < 10) {
    long long s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  long long hours = seconds / 3600;
  if (hours < 8) {
    long long m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    long long h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    long long dy = (hours / 24) % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                   : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

std::string new_uid() {
  std::array<unsigned char, 16> b{};
  RAND_bytes(b.data(), static_cast<int>(b.size()));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::array<char, 37> out{};
  std::snprintf(out.data(), out.size(), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out.data();
}

std::string random_suffix(std::size_t length) {
  // kube's utilrand alphabet: no vowels, no confusable digits.
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  std::array<unsigned char, 64> b{};
  RAND_bytes(b.data(), static_cast<int>(b.size()));
  for (std::size_t i = 0; i < length && i < b.size(); ++i) out += kAlphabet[b[i] % kAlphabet.size()];
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  static constexpr std::string_view kChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      if (i < text.size() - 2) return std::nullopt;
      ++pad;
    } else if (pad > 0 || kChars.find(c) == std::string_view::npos) {
      return std::nullopt;
    }
  }
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::int64_t int_of(const json::value& v, std::int64_t fallback) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double()) {
    double d = v.get_double();
    if (!(d == d)) return fallback;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return static_cast<std::int64_t>(d);
  }
  return fallback;
}

std::uint64_t count_of(const json::value& v) {
  std::int64_t n = int_of(v, 0);
  return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

bool json_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const auto& signed_side = a.is_int64() ? a : b;
    const auto& unsigned_side = a.is_int64() ? b : a;
    return signed_side.get_int64() >= 0 &&
           static_cast<std::uint64_t>(signed_side.get_int64()) == unsigned_side.get_uint64();
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const auto& oa = a.get_object();
    const auto& ob = b.get_object();
    if (oa.size() != ob.size()) return false;
    for (const auto& kv : oa) {
      auto it = ob.find(kv.key());
      if (it == ob.end() || !json_equal(kv.value(), it->value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const auto& xa = a.get_array();
    const auto& xb = b.get_array();
    if (xa.size() != xb.size()) return false;
    for (std::size_t i = 0; i < xa.size(); ++i)
      if (!json_equal(xa[i], xb[i])) return false;
    return true;
  }
  return a == b;
}

}  // namespace dragops::apiserver
