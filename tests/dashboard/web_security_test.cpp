#include "web_security.hpp"

#include <gtest/gtest.h>

namespace dragops::dashboard {
namespace {

http::Request request(std::string method, std::vector<std::pair<std::string, std::string>> headers) {
  http::Request r;
  r.method = std::move(method);
  r.target = "/api/connections/team-a";
  r.headers = std::move(headers);
  return r;
}

TEST(Csp, IsStrictWithNoInlineScriptOrStyleAndNoFraming) {
  const std::string csp(content_security_policy());
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("style-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos);
  EXPECT_EQ(csp.find("*"), std::string::npos);
}

TEST(SecurityHeaders, EveryAnswerGetsThemAndApiAnswersAreNotStored) {
  http::Response page;
  add_security_headers(page, false);
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page.header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
  EXPECT_EQ(page.header("Content-Security-Policy"), content_security_policy());
  EXPECT_NE(page.header("Cache-Control"), "no-store");
  http::Response api;
  add_security_headers(api, true);
  EXPECT_EQ(api.header("Cache-Control"), "no-store");
  EXPECT_EQ(api.header("Referrer-Policy"), "no-referrer");
}

TEST(OriginCheck, SafeMethodsPassWithoutOrigin) {
  EXPECT_TRUE(origin_allowed(request("GET", {{"host", "localhost:8080"}}), {}));
  EXPECT_TRUE(origin_allowed(request("HEAD", {}), {}));
}

TEST(OriginCheck, UnsafeMethodsNeedTheirOwnOrigin) {
  for (std::string method : {"POST", "PATCH", "PUT", "DELETE"}) {
    EXPECT_FALSE(origin_allowed(request(method, {{"host", "localhost:8080"}}), {})) << method << " without Origin";
    EXPECT_FALSE(origin_allowed(request(method, {{"host", "localhost:8080"}, {"origin", "http://evil.example"}}), {}))
        << method;
    EXPECT_FALSE(origin_allowed(request(method, {{"host", "localhost:8080"}, {"origin", "null"}}), {})) << method;
    EXPECT_FALSE(origin_allowed(request(method, {{"host", "localhost:8080"}, {"origin", "http://localhost:8081"}}), {}))
        << method;
    EXPECT_TRUE(origin_allowed(request(method, {{"host", "localhost:8080"}, {"origin", "http://localhost:8080"}}), {}))
        << method;
    EXPECT_TRUE(origin_allowed(request(method, {{"host", "dash.example"}, {"origin", "https://dash.example"}}), {}))
        << method;
  }
}

TEST(OriginCheck, CrossSiteFetchMetadataIsRefusedEvenWithAMatchingOrigin) {
  EXPECT_FALSE(origin_allowed(request("POST", {{"host", "localhost:8080"},
                                               {"origin", "http://localhost:8080"},
                                               {"sec-fetch-site", "cross-site"}}),
                              {}));
  EXPECT_TRUE(origin_allowed(request("POST", {{"host", "localhost:8080"},
                                              {"origin", "http://localhost:8080"},
                                              {"sec-fetch-site", "same-origin"}}),
                             {}));
}

TEST(OriginCheck, AConfiguredListReplacesTheHostRule) {
  const std::vector<std::string> allowed = {"https://dash.example.com"};
  EXPECT_TRUE(origin_allowed(request("POST", {{"host", "10.0.0.1:8080"}, {"origin", "https://dash.example.com"}}), allowed));
  // Behind a proxy the Host may be anything: a matching Host is not enough once a list is set.
  EXPECT_FALSE(origin_allowed(request("POST", {{"host", "evil.example"}, {"origin", "https://evil.example"}}), allowed));
}

TEST(SessionCookie, IsHttpOnlySecureSameSiteStrict) {
  const auto cookie = session_cookie("abc", std::chrono::seconds(600));
  EXPECT_EQ(cookie, "dragops_session=abc; Path=/; Max-Age=600; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(session_cookie("abc", std::chrono::seconds(600), false).find("Secure"), std::string::npos);
  EXPECT_NE(cleared_session_cookie().find("Max-Age=0"), std::string::npos);
}

TEST(SessionCookie, IsFoundAmongOthers) {
  EXPECT_EQ(cookie_value("a=1; dragops_session=xyz; b=2", "dragops_session"), "xyz");
  EXPECT_EQ(cookie_value("dragops_session=xyz", "dragops_session"), "xyz");
  EXPECT_EQ(cookie_value("xdragops_session=1; other=2", "dragops_session"), "");
  EXPECT_EQ(cookie_value("", "dragops_session"), "");
}

}  // namespace
}  // namespace dragops::dashboard
