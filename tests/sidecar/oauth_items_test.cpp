// The sealed OAuth client (oauth_* items, sealed next to the tokens for the operator's refresher)
// and the refresh token are never served (the sealed manifest leaves them out); /token serves
// the access token.
#include "api_handler.hpp"
#include "metrics.hpp"
#include "sealed_store.hpp"

#include "crypto/base64.hpp"
#include "crypto/envelope.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace dragops::sidecar {
namespace {

namespace json = boost::json;

constexpr std::string_view kToken = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kClientSecret = "CANARY-client-secret-0c1d";

struct NullObserver : ApiObserver {
  void on_request(const AuditRecord&) override {}
  void on_decrypt(double) override {}
};

TEST(OAuthItems, TheSealedClientAndTheRefreshTokenAreNeverServed) {
  auto keyring = std::make_shared<crypto::Keyring>(crypto::Keyring::generate());
  Config config;
  config.pod_namespace = "team-a";
  config.pod_name = "run-1";
  config.connections = {"github"};
  config.environment = "production";
  StoreCache cache;
  cache.track(Kind::connection, "github");
  cache.set_keyring(keyring);
  const auto now = Clock::from_time_t(1'800'000'000);
  cache.set_present(Kind::connection, "github",
                    testing::sealed_store(*keyring, Kind::connection, "github",
                                          {{"access_token", "gho_abc"},
                                           {"refresh_token", "ghr_never"},
                                           {"oauth_client_id", "dragops"},
                                           {"oauth_client_secret", std::string(kClientSecret)},
                                           {"oauth_token_url", "https://idp.example/token"},
                                           {"oauth_client_auth", "client_secret_basic"}},
                                          {{"dragops.io/pack", "github"}, {"dragops.io/auth-type", "oauth2"},
                                           {"dragops.io/token-field", "access_token"},
                                           {"dragops.io/expires-at", "2030-01-01T00:00:00Z"}}),
                    now);
  NullObserver observer;
  ApiHandler handler(config, cache, crypto::SecretBytes::from_string(kToken), [now] { return now; }, observer);
  auto get = [&](std::string target) {
    http::Request request;
    request.method = "GET";
    request.target = std::move(target);
    request.headers.emplace_back("host", "127.0.0.1:8900");
    request.headers.emplace_back("authorization", "Bearer " + std::string(kToken));
    return handler(request);
  };
  EXPECT_EQ(get("/v1/connections/github/token").body, "gho_abc");
  auto response = get("/v1/connections/github");
  ASSERT_EQ(response.status, 200);
  auto fields = json::parse(response.body).as_object().at("fields").as_object();
  EXPECT_EQ(fields.size(), 1u);
  EXPECT_TRUE(fields.contains("access_token"));
  EXPECT_EQ(response.body.find(kClientSecret), std::string::npos);
  EXPECT_EQ(response.body.find("ghr_never"), std::string::npos);
}

}  // namespace
}  // namespace dragops::sidecar
