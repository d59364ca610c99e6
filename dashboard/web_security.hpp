#pragma once
// The browser-facing rules of the dashboard, as plain functions so that they are unit-tested
// without a socket: the security headers on every answer, the Origin check on unsafe methods,
// and the session cookie.

#include "http/server_types.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::dashboard {

inline constexpr std::string_view kSessionCookie = "dragops_session";

// Strict: scripts, styles, images and fetches from this origin only, no inline script or style,
// no plugins, no framing (frame-ancestors 'none'), no base-uri, forms only to this origin.
std::string_view content_security_policy();

// Adds CSP, X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer,
// X-Frame-Options: DENY, Cross-Origin-Opener-Policy and Cross-Origin-Resource-Policy:
// same-origin, Permissions-Policy; api answers also get Cache-Control: no-store.
void add_security_headers(http::Response& response, bool api_answer);

// GET, HEAD and OPTIONS are safe. Every other method needs an Origin header equal to one of
// allowed_origins, or, when that list is empty, to the request's own origin
// ("http://" or "https://" followed by its Host header). A Sec-Fetch-Site other than
// "same-origin" is refused too. Requests without Origin (curl, scripts) are refused.
bool is_unsafe_method(std::string_view method);
bool origin_allowed(const http::Request& request, const std::vector<std::string>& allowed_origins);

// Set-Cookie values: the session id, HttpOnly, SameSite=Strict, Path=/, Max-Age; Secure unless
// secure is false (only for plain-http development off localhost; browsers keep Secure cookies
// for http://localhost).
std::string session_cookie(std::string_view id, std::chrono::seconds max_age, bool secure = true);
std::string cleared_session_cookie(bool secure = true);

// The value of cookie name in a Cookie header ("a=1; b=2"), "" if absent.
std::string cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace dragops::dashboard
