#include "web_security.hpp"

#include <algorithm>

namespace dragops::dashboard {

std::string_view content_security_policy() {
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
         "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

void add_security_headers(http::Response& response, bool api_answer) {
  response.set_header("Content-Security-Policy", std::string(content_security_policy()));
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Cross-Origin-Opener-Policy", "same-origin");
  response.set_header("Cross-Origin-Resource-Policy", "same-origin");
  response.set_header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
  if (api_answer) {
    response.set_header("Cache-Control", "no-store");
  } else {
    response.set_header("Cache-Control", "no-cache");
  }
}

bool is_unsafe_method(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool origin_allowed(const http::Request& request, const std::vector<std::string>& allowed_origins) {
  if (!is_unsafe_method(request.method)) return true;
  if (!request.has_header("origin")) return false;
  const std::string_view origin = request.header("origin");
  if (origin.empty() || origin == "null") return false;
  if (request.has_header("sec-fetch-site") && request.header("sec-fetch-site") != "same-origin") return false;
  if (!allowed_origins.empty()) {
    return std::find(allowed_origins.begin(), allowed_origins.end(), origin) != allowed_origins.end();
  }
  const std::string_view host = request.header("host");
  if (host.empty()) return false;
  return origin == "http://" + std::string(host) || origin == "https://" + std::string(host);
}

std::string session_cookie(std::string_view id, std::chrono::seconds max_age, bool secure) {
  std::string cookie(kSessionCookie);
  cookie += "=";
  cookie += id;
  cookie += "; Path=/; Max-Age=" + std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict";
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string cleared_session_cookie(bool secure) { return session_cookie("", std::chrono::seconds(0), secure); }

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return {};
}

}  // namespace dragops::dashboard
