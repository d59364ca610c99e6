#include "oauth/token_response.hpp"

#include <gtest/gtest.h>

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = SystemTime(std::chrono::seconds(1'800'000'000));

HttpReply reply(int status, std::string_view body, std::string retry_after = "") {
  return {status, "application/json", std::move(retry_after), crypto::SecretBytes::from_string(body)};
}

TEST(TokenResponse, ParsesAFullAnswer) {
  const auto tokens = parse_token_response(
      reply(200, R"({"access_token":"at-1","token_type":"bearer","expires_in":3600,"refresh_token":"rt-1","scope":"a b"})"),
      kNow);
  ASSERT_TRUE(tokens) << tokens.error().message();
  EXPECT_EQ(tokens->access_token.view(), "at-1");
  EXPECT_EQ(tokens->refresh_token.view(), "rt-1");
  EXPECT_EQ(tokens->token_type, "bearer");
  EXPECT_EQ(tokens->scope, "a b");
  EXPECT_EQ(tokens->obtained_at, kNow);
  EXPECT_EQ(tokens->expires_at, kNow + 3600s);
  EXPECT_EQ(tokens->lifetime(), 3600s);
}

TEST(TokenResponse, AcceptsAnAnswerWithoutRefreshTokenOrExpiry) {
  const auto tokens = parse_token_response(reply(200, R"({"access_token":"at","token_type":"Bearer"})"), kNow);
  ASSERT_TRUE(tokens);
  EXPECT_FALSE(tokens->has_refresh_token());
  EXPECT_FALSE(tokens->expires_at);
}

TEST(TokenResponse, AcceptsExpiresInAsAString) {
  const auto tokens = parse_token_response(reply(200, R"({"access_token":"at","expires_in":"60"})"), kNow);
  ASSERT_TRUE(tokens);
  EXPECT_EQ(tokens->expires_at, kNow + 60s);
}

TEST(TokenResponse, TurnsAnOAuthErrorIntoATypedError) {
  const auto tokens = parse_token_response(
      reply(400, R"({"error":"invalid_grant","error_description":"grant request is invalid"})"), kNow);
  ASSERT_FALSE(tokens);
  EXPECT_EQ(tokens.error().kind, ErrorKind::provider);
  EXPECT_EQ(tokens.error().code, "invalid_grant");
  EXPECT_EQ(tokens.error().http_status, 400);
  EXPECT_TRUE(tokens.error().needs_reauthorization());
  EXPECT_FALSE(tokens.error().retryable());
  EXPECT_EQ(tokens.error().message(), "provider error invalid_grant: grant request is invalid");
}

TEST(TokenResponse, TreatsAnErrorMemberIn200AsAnError) {
  // GitHub answers a bad code with 200 and an error body.
  const auto tokens = parse_token_response(reply(200, R"({"error":"bad_verification_code"})"), kNow);
  ASSERT_FALSE(tokens);
  EXPECT_EQ(tokens.error().code, "bad_verification_code");
}

TEST(TokenResponse, ScrubsSentSecretsFromTheDescription) {
  const auto canary = crypto::SecretBytes::from_string("CANARY-refresh-token-4711");
  const auto tokens = parse_token_response(
      reply(400, R"({"error":"invalid_grant","error_description":"token CANARY-refresh-token-4711 is dead"})"), kNow,
      {&canary});
  ASSERT_FALSE(tokens);
  EXPECT_EQ(tokens.error().message().find("CANARY"), std::string::npos);
  EXPECT_NE(tokens.error().message().find("[redacted]"), std::string::npos);
}

TEST(TokenResponse, ReportsAServerErrorAsRetryableWithRetryAfter) {
  const auto tokens = parse_token_response(reply(503, "<html>down</html>", "7"), kNow);
  ASSERT_FALSE(tokens);
  EXPECT_EQ(tokens.error().kind, ErrorKind::http_status);
  EXPECT_TRUE(tokens.error().retryable());
  EXPECT_EQ(tokens.error().retry_after, 7s);
}

TEST(TokenResponse, CallsAnswersWithoutAccessTokenMalformed) {
  for (const std::string_view body : {R"({"token_type":"bearer"})", "not json", R"([1,2])",
                                      R"({"access_token":""})", R"({"access_token":"a","expires_in":-5})",
                                      R"({"access_token":"a","expires_in":"soon"})"}) {
    const auto tokens = parse_token_response(reply(200, body), kNow);
    ASSERT_FALSE(tokens) << body;
    EXPECT_EQ(tokens.error().kind, ErrorKind::malformed_response) << body;
  }
}

TEST(RevocationResponse, Takes200AsSuccessAndAnythingElseAsAnError) {
  EXPECT_TRUE(parse_revocation_response(reply(200, "")));
  const auto unsupported = parse_revocation_response(reply(400, R"({"error":"unsupported_token_type"})"));
  ASSERT_FALSE(unsupported);
  EXPECT_EQ(unsupported.error().code, "unsupported_token_type");
  EXPECT_FALSE(unsupported.error().retryable());
  EXPECT_TRUE(parse_revocation_response(reply(503, "")).error().retryable());
}

TEST(IntrospectionResponse, ReadsActiveAndExpiry) {
  const auto active = parse_introspection_response(
      reply(200, R"({"active":true,"client_id":"c","exp":1800000060,"scope":"openid","token_type":"Bearer"})"));
  ASSERT_TRUE(active);
  EXPECT_TRUE(active->active);
  EXPECT_EQ(active->client_id, "c");
  EXPECT_EQ(active->expires_at, kNow + 60s);
  const auto inactive = parse_introspection_response(reply(200, R"({"active":false})"));
  ASSERT_TRUE(inactive);
  EXPECT_FALSE(inactive->active);
  EXPECT_FALSE(parse_introspection_response(reply(200, R"({})")));
}

TEST(Scrub, DropsControlCharactersAndCutsLongText) {
  EXPECT_EQ(scrub("a\nb\x01" "c", {}), "abc");
  EXPECT_EQ(scrub(std::string(1000, 'x'), {}).size(), 300u);
}

}  // namespace
}  // namespace dragops::oauth
