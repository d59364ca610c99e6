// IntegrationPack endpoints receive client secrets and refresh tokens (issue 12, finding 6):
// https only; loopback http only behind the operator's test flag; origins compared exactly.
#include "packs/endpoints.hpp"

#include <gtest/gtest.h>

namespace dragops::packs {
namespace {

const EndpointPolicy kStrict{};
const EndpointPolicy kTests{true};

TEST(PackEndpoints, HttpsIsAccepted) {
  EXPECT_FALSE(endpoint_problem("https://github.com/login/oauth/access_token", kStrict));
  EXPECT_FALSE(endpoint_problem("https://127.0.0.1:8443/token", kStrict));
}

TEST(PackEndpoints, HttpIsRefusedEvenOnLoopbackWithoutTheFlag) {
  auto remote = endpoint_problem("http://idp.example/token", kTests);
  ASSERT_TRUE(remote);
  EXPECT_NE(remote->find("must use https"), std::string::npos);
  auto loopback = endpoint_problem("http://127.0.0.1:9000/token", kStrict);
  ASSERT_TRUE(loopback);
  EXPECT_NE(loopback->find("--allow-insecure-loopback-endpoints"), std::string::npos);
}

TEST(PackEndpoints, LoopbackHttpOnlyWithTheFlag) {
  for (const char* url : {"http://127.0.0.1:9000/token", "http://localhost/token", "http://[::1]:80/t", "http://127.8.9.10/t"})
    EXPECT_FALSE(endpoint_problem(url, kTests)) << url;
  for (const char* url : {"http://127.0.0.1.attacker.example/t", "http://10.0.0.1/t", "http://localhost.example/t"})
    EXPECT_TRUE(endpoint_problem(url, kTests)) << url;
}

TEST(PackEndpoints, OtherSchemesUserinfoAndRelativeUrlsAreRefused) {
  EXPECT_TRUE(endpoint_problem("ftp://idp.example/token", kTests));
  EXPECT_TRUE(endpoint_problem("/token", kTests));
  EXPECT_TRUE(endpoint_problem("https://user:pass@idp.example/token", kTests));
}

TEST(PackEndpoints, NamesTheFieldOfTheFirstBadEndpoint) {
  Pack pack;
  pack.name = "p";
  pack.auth_type = AuthType::oauth2;
  pack.oauth = OAuthEndpoints{"https://idp.example/auth", "https://idp.example/token", "http://idp.example/revoke", true, {}, {}, ""};
  auto problem = endpoints_problem(pack, kTests);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->rfind("spec.oauth.revokeURL: ", 0), 0u) << *problem;
  pack.oauth->revoke_url.clear();
  EXPECT_FALSE(endpoints_problem(pack, kStrict));
  pack.oauth->token_url = "http://idp.example/token";
  EXPECT_EQ(endpoints_problem(pack, kStrict)->rfind("spec.oauth.tokenURL: ", 0), 0u);
}

TEST(PackEndpoints, OriginIsSchemeHostAndNonDefaultPort) {
  EXPECT_EQ(origin_of("https://IdP.Example:443/a/b?c"), "https://idp.example");
  EXPECT_EQ(origin_of("https://idp.example:8443/token"), "https://idp.example:8443");
  EXPECT_EQ(origin_of("http://127.0.0.1:80/x"), "http://127.0.0.1");
  EXPECT_NE(origin_of("http://idp.example/t"), origin_of("https://idp.example/t"));
  EXPECT_EQ(origin_of("not a url"), "");
}

}  // namespace
}  // namespace dragops::packs
