#include "api_handler.hpp"
#include "metrics.hpp"
#include "sealed_store.hpp"
#include "wait_for.hpp"

#include "crypto/base64.hpp"
#include "crypto/envelope.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace dragops::sidecar {
namespace {

namespace json = boost::json;

constexpr std::string_view kToken = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kCanary = "CANARY-sk-live-7f3a9c";

struct RecordingObserver : ApiObserver {
  struct Line {
    std::string route, item, outcome;
    int status;
  };
  std::vector<Line> lines;
  int decrypts = 0;
  std::vector<bool> holds;   // replaced?
  void on_request(const AuditRecord& r) override {
    lines.push_back({std::string(r.route), std::string(r.item), std::string(r.outcome), r.status});
  }
  void on_decrypt(double) override { ++decrypts; }
  void on_token_held(double, bool replaced) override { holds.push_back(replaced); }
};

class ApiHandlerTest : public ::testing::Test {
 protected:
  ApiHandlerTest() : keyring_(std::make_shared<crypto::Keyring>(crypto::Keyring::generate())) {
    config_.pod_namespace = "team-a";
    config_.pod_name = "run-1";
    config_.connections = {"github", "jira", "vt", "gone"};
    config_.secrets = {"db-password"};
    config_.environment = "production";
    for (const auto& c : config_.connections) cache_.track(Kind::connection, c);
    for (const auto& s : config_.secrets) cache_.track(Kind::secret, s);
    cache_.set_keyring(keyring_);
    now_ = Clock::from_time_t(1'800'000'000);
    handler_ = std::make_unique<ApiHandler>(config_, cache_, crypto::SecretBytes::from_string(kToken),
                                            [this] { return now_; }, observer_);
  }

  json::object store(Kind kind, const std::string& name, const std::vector<std::pair<std::string, std::string>>& items,
                     json::object annotations = {}) {
    return testing::sealed_store(*keyring_, kind, name, items, annotations);
  }

  void load_everything() {
    cache_.set_present(Kind::connection, "github",
                       store(Kind::connection, "github", {{"access_token", "gho_abc"}, {"refresh_token", "ghr_never"}},
                             {{"dragops.io/pack", "github"}, {"dragops.io/auth-type", "oauth2"},
                              {"dragops.io/expires-at", "2030-01-01T00:00:00Z"}}),
                       now_);
    cache_.set_present(Kind::connection, "jira",
                       store(Kind::connection, "jira",
                             {{"email", "a@example.com"}, {"api_token", std::string(kCanary)}, {"instance_url", "https://x"}},
                             {{"dragops.io/pack", "jira"}, {"dragops.io/auth-type", "fields"}}),
                       now_);
    cache_.set_present(Kind::connection, "vt", store(Kind::connection, "vt", {{"api_key", "vt-\"key\"\n"}},
                                                     {{"dragops.io/pack", "virustotal"}, {"dragops.io/auth-type", "apiKey"}}),
                       now_);
    cache_.set_absent(Kind::connection, "gone", now_);
    cache_.set_present(Kind::secret, "db-password",
                       store(Kind::secret, "db-password", {{"development", "dev-pw"}, {"production", "prod-pw"}}), now_);
  }

  http::Response get(std::string target, std::string host = "127.0.0.1:8900",
                     std::string authorization = "Bearer " + std::string(kToken), std::string method = "GET") {
    http::Request request;
    request.method = std::move(method);
    request.target = std::move(target);
    if (!host.empty()) request.headers.emplace_back("host", std::move(host));
    if (!authorization.empty()) request.headers.emplace_back("authorization", std::move(authorization));
    return (*handler_)(request);
  }

  // An oauth2 store for "github" whose access token expires at `expires_at`.
  json::object github_store(const std::string& access, const std::string& expires_at, std::uint64_t serial = 1) {
    return testing::sealed_store(*keyring_, Kind::connection, "github", {{"access_token", access}, {"refresh_token", "ghr_never"}},
                                 {{"dragops.io/pack", "github"}, {"dragops.io/auth-type", "oauth2"}, {"dragops.io/expires-at", expires_at}},
                                 serial);
  }

  static http::Request token_request(const std::string& connection) {
    http::Request request;
    request.method = "GET";
    request.target = "/v1/connections/" + connection + "/token";
    request.headers = {{"host", "127.0.0.1"}, {"authorization", "Bearer " + std::string(kToken)}};
    return request;
  }

  static std::string error_code_of(const http::Response& response) {
    auto value = json::parse(response.body);
    return std::string(value.at("error").at("code").as_string());
  }

  Config config_;
  StoreCache cache_;
  std::shared_ptr<crypto::Keyring> keyring_;
  Clock::time_point now_;
  const std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
  RecordingObserver observer_;
  std::unique_ptr<ApiHandler> handler_;
};

TEST_F(ApiHandlerTest, ReturnsAllFieldsOfAnAllowedConnection) {
  load_everything();
  auto response = get("/v1/connections/jira");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.sensitive);
  auto body = json::parse(response.body).as_object();
  EXPECT_EQ(body.at("name"), "jira");
  EXPECT_EQ(body.at("pack"), "jira");
  EXPECT_EQ(body.at("authType"), "fields");
  EXPECT_EQ(body.at("fields").at("api_token").as_string(), kCanary);
  EXPECT_EQ(body.at("fields").at("email"), "a@example.com");
  EXPECT_TRUE(body.at("expiresAt").is_null());
  EXPECT_EQ(observer_.decrypts, 1);
}

TEST_F(ApiHandlerTest, TokenRouteReturnsTheBareApiKeyAsPlainText) {
  load_everything();
  auto response = get("/v1/connections/vt/token");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.header("content-type"), "text/plain");
  EXPECT_EQ(response.body, "vt-\"key\"\n");
}

TEST_F(ApiHandlerTest, TokenRouteReturnsTheFirstSecretFieldOfAFieldsPack) {
  load_everything();
  auto response = get("/v1/connections/jira/token");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body, kCanary);
}

TEST_F(ApiHandlerTest, TokenRouteReturnsTheOAuthAccessTokenAndTheJsonHidesTheRefreshToken) {
  load_everything();
  EXPECT_EQ(get("/v1/connections/github/token").body, "gho_abc");
  auto body = json::parse(get("/v1/connections/github").body).as_object();
  EXPECT_EQ(body.at("expiresAt"), "2030-01-01T00:00:00Z");
  EXPECT_FALSE(body.at("fields").as_object().contains("refresh_token"));
}

TEST_F(ApiHandlerTest, HoldsAnOverdueOAuthTokenUntilTheWatchDeliversTheRefreshedOne) {
  // now_ is 2027-01-15T08:00:00Z; the cached token has 1 s left: the operator (minimum skew 60 s)
  // is late with its refresh.
  cache_.set_present(Kind::connection, "github", github_store("gho_old", "2027-01-15T08:00:01Z"), now_);
  auto gate = std::make_shared<RefreshGate>(RefreshGateOptions{std::chrono::seconds(2)});
  cache_.set_listener([&](Kind, const std::string&) { gate->store_changed(); });
  ApiHandler handler(config_, cache_, crypto::SecretBytes::from_string(kToken), [this] { return now_; }, observer_,
                     {{"github", gate}});
  // The operator's refresh lands while the request is held: the watch delivers the new store.
  std::jthread watch([&] {
    if (!dragops::testing::wait_for([&] { return gate->waiting() > 0; })) return;
    cache_.set_present(Kind::connection, "github", github_store("gho_new", "2027-01-15T08:05:00Z", 2), now_);
  });
  const auto response = handler(token_request("github"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, "gho_new");
  EXPECT_EQ(observer_.holds, std::vector<bool>{true});
}

TEST_F(ApiHandlerTest, ServesTheStillValidOAuthTokenWhenNoRefreshLandsWithinTheHoldAndHoldsItOnlyOnce) {
  cache_.set_present(Kind::connection, "github", github_store("gho_old", "2027-01-15T08:00:01Z"), now_);
  auto gate = std::make_shared<RefreshGate>(RefreshGateOptions{std::chrono::milliseconds(50)});
  ApiHandler handler(config_, cache_, crypto::SecretBytes::from_string(kToken),
                     [this] { return now_ + std::chrono::duration_cast<Clock::duration>(std::chrono::steady_clock::now() - began_); },
                     observer_, {{"github", gate}});
  const auto response = handler(token_request("github"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, "gho_old");
  EXPECT_EQ(observer_.holds, std::vector<bool>{false});
  // The same token set is not held again: an operator that is down costs one hold per token.
  EXPECT_EQ(handler(token_request("github")).body, "gho_old");
  EXPECT_EQ(observer_.holds.size(), 1u);
}

TEST_F(ApiHandlerTest, NeverHoldsAnOAuthTokenTheOperatorIsNotLateWith) {
  // Issued 10 min ago, expires in 10 min: the operator refreshes 60 s (its minimum skew) before.
  auto store = testing::sealed_store(*keyring_, Kind::connection, "github",
                                     {{"access_token", "gho_old"}, {"refresh_token", "ghr_never"}},
                                     {{"dragops.io/pack", "github"}, {"dragops.io/auth-type", "oauth2"},
                                      {"dragops.io/expires-at", "2027-01-15T08:10:00Z"}},
                                     1, {}, "2027-01-15T07:50:00Z");
  cache_.set_present(Kind::connection, "github", store, now_);
  auto gate = std::make_shared<RefreshGate>(RefreshGateOptions{std::chrono::seconds(2)});
  ApiHandler handler(config_, cache_, crypto::SecretBytes::from_string(kToken), [this] { return now_; }, observer_,
                     {{"github", gate}});
  EXPECT_EQ(handler(token_request("github")).body, "gho_old");
  EXPECT_TRUE(observer_.holds.empty());
}

TEST_F(ApiHandlerTest, AnExpiredOAuthTokenIsNeverServedEvenAfterTheHold) {
  cache_.set_present(Kind::connection, "github", github_store("gho_old", "2027-01-15T07:59:59Z"), now_);
  auto gate = std::make_shared<RefreshGate>(RefreshGateOptions{std::chrono::milliseconds(20)});
  ApiHandler handler(config_, cache_, crypto::SecretBytes::from_string(kToken),
                     [this] { return now_ + std::chrono::duration_cast<Clock::duration>(std::chrono::steady_clock::now() - began_); },
                     observer_, {{"github", gate}});
  const auto response = handler(token_request("github"));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(error_code_of(response), "token_expired");
  EXPECT_EQ(observer_.holds, std::vector<bool>{false});
}

// --- What decides serving is authenticated (docs/security.md, finding 2) -----------------------

json::object with_annotations(json::object object, const json::object& annotations) {
  auto& out = object["metadata"].as_object()["annotations"].as_object();
  for (const auto& [key, value] : annotations) out[key] = value;
  return object;
}

TEST_F(ApiHandlerTest, PatchedAnnotationsDoNotMakeTheSidecarServeTheClientSecretOrTheRefreshToken) {
  auto store = testing::sealed_store(*keyring_, Kind::connection, "github",
                                     {{"access_token", "gho_abc"}, {"refresh_token", std::string(kCanary) + "-rt"},
                                      {"oauth_client_id", "dragops"}, {"oauth_client_secret", std::string(kCanary) + "-cs"}},
                                     {{"dragops.io/pack", "github"}, {"dragops.io/auth-type", "oauth2"},
                                      {"dragops.io/token-field", "access_token"},
                                      {"dragops.io/expires-at", "2030-01-01T00:00:00Z"}});
  for (const auto& patch : {json::object{{"dragops.io/token-field", "oauth_client_secret"}},
                            json::object{{"dragops.io/token-field", "refresh_token"}},
                            json::object{{"dragops.io/auth-type", "fields"}, {"dragops.io/token-field", ""}},
                            json::object{{"dragops.io/auth-type", "fields"}, {"dragops.io/token-field", "oauth_client_secret"}},
                            json::object{{"dragops.io/expires-at", "2099-01-01T00:00:00Z"}},
                            json::object{{"dragops.io/uid", "someone-else"}}}) {
    cache_.set_present(Kind::connection, "github", with_annotations(store, patch), now_);
    const auto token = get("/v1/connections/github/token");
    EXPECT_EQ(token.status, 200) << json::serialize(patch);
    EXPECT_EQ(token.body, "gho_abc") << json::serialize(patch);
    const auto all = get("/v1/connections/github");
    ASSERT_EQ(all.status, 200) << json::serialize(patch);
    EXPECT_EQ(all.body.find(kCanary), std::string::npos) << json::serialize(patch) << " " << all.body;
    auto body = json::parse(all.body).as_object();
    EXPECT_EQ(body.at("authType"), "oauth2");
    EXPECT_EQ(body.at("expiresAt"), "2030-01-01T00:00:00Z");
  }
}

TEST_F(ApiHandlerTest, AStoreWithoutASealedManifestIsNotServed) {
  load_everything();
  auto store = *cache_.find(Kind::connection, "vt")->object;
  store["data"].as_object().erase("manifest");
  cache_.set_present(Kind::connection, "vt", store, now_);
  const auto response = get("/v1/connections/vt/token");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(error_code_of(response), "manifest_invalid");
}

TEST_F(ApiHandlerTest, AManifestCopiedFromAnotherStoreDoesNotOpen) {
  load_everything();
  auto vt = *cache_.find(Kind::connection, "vt")->object;
  const auto jira = *cache_.find(Kind::connection, "jira")->object;
  vt["data"].as_object()["manifest"] = jira.at("data").at("manifest");
  cache_.set_present(Kind::connection, "vt", vt, now_);
  EXPECT_EQ(error_code_of(get("/v1/connections/vt")), "decrypt_failed");
}

TEST_F(ApiHandlerTest, TheOwnerUidComesFromTheControllerOwnerReferenceNotTheAnnotation) {
  load_everything();
  auto vt = *cache_.find(Kind::connection, "vt")->object;
  vt["metadata"].as_object()["ownerReferences"].as_array()[0].as_object()["uid"] = "uid-other";
  vt["metadata"].as_object()["annotations"].as_object()["dragops.io/uid"] = "uid-other";
  cache_.set_present(Kind::connection, "vt", vt, now_);
  EXPECT_EQ(get("/v1/connections/vt/token").status, 503);
}

TEST_F(ApiHandlerTest, RefusesAStoreOlderThanOneItServed) {
  cache_.set_present(Kind::secret, "db-password",
                     testing::sealed_store(*keyring_, Kind::secret, "db-password", {{"production", "new-pw"}}, {}, 7), now_);
  EXPECT_EQ(get("/v1/secrets/db-password").status, 200);
  cache_.set_present(Kind::secret, "db-password",
                     testing::sealed_store(*keyring_, Kind::secret, "db-password", {{"production", "old-pw"}}, {}, 6), now_);
  const auto rolled_back = get("/v1/secrets/db-password");
  EXPECT_EQ(rolled_back.status, 503);
  EXPECT_EQ(error_code_of(rolled_back), "rolled_back");
  // A new owner (the Secret deleted and created again) starts its own serials.
  cache_.set_present(Kind::secret, "db-password",
                     testing::sealed_store(*keyring_, Kind::secret, "db-password", {{"production", "pw-2"}}, {}, 1, "uid-new"),
                     now_);
  EXPECT_EQ(get("/v1/secrets/db-password").status, 200);
}

TEST_F(ApiHandlerTest, EscapesValuesIntoValidJson) {
  load_everything();
  auto body = json::parse(get("/v1/connections/vt").body);
  EXPECT_EQ(body.at("fields").at("api_key"), "vt-\"key\"\n");
}

TEST_F(ApiHandlerTest, ReturnsTheValueOfThePodsEnvironment) {
  load_everything();
  auto response = get("/v1/secrets/db-password");
  ASSERT_EQ(response.status, 200);
  auto body = json::parse(response.body).as_object();
  EXPECT_EQ(body.at("name"), "db-password");
  EXPECT_EQ(body.at("environment"), "production");
  EXPECT_EQ(body.at("value"), "prod-pw");
}

TEST_F(ApiHandlerTest, AnswersEverythingWithNoStore) {
  load_everything();
  for (auto target : {"/v1/connections/jira", "/v1/connections/nope", "/v1/secrets/db-password", "/x"}) {
    EXPECT_EQ(get(target).header("cache-control"), "no-store") << target;
  }
  EXPECT_EQ(get("/v1/connections/jira", "evil.example").header("cache-control"), "no-store");
  EXPECT_EQ(get("/v1/connections/jira", "127.0.0.1", "").header("cache-control"), "no-store");
}

TEST_F(ApiHandlerTest, RejectsAMissingOrWrongTokenWith401) {
  load_everything();
  auto none = get("/v1/connections/jira", "localhost", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(error_code_of(none), "unauthorized");
  EXPECT_EQ(none.header("www-authenticate"), "Bearer");
  std::string wrong(kToken);
  wrong.back() = 'X';
  EXPECT_EQ(get("/v1/connections/jira", "localhost", "Bearer " + wrong).status, 401);
  EXPECT_EQ(get("/v1/connections/jira", "localhost", "Bearer " + std::string(kToken) + "0").status, 401);
  EXPECT_EQ(get("/v1/connections/jira", "localhost", "Basic " + std::string(kToken)).status, 401);
  EXPECT_EQ(get("/v1/connections/jira", "localhost", "Bearer ").status, 401);
}

TEST_F(ApiHandlerTest, RejectsAForeignHostWith400BeforeLookingAtTheToken) {
  load_everything();
  for (auto host : {"evil.example", "evil.example:8900", "10.0.0.1:8900", "", "127.0.0.1.nip.io", "[::2]:8900"}) {
    auto response = get("/v1/connections/jira", host, "");
    EXPECT_EQ(response.status, 400) << host;
    EXPECT_EQ(error_code_of(response), "invalid_host");
  }
  for (auto host : {"127.0.0.1", "127.0.0.1:8900", "localhost:8900", "[::1]:8900", "[::1]"}) {
    EXPECT_EQ(get("/v1/connections/jira", host).status, 200) << host;
  }
}

TEST_F(ApiHandlerTest, RejectsAnythingButGetWith405) {
  load_everything();
  auto response = get("/v1/connections/jira", "localhost", "Bearer " + std::string(kToken), "POST");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.header("allow"), "GET");
  EXPECT_EQ(error_code_of(response), "method_not_allowed");
}

TEST_F(ApiHandlerTest, RejectsItemsTheAnnotationsDoNotAllowWith403) {
  load_everything();
  EXPECT_EQ(get("/v1/connections/slack").status, 403);
  EXPECT_EQ(error_code_of(get("/v1/secrets/other")), "not_allowed");
}

TEST_F(ApiHandlerTest, AnswersUnknownRoutesAndDeletedItemsWith404) {
  load_everything();
  EXPECT_EQ(error_code_of(get("/v1/connections/gone")), "not_found");
  EXPECT_EQ(get("/v1/connections/gone").status, 404);
  EXPECT_EQ(get("/v1/nothing").status, 404);
  EXPECT_EQ(get("/v1/connections/../secrets/db-password").status, 404);
  EXPECT_EQ(get("/v1/connections/JIRA").status, 404);
}

TEST_F(ApiHandlerTest, AnswersARevokedConnectionWith404) {
  cache_.set_present(Kind::connection, "vt",
                     store(Kind::connection, "vt", {{"api_key", "k"}}, {{"dragops.io/revoked", "true"}}), now_);
  auto response = get("/v1/connections/vt/token");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(error_code_of(response), "revoked");
}

TEST_F(ApiHandlerTest, AnswersNotYetSyncedWith503AndRetryAfter) {
  auto response = get("/v1/connections/jira");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(error_code_of(response), "not_ready");
  EXPECT_FALSE(response.header("retry-after").empty());
}

TEST_F(ApiHandlerTest, ServesLastKnownValuesUntilTheStaleBoundThen503) {
  load_everything();
  config_.stale_after = std::chrono::seconds(300);
  cache_.set_unconfirmed(Kind::connection, "vt", now_);
  now_ += std::chrono::seconds(299);
  EXPECT_EQ(get("/v1/connections/vt/token").status, 200);
  now_ += std::chrono::seconds(2);
  auto response = get("/v1/connections/vt/token");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(error_code_of(response), "stale");
  cache_.set_confirmed(Kind::connection, "vt");
  EXPECT_EQ(get("/v1/connections/vt/token").status, 200);
}

TEST_F(ApiHandlerTest, AnswersAnExpiredOAuthTokenWith503) {
  load_everything();
  now_ = Clock::from_time_t(1'900'000'000);   // 2030-03-17, after expires-at
  auto response = get("/v1/connections/github/token");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(error_code_of(response), "token_expired");
}

TEST_F(ApiHandlerTest, AnswersAValueSealedUnderAnUnknownKeyWith503) {
  load_everything();
  cache_.set_keyring(std::make_shared<crypto::Keyring>(crypto::Keyring::generate()));
  auto response = get("/v1/secrets/db-password");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(error_code_of(response), "decrypt_failed");
}

TEST_F(ApiHandlerTest, AnswersAMissingEnvironmentWith404) {
  cache_.set_present(Kind::secret, "db-password", store(Kind::secret, "db-password", {{"development", "d"}}), now_);
  EXPECT_EQ(error_code_of(get("/v1/secrets/db-password")), "environment_not_found");
}

TEST_F(ApiHandlerTest, AuditsEveryRequestWithRouteItemAndOutcomeButNeverTheValue) {
  load_everything();
  get("/v1/connections/jira/token");
  get("/v1/connections/slack");
  get("/v1/secrets/db-password", "localhost", "");
  ASSERT_EQ(observer_.lines.size(), 3u);
  EXPECT_EQ(observer_.lines[0].route, "connection_token");
  EXPECT_EQ(observer_.lines[0].item, "jira");
  EXPECT_EQ(observer_.lines[0].outcome, "ok");
  EXPECT_EQ(observer_.lines[0].status, 200);
  EXPECT_EQ(observer_.lines[1].outcome, "not_allowed");
  EXPECT_EQ(observer_.lines[2].status, 401);
  for (const auto& line : observer_.lines) {
    for (const auto& text : {line.route, line.item, line.outcome}) {
      EXPECT_EQ(text.find(kCanary), std::string::npos);
      EXPECT_EQ(text.find(kToken), std::string::npos);
    }
  }
}

TEST_F(ApiHandlerTest, ErrorBodiesHaveTheDocumentedShape) {
  auto response = error_response(418, "code\"x", "a \"message\"");
  auto body = json::parse(response.body).as_object();
  EXPECT_EQ(body.size(), 1u);
  EXPECT_EQ(body.at("error").as_object().size(), 2u);
  EXPECT_EQ(body.at("error").at("code"), "code\"x");
  EXPECT_EQ(body.at("error").at("message"), "a \"message\"");
  EXPECT_EQ(response.header("content-type"), "application/json");
}

TEST(ParseRfc3339, ReadsUtcFractionsAndOffsets) {
  Clock::time_point t;
  ASSERT_TRUE(parse_rfc3339("2030-01-01T00:00:00Z", t));
  EXPECT_EQ(Clock::to_time_t(t), 1893456000);
  ASSERT_TRUE(parse_rfc3339("2030-01-01T01:00:00.123+01:00", t));
  EXPECT_EQ(Clock::to_time_t(t), 1893456000);
  EXPECT_FALSE(parse_rfc3339("2030-01-01 00:00:00", t));
  EXPECT_FALSE(parse_rfc3339("yesterday", t));
}

}  // namespace
}  // namespace dragops::sidecar

namespace dragops::sidecar {
namespace {

TEST(AuditLog, WritesOneLinePerRequestWithoutTheValueOrTheToken) {
  Config config;
  config.pod_namespace = "team-a";
  config.pod_name = "run-7";
  config.connections = {"vt"};
  StoreCache cache;
  cache.track(Kind::connection, "vt");
  auto keyring = std::make_shared<crypto::Keyring>(crypto::Keyring::generate());
  cache.set_keyring(keyring);
  cache.set_present(Kind::connection, "vt", testing::sealed_store(*keyring, Kind::connection, "vt", {{"api_key", std::string(kCanary)}}),
                    Clock::now());
  SidecarMetrics metrics;
  ApiHandler handler(config, cache, crypto::SecretBytes::from_string(kToken), [] { return Clock::now(); }, metrics);
  http::Request request;
  request.method = "GET";
  request.target = "/v1/connections/vt/token";
  request.headers = {{"host", "127.0.0.1:8900"}, {"authorization", "Bearer " + std::string(kToken)}};

  ::testing::internal::CaptureStderr();
  auto response = handler(request);
  request.headers.pop_back();
  auto refused = handler(request);
  metrics.flush_audit();   // the audit lines are buffered (audit_log.hpp)
  std::string log = ::testing::internal::GetCapturedStderr();

  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.body, kCanary);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 2) << log;
  EXPECT_NE(log.find(R"("msg":"audit")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("pod":"run-7")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("item":"vt")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("outcome":"unauthorized")"), std::string::npos) << log;
  EXPECT_EQ(log.find(kCanary), std::string::npos);
  EXPECT_EQ(log.find(kToken), std::string::npos);
  EXPECT_EQ(metrics.requests("connection_token", 200), 1);
  EXPECT_EQ(metrics.requests("connection_token", 401), 1);
}

}  // namespace
}  // namespace dragops::sidecar
