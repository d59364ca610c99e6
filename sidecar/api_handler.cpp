#include "api_handler.hpp"

#include "json_text.hpp"

#include "crypto/base64.hpp"
#include "crypto/envelope.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <ctime>

namespace dragops::sidecar {

namespace json = boost::json;

namespace {

constexpr std::string_view kBearer = "Bearer ";

bool is_dns1123_subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

// The host part of a Host header value: "localhost:8900" -> "localhost", "[::1]:1" -> "[::1]".
std::string_view host_of(std::string_view value) {
  if (!value.empty() && value.front() == '[') {
    auto close = value.find(']');
    return close == std::string_view::npos ? std::string_view() : value.substr(0, close + 1);
  }
  auto colon = value.find(':');
  return colon == std::string_view::npos ? value : value.substr(0, colon);
}

struct Route {
  std::string_view label = "other";
  std::string name;
  Kind kind = Kind::connection;
  bool token_only = false;
  bool found = false;
};

Route parse_route(std::string_view target) {
  Route route;
  target = target.substr(0, target.find('?'));
  auto take = [&](std::string_view prefix) {
    if (target.substr(0, prefix.size()) != prefix) return false;
    target.remove_prefix(prefix.size());
    return true;
  };
  if (take("/v1/connections/")) {
    route.kind = Kind::connection;
    route.label = "connection";
    if (target.size() > 6 && target.substr(target.size() - 6) == "/token") {
      target.remove_suffix(6);
      route.token_only = true;
      route.label = "connection_token";
    }
  } else if (take("/v1/secrets/")) {
    route.kind = Kind::secret;
    route.label = "secret";
  } else {
    return route;
  }
  if (!is_dns1123_subdomain(target)) return route;
  route.name = std::string(target);
  route.found = true;
  return route;
}

}  // namespace

http::Response error_response(int status, std::string_view code, std::string_view message) {
  http::Response response;
  response.status = status;
  response.set_header("Content-Type", "application/json");
  response.set_header("Cache-Control", "no-store");
  response.body.reserve(48 + code.size() + message.size() * 6);
  response.body += R"({"error":{"code":)";
  append_json_string(response.body, code);
  response.body += R"(,"message":)";
  append_json_string(response.body, message);
  response.body += "}}";
  return response;
}

bool parse_rfc3339(std::string_view text, Clock::time_point& out) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (text.size() < 20) return false;
  auto number = [&](std::size_t pos, std::size_t len, int& value) {
    auto [end, err] = std::from_chars(text.data() + pos, text.data() + pos + len, value);
    return err == std::errc() && end == text.data() + pos + len;
  };
  std::tm tm{};
  int year, month, day, hour, minute, second;
  if (!number(0, 4, year) || text[4] != '-' || !number(5, 2, month) || text[7] != '-' || !number(8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !number(11, 2, hour) || text[13] != ':' || !number(14, 2, minute) ||
      text[16] != ':' || !number(17, 2, second)) {
    return false;
  }
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  }
  int offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) {
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
    int oh, om;
    if (!number(pos + 1, 2, oh) || !number(pos + 4, 2, om)) return false;
    offset_seconds = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
  } else {
    return false;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  out = Clock::from_time_t(t - offset_seconds);
  return true;
}

std::string token_field(const store::Manifest& manifest, const Envelopes& envelopes) {
  std::vector<std::string_view> fields;
  for (const auto& item : manifest.served)
    if (envelopes.contains("field." + item)) fields.push_back(item);
  auto present = [&](std::string_view item) { return std::find(fields.begin(), fields.end(), item) != fields.end(); };
  if (!manifest.token_field.empty()) return present(manifest.token_field) ? manifest.token_field : std::string();
  if (manifest.auth_type == "oauth2") return present("access_token") ? "access_token" : std::string();
  if (fields.size() == 1) return std::string(fields.front());
  for (std::string_view preferred : {"api_key", "api_token", "token", "access_token", "password", "secret"}) {
    if (present(preferred)) return std::string(preferred);
  }
  return {};
}

ApiHandler::ApiHandler(const Config& config, const StoreCache& cache, crypto::SecretBytes token,
                       std::function<Clock::time_point()> now, ApiObserver& observer, RefreshGates gates)
    : config_(config),
      cache_(cache),
      token_(std::move(token)),
      now_(std::move(now)),
      observer_(observer),
      gates_(std::move(gates)) {}

http::Response ApiHandler::operator()(const http::Request& request) const {
  AuditRecord record;
  record.pod_namespace = config_.pod_namespace;
  record.pod = config_.pod_name;
  std::string item;
  Route route = parse_route(request.target);
  record.route = route.label;
  item = route.name;
  record.item = item;
  http::Response response = handle(request, record);
  record.status = response.status;
  if (response.status == 200) record.outcome = "ok";
  observer_.on_request(record);
  return response;
}

http::Response ApiHandler::handle(const http::Request& request, AuditRecord& record) const {
  auto fail = [&](int status, std::string_view code, std::string_view message) {
    record.outcome = code;
    return error_response(status, code, message);
  };
  std::string_view host = host_of(request.header("host"));
  if (!is_loopback_host(host)) {
    return fail(400, "invalid_host", "the Host header must name a loopback address (127.0.0.1, localhost, [::1])");
  }
  if (request.method != "GET") {
    auto response = fail(405, "method_not_allowed", "only GET is supported");
    response.set_header("Allow", "GET");
    return response;
  }
  std::string_view authorization = request.header("authorization");
  bool authorized = false;
  if (authorization.substr(0, kBearer.size()) == kBearer) {
    std::string_view presented = authorization.substr(kBearer.size());
    authorized = presented.size() == token_.size() && !token_.empty() &&
                 CRYPTO_memcmp(presented.data(), token_.data(), token_.size()) == 0;
  }
  if (!authorized) {
    auto response = fail(401, "unauthorized", "missing or wrong bearer token (read it from DRAGOPS_TOKEN_FILE)");
    response.set_header("WWW-Authenticate", "Bearer");
    return response;
  }
  Route route = parse_route(request.target);
  if (!route.found) return fail(404, "not_found", "no such route; see /v1/connections/{name} and /v1/secrets/{name}");
  if (!cache_.tracked(route.kind, route.name)) {
    return fail(403, "not_allowed",
                route.kind == Kind::connection ? "this pod's dragops.io/connections annotation does not list this connection"
                                               : "this pod's dragops.io/secrets annotation does not list this secret");
  }
  http::Response response = route.kind == Kind::connection ? connection(route.name, route.token_only, record)
                                                           : secret(route.name, record);
  return response;
}

}  // namespace dragops::sidecar
