// The operator's side of the OAuth authorization-code flow without a network: the state key
// Secret, the authorization URL (kept while valid, re-issued when used or near expiry), and the
// callback's answers for a provider that fails or times out (the real provider is driven in
// tests/e2e/oauth_flow.sh).
#include "oauth/pkce.hpp"
#include "operator/oauth_authorizer.hpp"
#include "operator/oauth_callback.hpp"
#include "operator/oauth_refresher.hpp"
#include "operator/oauth_revoker.hpp"
#include "operator/reasons.hpp"
#include "tests/operator/fake_api.hpp"

#include <gtest/gtest.h>

namespace dragops::op {
namespace {

using namespace std::chrono_literals;
using testing::FakeApi;

constexpr const char* kClientSecret = "CANARY-client-secret-9b1f";
constexpr const char* kCode = "CANARY-code-77aa";
constexpr const char* kRedirect = "http://127.0.0.1:8443/oauth/callback";

crypto::SecretBytes state_key() { return crypto::SecretBytes::from_string(std::string(32, 'k')); }

packs::Pack oauth_pack() {
  packs::Pack pack;
  pack.name = "localidp";
  pack.auth_type = packs::AuthType::oauth2;
  pack.oauth = packs::OAuthEndpoints{"https://idp.example/auth", "https://idp.example/token", "", true,
                                     {"openid", "offline_access"}, {{"prompt", "consent"}}, ""};
  return pack;
}

SecretData client_data() {
  SecretData data;
  data.emplace("client_id", crypto::SecretBytes::from_string("dragops"));
  data.emplace("client_secret", crypto::SecretBytes::from_string(kClientSecret));
  return data;
}

struct AuthorizerFixture : ::testing::Test {
  std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1'800'000'000);
  oauth::StateCodec codec{state_key(), 600s};
  UsedNonces used;
  Authorizer authorizer{codec, used, {kRedirect}, [this] { return now; }};
  Resource resource;
  ConnectionSpec spec;
  ReferencedSecrets secrets;

  AuthorizerFixture() {
    resource.owner = {store::Kind::connection, "team-a", "github", "uid-1"};
    spec.pack = "localidp";
    spec.client_ref = "idp-client";
    secrets.emplace("idp-client", client_data());
  }
  AuthorizationOffer offer() { return authorizer.offer(resource, spec, oauth_pack(), secrets); }
};

TEST_F(AuthorizerFixture, OffersTheProvidersUrlWithS256AndAStateBoundToTheUid) {
  auto o = offer();
  ASSERT_TRUE(o.problem.empty()) << o.problem;
  EXPECT_TRUE(o.url.starts_with("https://idp.example/auth?"));
  for (const char* part : {"code_challenge_method=S256", "client_id=dragops", "prompt=consent", "scope=openid%20offline_access"})
    EXPECT_NE(o.url.find(part), std::string::npos) << part;
  EXPECT_EQ(o.url.find(kClientSecret), std::string::npos);
  auto claims = codec.verify(state_of_url(o.url), now);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->uid, "uid-1");
  // The verifier is not stored: it is derived again from the key and the state's nonce.
  const auto challenge = oauth::derive_pkce(codec.key(), claims->nonce).challenge;
  EXPECT_NE(o.url.find("code_challenge=" + challenge), std::string::npos);
  ASSERT_TRUE(o.renew_after);
  EXPECT_EQ(*o.renew_after, 541s);   // re-issued in the last tenth of the lifetime
}

TEST_F(AuthorizerFixture, KeepsTheUrlWhileItsStateIsValidAndUnused) {
  resource.status.authorization_url = offer().url;
  now += 100s;
  auto again = offer();
  EXPECT_EQ(again.url, resource.status.authorization_url);
  EXPECT_EQ(*again.renew_after, 441s);
}

TEST_F(AuthorizerFixture, IssuesANewUrlOnceTheStateWasUsed) {
  resource.status.authorization_url = offer().url;
  auto claims = codec.verify(state_of_url(resource.status.authorization_url), now);
  ASSERT_TRUE(used.try_consume(claims->nonce, claims->expires_at, now));
  EXPECT_NE(offer().url, resource.status.authorization_url);
}

TEST_F(AuthorizerFixture, IssuesANewUrlNearExpiryForAnotherUidOrWhenThePackChanged) {
  resource.status.authorization_url = offer().url;
  now += 545s;
  EXPECT_NE(offer().url, resource.status.authorization_url);
  now -= 545s;
  resource.owner.uid = "uid-2";
  EXPECT_NE(offer().url, resource.status.authorization_url);
  resource.owner.uid = "uid-1";
  spec.scopes = {"openid"};
  EXPECT_NE(offer().url, resource.status.authorization_url);
}

TEST_F(AuthorizerFixture, SaysWhyThereIsNoUrl) {
  secrets.clear();
  secrets.emplace("idp-client", std::nullopt);
  EXPECT_NE(offer().problem.find("not found"), std::string::npos);
  spec.client_ref.clear();
  EXPECT_NE(offer().problem.find("clientRef"), std::string::npos);
  Authorizer unconfigured{codec, used, {""}, [this] { return now; }};
  EXPECT_NE(unconfigured.offer(resource, spec, oauth_pack(), secrets).problem.find("--oauth-external-url"), std::string::npos);
}

TEST(StateKey, IsCreatedOnceAndReadBack) {
  FakeApi api;
  auto first = load_state_key(api, "dragops-system");
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->size(), 32u);
  auto second = load_state_key(api, "dragops-system");
  ASSERT_TRUE(second);
  EXPECT_TRUE(first->equals(*second));
  EXPECT_EQ(api.get(kube::gvr::secrets(), "dragops-system", kStateKeySecret)->at("type").as_string(), kStateKeyType);
}

TEST(RedirectUri, AppendsTheCallbackPathToABareOrigin) {
  EXPECT_EQ(redirect_uri_from_external_url("https://dragops.example.com"), "https://dragops.example.com/oauth/callback");
  EXPECT_EQ(redirect_uri_from_external_url("https://dragops.example.com/"), "https://dragops.example.com/oauth/callback");
  EXPECT_EQ(redirect_uri_from_external_url("https://x.example/dragops/cb"), "https://x.example/dragops/cb");
}

// --- the callback with a provider that fails ----------------------------------------------

struct Events final : EventSink {
  std::vector<EventSpec> seen;
  void emit(const boost::json::object&, const EventSpec& event) override { seen.push_back(event); }
};

struct FailingProvider final : oauth::OAuthProvider {
  oauth::OAuthError error;
  explicit FailingProvider(oauth::OAuthError e) : error(std::move(e)) {}
  boost::system::result<oauth::TokenSet, oauth::OAuthError> exchange_code(std::string_view, std::string_view,
                                                                          const crypto::SecretBytes&) override {
    return error;
  }
  boost::system::result<oauth::TokenSet, oauth::OAuthError> refresh(const crypto::SecretBytes&) override { return error; }
  boost::system::result<void, oauth::OAuthError> revoke(const crypto::SecretBytes&, std::string_view) override { return error; }
  boost::system::result<oauth::Introspection, oauth::OAuthError> introspect(const crypto::SecretBytes&,
                                                                            std::string_view) override {
    return error;
  }
};

struct CallbackFixture : ::testing::Test {
  std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1'800'000'000);
  FakeApi api;
  KeyManager keys{api, {"dragops-system", 0s, 0s, 0s}, [this] { return now; }};
  Events events;
  oauth::StateCodec codec{state_key(), 600s};
  UsedNonces used;
  Authorizer authorizer{codec, used, {kRedirect}, [this] { return now; }};
  oauth::OAuthError provider_error{oauth::ErrorKind::transport, "", "POST https://idp.example/token: timeout", 0, {}};
  int providers_made = 0;   // a provider is made only to exchange a code
  OAuthCallback callback{api, keys, events, authorizer, used,
                         [this](oauth::ProviderEndpoints, oauth::ClientCredentials) {
                           ++providers_made;
                           return std::make_unique<FailingProvider>(provider_error);
                         },
                         [this] { return now; }};
  std::string uid;

  void SetUp() override {
    ASSERT_TRUE(keys.ensure_root_key());
    boost::json::object pack{{"apiVersion", "dragops.io/v1alpha1"}, {"kind", "IntegrationPack"},
                             {"metadata", {{"name", "localidp"}}},
                             {"spec", {{"authType", "oauth2"},
                                       {"oauth", {{"authorizeURL", "https://idp.example/auth"},
                                                  {"tokenURL", "https://idp.example/token"}}}}}};
    ASSERT_TRUE(api.create(kube::gvr::integration_packs(), "", pack));
    boost::json::object client{{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "idp-client"}}},
                               {"stringData", {{"client_id", "dragops"}, {"client_secret", kClientSecret}}}};
    ASSERT_TRUE(api.create(kube::gvr::secrets(), "team-a", client));
    boost::json::object conn{{"apiVersion", "dragops.io/v1alpha1"}, {"kind", "Connection"},
                             {"metadata", {{"name", "github"}, {"generation", 1}}},
                             {"spec", {{"pack", "localidp"}, {"oauth", {{"clientRef", {{"name", "idp-client"}}}}}}}};
    auto created = api.create(kube::gvr::connections(), "team-a", conn);
    ASSERT_TRUE(created);
    uid = std::string(created->at("metadata").at("uid").as_string());
  }

  http::Response get(const std::string& query) {
    http::Request request;
    request.method = "GET";
    request.target = "/oauth/callback?" + query;
    return callback.handle(request);
  }
  // Issues a state and publishes it in status.authorizationURL, as the reconciler does.
  std::string state() {
    auto token = codec.issue("team-a", "github", uid, now).token;
    boost::json::object patch{{"status", {{"authorizationURL", "https://idp.example/auth?state=" + token}}}};
    EXPECT_TRUE(api.patch(kube::gvr::connections(), "team-a", "github", kube::PatchType::merge,
                          boost::json::serialize(patch), "status"));
    return token;
  }
  std::string ready_reason() {
    auto conn = *api.get(kube::gvr::connections(), "team-a", "github");
    auto status = parse_status(conn);
    const auto* ready = status.condition(condition::kReady);
    return ready ? ready->reason : "";
  }
  bool stored() { return api.get(kube::gvr::secrets(), "team-a", "dragops-conn-github").has_value(); }
};

TEST_F(CallbackFixture, AProviderTimeoutIsReportedAndStoresNothing) {
  auto response = get("code=" + std::string(kCode) + "&state=" + state());
  EXPECT_EQ(response.status, 502);
  EXPECT_NE(response.body.find("token exchange failed"), std::string::npos);
  EXPECT_EQ(response.body.find(kCode), std::string::npos);
  EXPECT_EQ(response.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(ready_reason(), reason::kAuthorizationFailed);
  ASSERT_EQ(events.seen.size(), 1u);
  EXPECT_EQ(events.seen[0].reason, reason::kAuthorizationFailed);
  EXPECT_FALSE(stored());
}

TEST_F(CallbackFixture, AProviderErrorNamesItsCodeAndNeverTheSecrets) {
  provider_error = {oauth::ErrorKind::provider, "invalid_grant", "grant request is invalid", 400, {}};
  auto response = get("code=" + std::string(kCode) + "&state=" + state());
  EXPECT_EQ(response.status, 502);
  auto conn = *api.get(kube::gvr::connections(), "team-a", "github");
  const auto message = parse_status(conn).condition(condition::kReady)->message;
  EXPECT_NE(message.find("invalid_grant"), std::string::npos);
  for (const auto* canary : {kCode, kClientSecret}) {
    EXPECT_EQ(message.find(canary), std::string::npos);
    EXPECT_EQ(response.body.find(canary), std::string::npos);
  }
  EXPECT_FALSE(stored());
}

TEST_F(CallbackFixture, AStateForAnEarlierConnectionOfThatNameIsRefused) {
  auto foreign = codec.issue("team-a", "github", "uid-old", now).token;
  EXPECT_EQ(get("code=x&state=" + foreign).status, 400);
  EXPECT_TRUE(events.seen.empty());
  EXPECT_FALSE(stored());
}

TEST_F(CallbackFixture, ProviderErrorCodesAreSanitisedBeforeStatus) {
  auto response = get("error=%3Cscript%3E&state=" + state());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body.find("<script>"), std::string::npos);
  auto conn = *api.get(kube::gvr::connections(), "team-a", "github");
  EXPECT_NE(parse_status(conn).condition(condition::kReady)->message.find("error=script"), std::string::npos);
}

TEST_F(CallbackFixture, AStateThatIsNotTheOnePublishedIsRefused) {
  auto unpublished = codec.issue("team-a", "github", uid, now).token;
  state();   // another one is in status
  EXPECT_EQ(get("error=access_denied&state=" + unpublished).status, 400);
  EXPECT_EQ(ready_reason(), reason::kAuthorizationFailed);
}

TEST_F(CallbackFixture, AStateWorksOnceEvenAfterARestart) {
  auto token = state();
  EXPECT_EQ(get("error=access_denied&state=" + token).status, 400);
  EXPECT_EQ(ready_reason(), reason::kAuthorizationDenied);
  auto conn = *api.get(kube::gvr::connections(), "team-a", "github");
  EXPECT_TRUE(parse_status(conn).authorization_url.empty());   // consumed: taken out of status
  UsedNonces fresh;   // a restarted operator remembers nothing in memory
  OAuthCallback restarted{api, keys, events, authorizer, fresh,
                          [this](oauth::ProviderEndpoints, oauth::ClientCredentials) {
                            return std::make_unique<FailingProvider>(provider_error);
                          },
                          [this] { return now; }};
  http::Request request;
  request.method = "GET";
  request.target = "/oauth/callback?code=x&state=" + token;
  auto response = restarted.handle(request);
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("already used"), std::string::npos);
  EXPECT_EQ(ready_reason(), reason::kAuthorizationFailed);
  EXPECT_FALSE(stored());
}

TEST_F(CallbackFixture, APackWithAnIssuerRefusesAResponseWithoutOrWithAnotherIssBeforeUsingTheCode) {
  ASSERT_TRUE(api.patch(kube::gvr::integration_packs(), "", "localidp", kube::PatchType::merge,
                        R"({"spec":{"oauth":{"issuer":"https://idp.example"}}})", ""));
  for (const std::string iss : {"", "&iss=https%3A%2F%2Fevil.example"}) {
    auto response = get("code=" + std::string(kCode) + "&state=" + state() + iss);
    EXPECT_EQ(response.status, 400);
    auto conn = *api.get(kube::gvr::connections(), "team-a", "github");
    const auto message = parse_status(conn).condition(condition::kReady)->message;
    EXPECT_NE(message.find("RFC 9207"), std::string::npos) << message;
    EXPECT_EQ(message.find("evil"), std::string::npos) << "the status echoes what the response claimed";
    EXPECT_EQ(ready_reason(), reason::kAuthorizationFailed);
  }
  EXPECT_EQ(providers_made, 0) << "the code went to a token endpoint";
  EXPECT_FALSE(stored());
  // The pack's own issuer: the code is exchanged (this provider fails, so nothing is stored).
  EXPECT_EQ(get("code=" + std::string(kCode) + "&state=" + state() + "&iss=https%3A%2F%2Fidp.example").status, 502);
  EXPECT_EQ(providers_made, 1);
}

TEST_F(CallbackFixture, APackWithoutAnIssuerIgnoresIss) {
  EXPECT_EQ(get("code=" + std::string(kCode) + "&state=" + state() + "&iss=https%3A%2F%2Fanything.example").status, 502);
  EXPECT_EQ(providers_made, 1);
}

// The operator's own refresher uses the client sealed in the store; when decide re-seals a
// rotated client secret there, the next pass must use the new one.
TEST(OperatorRefresher, PicksUpARotatedClientSecretFromTheStore) {
  FakeApi api;
  KeyManager keys{api, {"dragops-system", 0s, 0s, 0s}, [] { return std::chrono::system_clock::now(); }};
  std::vector<std::string> secrets_seen;
  OperatorRefresher refresher{api, keys,
                              [&](oauth::ProviderEndpoints, oauth::ClientCredentials client) {
                                secrets_seen.emplace_back(client.client_secret.view());
                                return std::make_unique<FailingProvider>(
                                    oauth::OAuthError{oauth::ErrorKind::transport, "", "down", 0, {}});
                              },
                              "operator-test"};
  const store::Owner owner{store::Kind::connection, "team-a", "github", "uid-1"};
  store::Plaintexts opened;
  for (const auto& [item, value] : {std::pair{"oauth_token_url", "https://idp.example/token"}, {"oauth_client_id", "app"},
                                    {"oauth_client_secret", "old-CANARY"}, {"refresh_token", "r-CANARY"}})
    opened.insert_or_assign(item, crypto::SecretBytes::from_string(value));
  refresher.tend(owner, opened);
  refresher.tend(owner, opened);   // same client: the same provider
  opened.insert_or_assign("oauth_client_secret", crypto::SecretBytes::from_string("new-CANARY"));
  refresher.tend(owner, opened);
  EXPECT_EQ(secrets_seen, (std::vector<std::string>{"old-CANARY", "new-CANARY"}));
}

TEST_F(CallbackFixture, OtherPathsAreNotServed) {
  http::Request request;
  request.method = "GET";
  request.target = "/metrics";
  EXPECT_EQ(callback.handle(request).status, 404);
}

}  // namespace
}  // namespace dragops::op

namespace dragops::op {
namespace {

struct RevokerFixture : ::testing::Test {
  testing::FakeApi api;
  oauth::OAuthError error{oauth::ErrorKind::http_status, "", "HTTP 503", 503, {}};
  int calls = 0;
  Revoker revoker{api,
                  [this](oauth::ProviderEndpoints, oauth::ClientCredentials) {
                    ++calls;
                    return std::make_unique<FailingProvider>(error);
                  },
                  3, std::chrono::milliseconds(100)};
  store::Owner owner{store::Kind::connection, "team-a", "github", "uid-1"};
  ConnectionSpec spec;
  packs::Pack pack = oauth_pack();
  store::Plaintexts tokens;

  void SetUp() override {
    pack.oauth->revoke_url = "https://idp.example/revoke";
    spec.client_ref = "idp-client";
    tokens.emplace("refresh_token", crypto::SecretBytes::from_string("CANARY-refresh"));
    boost::json::object client{{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "idp-client"}}},
                               {"stringData", {{"client_id", "dragops"}, {"client_secret", kClientSecret}}}};
    ASSERT_TRUE(api.create(kube::gvr::secrets(), "team-a", client));
  }
};

TEST_F(RevokerFixture, RetriesARetryableFailureWithADoublingDelayThenGivesUp) {
  auto first = revoker.revoke(owner, spec, pack, tokens);
  EXPECT_EQ(first.kind, RevokeResult::Kind::retry);
  EXPECT_EQ(first.retry_after, std::chrono::milliseconds(100));
  auto second = revoker.revoke(owner, spec, pack, tokens);
  EXPECT_EQ(second.kind, RevokeResult::Kind::retry);
  EXPECT_EQ(second.retry_after, std::chrono::milliseconds(200));
  auto third = revoker.revoke(owner, spec, pack, tokens);
  EXPECT_EQ(third.kind, RevokeResult::Kind::gave_up);
  EXPECT_NE(third.message.find("3 attempt"), std::string::npos);
  EXPECT_EQ(third.message.find("CANARY"), std::string::npos);
  EXPECT_EQ(calls, 3);
}

TEST_F(RevokerFixture, GivesUpAtOnceOnAFailureThatWillNotPass) {
  error = {oauth::ErrorKind::provider, "invalid_client", "client authentication failed", 401, {}};
  EXPECT_EQ(revoker.revoke(owner, spec, pack, tokens).kind, RevokeResult::Kind::gave_up);
}

TEST_F(RevokerFixture, HasNothingToDoWithoutTokensOrARevocationEndpoint) {
  EXPECT_EQ(revoker.revoke(owner, spec, pack, {}).kind, RevokeResult::Kind::done);
  EXPECT_EQ(calls, 0);
  pack.oauth->revoke_url.clear();
  EXPECT_FALSE(Revoker::applies(pack));
}

}  // namespace
}  // namespace dragops::op
