#include "oauth/token_request.hpp"

#include "crypto/base64.hpp"

#include <gtest/gtest.h>

namespace dragops::oauth {
namespace {

ClientCredentials client(ClientAuthMethod method) {
  return {"my client", crypto::SecretBytes::from_string("s3cr:t+/"), method};
}

std::string decoded_basic(const crypto::SecretBytes& header) {
  const std::string_view value = header.view();
  EXPECT_TRUE(value.starts_with("Basic "));
  const auto raw = crypto::base64_decode(value.substr(6));
  EXPECT_TRUE(raw);
  return raw ? std::string(raw->begin(), raw->end()) : std::string();
}

TEST(AuthorizationCodeRequest, UsesBasicAuthWithFormEncodedCredentials) {
  const auto r = authorization_code_request("https://p/token", client(ClientAuthMethod::client_secret_basic),
                                            "code/1", "https://cb/x?y=1", "verifier-abc");
  EXPECT_EQ(r.url, "https://p/token");
  EXPECT_EQ(decoded_basic(r.authorization), "my+client:s3cr%3At%2B%2F");
  EXPECT_EQ(r.body.view(),
            "grant_type=authorization_code&code=code%2F1&redirect_uri=https%3A%2F%2Fcb%2Fx%3Fy%3D1"
            "&code_verifier=verifier-abc");
}

TEST(AuthorizationCodeRequest, PutsTheCredentialsInTheBodyForClientSecretPost) {
  const auto r = authorization_code_request("https://p/token", client(ClientAuthMethod::client_secret_post), "c",
                                            "https://cb", "v");
  EXPECT_TRUE(r.authorization.empty());
  EXPECT_EQ(r.body.view(),
            "grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fcb&code_verifier=v"
            "&client_id=my+client&client_secret=s3cr%3At%2B%2F");
}

TEST(RefreshTokenRequest, SendsTheRefreshGrant) {
  const auto r = refresh_token_request("https://p/token", client(ClientAuthMethod::client_secret_basic), "rt+1");
  EXPECT_EQ(r.body.view(), "grant_type=refresh_token&refresh_token=rt%2B1");
  EXPECT_FALSE(r.authorization.empty());
}

TEST(RevocationRequest, SendsTheTokenAndItsHint) {
  const auto r = revocation_request("https://p/revoke", client(ClientAuthMethod::client_secret_post), "tok",
                                    "refresh_token");
  EXPECT_EQ(r.url, "https://p/revoke");
  EXPECT_EQ(r.body.view(), "token=tok&token_type_hint=refresh_token&client_id=my+client&client_secret=s3cr%3At%2B%2F");
}

TEST(RevocationRequest, LeavesOutAnEmptyHint) {
  const auto r = revocation_request("https://p/revoke", client(ClientAuthMethod::client_secret_basic), "tok", "");
  EXPECT_EQ(r.body.view(), "token=tok");
}

TEST(ClientAuthMethod, ParsesThePackNamesOnly) {
  EXPECT_EQ(parse_client_auth_method("client_secret_basic"), ClientAuthMethod::client_secret_basic);
  EXPECT_EQ(parse_client_auth_method("client_secret_post"), ClientAuthMethod::client_secret_post);
  EXPECT_FALSE(parse_client_auth_method("private_key_jwt"));
}

}  // namespace
}  // namespace dragops::oauth
