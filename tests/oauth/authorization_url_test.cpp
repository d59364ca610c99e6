#include "oauth/authorization_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <gtest/gtest.h>

#include <map>

namespace dragops::oauth {
namespace {

std::multimap<std::string, std::string> params_of(const std::string& url) {
  std::multimap<std::string, std::string> out;
  const auto view = boost::urls::parse_absolute_uri(url).value();
  for (const auto& p : view.params()) out.emplace(p.key, p.value);
  return out;
}

AuthorizationRequest request() {
  return {"https://provider.example/login/oauth/authorize",
          "client-1",
          "https://dragops.example/oauth/callback",
          {"repo", "read:org"},
          "v1.state&x=y",
          "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
          {}};
}

TEST(AuthorizationUrl, CarriesEveryParameterTheFlowNeeds) {
  const auto url = build_authorization_url(request());
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->starts_with("https://provider.example/login/oauth/authorize?"));
  const auto params = params_of(*url);
  EXPECT_EQ(params.find("response_type")->second, "code");
  EXPECT_EQ(params.find("client_id")->second, "client-1");
  EXPECT_EQ(params.find("redirect_uri")->second, "https://dragops.example/oauth/callback");
  EXPECT_EQ(params.find("scope")->second, "repo read:org");
  EXPECT_EQ(params.find("state")->second, "v1.state&x=y");
  EXPECT_EQ(params.find("code_challenge")->second, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  EXPECT_EQ(params.find("code_challenge_method")->second, "S256");
  EXPECT_EQ(params.count("x"), 0u) << "an & inside a value must be encoded";
}

TEST(AuthorizationUrl, EncodesReservedCharactersInValues) {
  auto r = request();
  r.state = "a+b c&d=e#f";
  const auto url = build_authorization_url(r);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->find('#'), std::string::npos);
  EXPECT_EQ(params_of(*url).find("state")->second, "a+b c&d=e#f");
}

TEST(AuthorizationUrl, KeepsTheProvidersOwnQueryAndReplacesOursOnce) {
  auto r = request();
  r.authorize_url = "https://provider.example/authorize?tenant=acme&response_type=token";
  const auto params = params_of(build_authorization_url(r).value());
  EXPECT_EQ(params.find("tenant")->second, "acme");
  EXPECT_EQ(params.count("response_type"), 1u);
  EXPECT_EQ(params.find("response_type")->second, "code");
}

TEST(AuthorizationUrl, AddsProviderSpecificExtras) {
  auto r = request();
  r.extra_params = {{"prompt", "consent"}, {"access_type", "offline"}};
  const auto params = params_of(build_authorization_url(r).value());
  EXPECT_EQ(params.find("prompt")->second, "consent");
  EXPECT_EQ(params.find("access_type")->second, "offline");
}

TEST(AuthorizationUrl, LeavesOutPkceWhenThePackDisablesIt) {
  auto r = request();
  r.code_challenge.clear();
  const auto params = params_of(build_authorization_url(r).value());
  EXPECT_EQ(params.count("code_challenge"), 0u);
  EXPECT_EQ(params.count("code_challenge_method"), 0u);
}

TEST(AuthorizationUrl, RejectsRelativeAndNonHttpUrlsAndMissingParameters) {
  auto r = request();
  r.authorize_url = "/authorize";
  EXPECT_EQ(build_authorization_url(r).error(), AuthorizationUrlError::invalid_url);
  r.authorize_url = "ftp://provider.example/authorize";
  EXPECT_EQ(build_authorization_url(r).error(), AuthorizationUrlError::not_http);
  r = request();
  r.state.clear();
  EXPECT_EQ(build_authorization_url(r).error(), AuthorizationUrlError::missing_parameter);
}

}  // namespace
}  // namespace dragops::oauth
