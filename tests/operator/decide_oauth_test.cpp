// decide for oauth2 Connections (bootstrap from credentialsRef, tokens kept from the store, the
// authorization URL) and the dragops.io/token-field annotation for every auth type.
#include "operator/decide.hpp"

#include "operator/reasons.hpp"

#include <gtest/gtest.h>

namespace dragops::op {
namespace {

constexpr const char* kNow = "2026-11-24T10:00:00Z";
constexpr const char* kCanary = "CANARY-oauth-decide-81c2";
constexpr const char* kUrl = "https://idp.example/authorize?state=v1.x";

SecretData data(std::initializer_list<std::pair<const char*, const char*>> entries) {
  SecretData out;
  for (const auto& [key, value] : entries) out.emplace(key, crypto::SecretBytes::from_string(value));
  return out;
}

packs::Pack oauth_pack() {
  packs::Pack pack;
  pack.name = "github";
  pack.auth_type = packs::AuthType::oauth2;
  pack.oauth = packs::OAuthEndpoints{"https://idp.example/authorize", "https://idp.example/token", "", true, {}, {}, ""};
  return pack;
}

ConnectionObservation oauth_connection(std::string credentials_ref = "") {
  ConnectionObservation o;
  o.resource.owner = {store::Kind::connection, "team-a", "github", "uid-1"};
  o.resource.generation = 1;
  o.resource.has_finalizer = true;
  o.spec.pack = "github";
  o.spec.credentials_ref = std::move(credentials_ref);
  o.spec.client_ref = "github-client";
  o.pack.pack = oauth_pack();
  o.keys.primary = 1;
  o.now = kNow;
  return o;
}

struct World {
  crypto::Keyring ring = crypto::Keyring::generate();
  void apply(ConnectionObservation& o, const Decision& d) {
    if (d.status) o.resource.status = *d.status;
    if (d.store_action != StoreAction::write) return;
    store::Store s = d.desired_store;
    auto fresh = store::seal_items(ring, s.owner, d.to_seal);
    s.envelopes.merge(fresh);
    ExistingStore existing{s, d.token_field, std::nullopt};
    if (auto opened = store::open_items(s, ring)) existing.opened = std::move(*opened);
    o.store = std::move(existing);
  }
};

const Condition& ready(const Decision& d) { return *d.status->condition(condition::kReady); }

TEST(DecideTokenField, NamesTheApiKeyField) {
  ConnectionObservation o = oauth_connection("creds");
  o.pack.pack->auth_type = packs::AuthType::api_key;
  o.pack.pack->oauth.reset();
  o.pack.pack->fields = {{"token", "Token", true, true, packs::FieldFormat::text}};
  o.secrets.emplace("creds", data({{"token", kCanary}}));
  auto d = decide_connection(o);
  ASSERT_EQ(d.store_action, StoreAction::write);
  EXPECT_EQ(d.token_field, "token");
}

TEST(DecideTokenField, NamesTheFirstSecretFieldOfAFieldsPack) {
  ConnectionObservation o = oauth_connection("creds");
  o.pack.pack->auth_type = packs::AuthType::fields;
  o.pack.pack->oauth.reset();
  o.pack.pack->fields = {{"email", "Email", true, false, packs::FieldFormat::email},
                         {"api_token", "API token", true, true, packs::FieldFormat::text},
                         {"password", "Password", false, true, packs::FieldFormat::text}};
  o.secrets.emplace("creds", data({{"email", "a@example.com"}, {"api_token", kCanary}}));
  EXPECT_EQ(decide_connection(o).token_field, "api_token");
}

TEST(DecideTokenField, IsEmptyForAFieldsPackWithoutSecretFields) {
  ConnectionObservation o = oauth_connection("creds");
  o.pack.pack->auth_type = packs::AuthType::fields;
  o.pack.pack->oauth.reset();
  o.pack.pack->fields = {{"email", "Email", true, false, packs::FieldFormat::email}};
  o.secrets.emplace("creds", data({{"email", "a@example.com"}}));
  EXPECT_EQ(decide_connection(o).token_field, "");
}

TEST(DecideTokenField, AddsTheAnnotationToAStoreSealedWithoutIt) {
  World world;
  ConnectionObservation o = oauth_connection("creds");
  o.pack.pack->auth_type = packs::AuthType::api_key;
  o.pack.pack->oauth.reset();
  o.pack.pack->fields = {{"api_key", "API key", true, true, packs::FieldFormat::text}};
  o.secrets.emplace("creds", data({{"api_key", kCanary}}));
  world.apply(o, decide_connection(o));
  EXPECT_EQ(decide_connection(o).store_action, StoreAction::keep);
  o.store->token_field.clear();   // sealed by an operator that did not set it yet
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::write);
  EXPECT_TRUE(d.to_seal.empty());   // envelopes carried over, only metadata changes
}

TEST(DecideOAuth, AStoreWithoutASealedManifestIsResealedOnTheNextReconcile) {
  // Migration (docs/security.md, finding 2): a store an older operator wrote has no manifest, or
  // one that does not open; the next pass writes it again with one, carrying the envelopes over.
  World world;
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", data({{"access_token", kCanary}}));
  world.apply(o, decide_connection(o));
  EXPECT_EQ(decide_connection(o).store_action, StoreAction::keep);
  o.store->unauthenticated = true;
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::write);
  EXPECT_TRUE(d.to_seal.empty());
  EXPECT_EQ(d.token_field, "access_token");
  EXPECT_EQ(d.previous_serial, 0u);
}

TEST(DecideOAuth, ComesBackForTheRefresherAtTheMillisecondItAsked) {
  // A requeue rounded up to whole seconds would land the operator's refresh up to a second
  // after its refresh time, inside the skew, and erase the jitter.
  World world;
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", data({{"access_token", kCanary}}));
  world.apply(o, decide_connection(o));
  for (auto next : {std::chrono::milliseconds(1'250), std::chrono::milliseconds(4'010), std::chrono::milliseconds(200)}) {
    o.refresh = RefreshObservation{true, "Refreshed", "tokens are refreshed before they expire", next};
    auto d = decide_connection(o);
    ASSERT_TRUE(d.requeue_after);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*d.requeue_after), next);
  }
}

TEST(DecideOAuth, ReportsTheOperatorsRefreshOutcomeAsRefreshedAndComesBackForTheNextCheck) {
  World world;
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", data({{"access_token", kCanary}}));
  world.apply(o, decide_connection(o));
  o.refresh = RefreshObservation{false, "RefreshFailed", "provider error temporarily_unavailable", std::chrono::milliseconds(1500)};
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::keep);
  EXPECT_EQ(ready(d).status, "True");   // the access token is served until it expires
  const auto* refreshed = d.status->condition(condition::kRefreshed);
  ASSERT_NE(refreshed, nullptr);
  EXPECT_EQ(refreshed->status, "False");
  EXPECT_EQ(refreshed->reason, "RefreshFailed");
  ASSERT_TRUE(d.requeue_after);
  EXPECT_EQ(*d.requeue_after, std::chrono::milliseconds(1500));
  ASSERT_FALSE(d.events.empty());
  EXPECT_EQ(d.events.back().reason, "RefreshFailed");
  world.apply(o, d);
  o.refresh = RefreshObservation{true, "Refreshed", "tokens are refreshed before they expire", std::chrono::milliseconds(30'000)};
  EXPECT_EQ(decide_connection(o).status->condition(condition::kRefreshed)->status, "True");
}

TEST(DecideOAuth, BootstrapsFromTheCredentialsSecret) {
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", data({{"access_token", kCanary},
                                           {"refresh_token", "refresh-CANARY"},
                                           {"expires_at", "2026-11-24T11:00:00+00:00"}}));
  auto d = decide_connection(o);
  ASSERT_EQ(d.store_action, StoreAction::write);
  EXPECT_EQ(d.to_seal.size(), 2u);
  EXPECT_TRUE(d.to_seal.contains("access_token"));
  EXPECT_TRUE(d.to_seal.contains("refresh_token"));
  EXPECT_EQ(d.desired_store.expires_at, "2026-11-24T11:00:00Z");
  EXPECT_EQ(d.desired_store.auth_type, "oauth2");
  EXPECT_EQ(d.token_field, "access_token");
  EXPECT_EQ(ready(d).status, "True");
  EXPECT_EQ(d.status->expires_at, "2026-11-24T11:00:00Z");
  EXPECT_TRUE(d.status->authorization_url.empty());
}

TEST(DecideOAuth, BootstrapNeedsAnAccessToken) {
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", data({{"refresh_token", kCanary}}));
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::keep);
  EXPECT_EQ(ready(d).reason, reason::kInvalidCredentials);
  EXPECT_NE(ready(d).message.find("access_token"), std::string::npos);
  EXPECT_EQ(ready(d).message.find(kCanary), std::string::npos);
}

TEST(DecideOAuth, BootstrapRejectsABadExpiry) {
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", data({{"access_token", kCanary}, {"expires_at", "tomorrow"}}));
  EXPECT_EQ(ready(decide_connection(o)).reason, reason::kInvalidCredentials);
}

TEST(DecideOAuth, BootstrapReportsAMissingSecret) {
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", std::nullopt);
  EXPECT_EQ(ready(decide_connection(o)).reason, reason::kCredentialsNotFound);
}

TEST(DecideOAuth, KeepsTheStoresTokensOnceSealedAtThisGeneration) {
  World world;
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", data({{"access_token", kCanary}}));
  world.apply(o, decide_connection(o));
  // A refresh replaced the access token in the store; the bootstrap Secret is not re-applied.
  o.store->opened->insert_or_assign("access_token", crypto::SecretBytes::from_string("refreshed-CANARY"));
  o.store->store.envelopes = store::seal_items(world.ring, o.store->store.owner, *o.store->opened);
  EXPECT_EQ(decide_connection(o).store_action, StoreAction::keep);
  // A new generation (the user edited the Connection) seals the Secret's tokens again.
  o.resource.generation = 2;
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::write);
  EXPECT_TRUE(d.to_seal.contains("access_token"));
}

TEST(DecideOAuth, ResealsARotatedClientSecretNextToTheTokensItKeeps) {
  World world;
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", data({{"access_token", kCanary}, {"refresh_token", "refresh-CANARY"}}));
  o.secrets.emplace("github-client", data({{"client_id", "app"}, {"client_secret", "old-secret-CANARY"}}));
  world.apply(o, decide_connection(o));
  ASSERT_EQ(o.store->opened->at("oauth_client_secret").view(), "old-secret-CANARY");
  // A refresher rotated the tokens since; then the platform team rotates the client secret.
  o.store->opened->insert_or_assign("access_token", crypto::SecretBytes::from_string("refreshed-CANARY"));
  o.store->store.envelopes = store::seal_items(world.ring, o.store->store.owner, *o.store->opened);
  EXPECT_EQ(decide_connection(o).store_action, StoreAction::keep);
  o.secrets["github-client"] = data({{"client_id", "app"}, {"client_secret", "new-secret-CANARY"}});
  auto d = decide_connection(o);
  ASSERT_EQ(d.store_action, StoreAction::write);
  ASSERT_EQ(d.to_seal.size(), 1u);
  EXPECT_EQ(d.to_seal.at("oauth_client_secret").view(), "new-secret-CANARY");
  world.apply(o, d);
  EXPECT_EQ(o.store->opened->at("access_token").view(), "refreshed-CANARY");   // the tokens stay
  EXPECT_EQ(o.store->opened->at("oauth_client_secret").view(), "new-secret-CANARY");
  // The client Secret deleted: the sealed client is kept, nothing is rewritten.
  o.secrets["github-client"].reset();
  EXPECT_EQ(decide_connection(o).store_action, StoreAction::keep);
}

TEST(DecideOAuth, DoesNotSendTokensToATokenEndpointOfAnotherOrigin) {
  World world;
  ConnectionObservation o = oauth_connection("github-tokens");
  o.secrets.emplace("github-tokens", data({{"access_token", kCanary}, {"refresh_token", "refresh-CANARY"}}));
  o.secrets.emplace("github-client", data({{"client_id", "app"}, {"client_secret", "secret-CANARY"}}));
  world.apply(o, decide_connection(o));
  const auto ready_now = [&] { return *o.resource.status.condition(condition::kReady); };
  ASSERT_EQ(o.store->opened->at("oauth_token_url").view(), "https://idp.example/token");
  // Same origin, another path: allowed, and the new URL is sealed next to the tokens.
  o.pack.pack->oauth->token_url = "https://IDP.example:443/oauth/token";
  EXPECT_FALSE(token_endpoint_change(*o.store->opened, *o.pack.pack));
  auto same = decide_connection(o);
  ASSERT_TRUE(same.to_seal.contains("oauth_token_url"));
  world.apply(o, same);
  EXPECT_EQ(ready_now().status, "True");
  // Another origin: not used; the sealed endpoint stays, Ready=False says to authorize again.
  o.pack.pack->oauth->token_url = "https://attacker.example/token";
  o.authorization.url = kUrl;
  auto moved = decide_connection(o);
  EXPECT_EQ(moved.store_action, StoreAction::keep);
  ASSERT_TRUE(moved.status);
  EXPECT_EQ(moved.status->authorization_url, kUrl);
  world.apply(o, moved);
  EXPECT_EQ(ready_now().status, "False");
  EXPECT_EQ(ready_now().reason, reason::kTokenEndpointChanged);
  EXPECT_NE(ready_now().message.find("https://attacker.example"), std::string::npos) << ready_now().message;
  EXPECT_NE(ready_now().message.find("Authorize again"), std::string::npos);
  EXPECT_EQ(ready_now().message.find("CANARY"), std::string::npos);
  EXPECT_EQ(o.store->opened->at("oauth_token_url").view(), "https://IDP.example:443/oauth/token");
  // After authorizing again the callback seals tokens with the new endpoint: served again.
  o.store->opened->insert_or_assign("oauth_token_url", crypto::SecretBytes::from_string("https://attacker.example/token"));
  o.store->store.envelopes = store::seal_items(world.ring, o.store->store.owner, *o.store->opened);
  world.apply(o, decide_connection(o));
  EXPECT_EQ(ready_now().status, "True");
}

TEST(DecideOAuth, AwaitsAuthorizationWithTheUrl) {
  ConnectionObservation o = oauth_connection();
  o.authorization.url = kUrl;
  o.authorization.renew_after = std::chrono::seconds(540);
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::keep);
  EXPECT_EQ(ready(d).status, "False");
  EXPECT_EQ(ready(d).reason, reason::kAwaitingAuthorization);
  EXPECT_EQ(d.status->authorization_url, kUrl);
  ASSERT_TRUE(d.requeue_after);
  EXPECT_EQ(*d.requeue_after, std::chrono::seconds(540));
}

TEST(DecideOAuth, SaysWhyThereIsNoUrl) {
  ConnectionObservation o = oauth_connection();
  o.authorization.problem = "Secret \"github-client\" not found";
  auto d = decide_connection(o);
  EXPECT_EQ(ready(d).reason, reason::kAwaitingAuthorization);
  EXPECT_NE(ready(d).message.find("github-client"), std::string::npos);
  EXPECT_TRUE(d.status->authorization_url.empty());
}

TEST(DecideOAuth, KeepsAnAuthorizationFailureVisibleNextToTheNewUrl) {
  ConnectionObservation o = oauth_connection();
  o.resource.status.conditions.push_back(
      {"Ready", "False", std::string(reason::kAuthorizationDenied), "consent was denied", 1, kNow});
  o.authorization.url = kUrl;
  auto d = decide_connection(o);
  EXPECT_EQ(ready(d).reason, reason::kAuthorizationDenied);
  EXPECT_EQ(d.status->authorization_url, kUrl);
}

TEST(DecideOAuth, ServesTokensSealedByTheCallback) {
  World world;
  ConnectionObservation o = oauth_connection();
  o.authorization.url = kUrl;
  world.apply(o, decide_connection(o));
  store::Store s;
  s.owner = o.resource.owner;
  s.key_version = 1;
  s.pack = "github";
  s.auth_type = "oauth2";
  s.expires_at = "2026-11-24T10:05:00Z";
  s.generation = 1;
  store::Plaintexts tokens;
  tokens.emplace("access_token", crypto::SecretBytes::from_string(kCanary));
  tokens.emplace("token_type", crypto::SecretBytes::from_string("Bearer"));
  s.envelopes = store::seal_items(world.ring, s.owner, tokens);
  o.store = ExistingStore{s, "access_token", tokens};
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::keep);
  EXPECT_EQ(ready(d).status, "True");
  EXPECT_EQ(d.status->expires_at, "2026-11-24T10:05:00Z");
  EXPECT_TRUE(d.status->authorization_url.empty());
}

}  // namespace
}  // namespace dragops::op
