#include "oauth/token_response.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <memory>

namespace dragops::oauth {

namespace {

// Parses into a buffer we wipe afterwards, so the token strings inside the JSON tree do not
// linger in freed heap memory (unless the tree outgrows the buffer, which a token answer does not).
class WipedJson {
 public:
  explicit WipedJson(std::string_view text) : buffer_(text.size() * 3 + 4096), resource_(buffer_.data(), buffer_.size()) {
    boost::system::error_code ec;
    value_ = boost::json::parse(text, ec, boost::json::storage_ptr(&resource_));
    if (ec) value_ = nullptr;
  }
  ~WipedJson() { value_ = nullptr; }  // release before the buffer is wiped by its destructor
  WipedJson(const WipedJson&) = delete;
  WipedJson& operator=(const WipedJson&) = delete;

  const boost::json::object* object() const { return value_.if_object(); }

 private:
  crypto::SecretBytes buffer_;
  boost::json::monotonic_resource resource_;
  boost::json::value value_;
};

std::string_view body_text(const HttpReply& reply) { return reply.body.view(); }

std::optional<std::chrono::seconds> parse_retry_after(std::string_view text) {
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc{} || end != text.data() + text.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

std::string string_member(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

std::optional<std::int64_t> integer_member(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64() && value->get_uint64() < (1ull << 62)) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double() && value->get_double() >= 0 && value->get_double() < 1e15) {
    return static_cast<std::int64_t>(value->get_double());
  }
  if (value->is_string()) {
    const auto text = value->get_string();
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc{} && end == text.data() + text.size()) return n;
  }
  return std::nullopt;
}

OAuthError error_from(const HttpReply& reply, const boost::json::object* object, Secrets sent) {
  OAuthError error;
  error.http_status = reply.status;
  error.retry_after = parse_retry_after(reply.retry_after);
  if (object != nullptr && object->contains("error")) {
    error.kind = ErrorKind::provider;
    error.code = scrub(string_member(*object, "error"), sent, 64);
    if (error.code.empty()) error.code = "unknown_error";
    error.description = scrub(string_member(*object, "error_description"), sent);
  } else {
    error.kind = ErrorKind::http_status;
  }
  return error;
}

OAuthError malformed(const HttpReply& reply, std::string why) {
  OAuthError error;
  error.kind = ErrorKind::malformed_response;
  error.http_status = reply.status;
  error.description = std::move(why);
  return error;
}

}  // namespace

std::string scrub(std::string_view text, Secrets secrets, std::size_t max_size) {
  std::string out(text);
  for (const auto* secret : secrets) {
    if (secret == nullptr || secret->empty()) continue;
    const std::string_view needle = secret->view();
    for (auto pos = out.find(needle); pos != std::string::npos; pos = out.find(needle, pos)) {
      out.replace(pos, needle.size(), "[redacted]");
      pos += 10;
    }
  }
  std::string clean;
  clean.reserve(std::min(out.size(), max_size));
  for (unsigned char c : out) {
    if (clean.size() >= max_size) break;
    if (c >= 0x20 && c != 0x7f) clean += static_cast<char>(c);
  }
  return clean;
}

boost::system::result<TokenSet, OAuthError> parse_token_response(const HttpReply& reply, SystemTime now,
                                                                 Secrets sent) {
  WipedJson json(body_text(reply));
  const auto* object = json.object();
  if (reply.status < 200 || reply.status >= 300 || (object != nullptr && object->contains("error"))) {
    return error_from(reply, object, sent);
  }
  if (object == nullptr) return malformed(reply, "token response is not a JSON object");
  const auto* access = object->if_contains("access_token");
  if (access == nullptr || !access->is_string() || access->get_string().empty()) {
    return malformed(reply, "token response has no access_token");
  }
  TokenSet tokens;
  tokens.access_token = crypto::SecretBytes::from_string(access->get_string());
  if (const auto* refresh = object->if_contains("refresh_token"); refresh && refresh->is_string()) {
    tokens.refresh_token = crypto::SecretBytes::from_string(refresh->get_string());
  }
  const std::string type = string_member(*object, "token_type");
  if (!type.empty()) tokens.token_type = type;
  tokens.scope = string_member(*object, "scope");
  tokens.obtained_at = std::chrono::time_point_cast<std::chrono::seconds>(now);
  if (object->contains("expires_in")) {
    const auto expires_in = integer_member(*object, "expires_in");
    if (!expires_in || *expires_in < 0) return malformed(reply, "token response has an invalid expires_in");
    tokens.expires_at = *tokens.obtained_at + std::chrono::seconds(*expires_in);
  }
  return tokens;
}

boost::system::result<void, OAuthError> parse_revocation_response(const HttpReply& reply, Secrets sent) {
  if (reply.status == 200) return {};
  WipedJson json(body_text(reply));
  return error_from(reply, json.object(), sent);
}

boost::system::result<Introspection, OAuthError> parse_introspection_response(const HttpReply& reply,
                                                                              Secrets sent) {
  WipedJson json(body_text(reply));
  const auto* object = json.object();
  if (reply.status != 200) return error_from(reply, object, sent);
  if (object == nullptr) return malformed(reply, "introspection response is not a JSON object");
  const auto* active = object->if_contains("active");
  if (active == nullptr || !active->is_bool()) return malformed(reply, "introspection response has no active");
  Introspection out;
  out.active = active->get_bool();
  out.client_id = string_member(*object, "client_id");
  out.scope = string_member(*object, "scope");
  out.token_type = string_member(*object, "token_type");
  if (const auto exp = integer_member(*object, "exp")) out.expires_at = SystemTime(std::chrono::seconds(*exp));
  return out;
}

}  // namespace dragops::oauth
