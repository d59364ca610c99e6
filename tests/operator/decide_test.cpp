#include "operator/decide.hpp"

#include "crypto/envelope.hpp"
#include "operator/reasons.hpp"

#include <gtest/gtest.h>

namespace dragops::op {
namespace {

constexpr const char* kNow = "2026-11-24T10:00:00Z";
constexpr const char* kLater = "2026-11-24T11:00:00Z";
constexpr const char* kCanary = "CANARY-decide-5d1e";

packs::Pack jira_pack() {
  packs::Pack pack;
  pack.name = "jira";
  pack.auth_type = packs::AuthType::fields;
  pack.fields = {{"email", "Email", true, false, packs::FieldFormat::email},
                 {"api_token", "API token", true, true, packs::FieldFormat::text},
                 {"instance_url", "Instance URL", true, false, packs::FieldFormat::url}};
  return pack;
}

SecretData data(std::initializer_list<std::pair<const char*, const char*>> entries) {
  SecretData out;
  for (const auto& [key, value] : entries) out.emplace(key, crypto::SecretBytes::from_string(value));
  return out;
}

SecretData good_jira() {
  return data({{"email", "a@example.com"}, {"api_token", kCanary}, {"instance_url", "https://x.atlassian.net"}, {"extra", "z"}});
}

// A Connection "jira" in team-a referencing Secret "jira-credentials", with finalizer, keys ready.
ConnectionObservation connection(SecretData credentials = good_jira()) {
  ConnectionObservation o;
  o.resource.owner = {store::Kind::connection, "team-a", "jira", "uid-1"};
  o.resource.generation = 1;
  o.resource.has_finalizer = true;
  o.spec = {"jira", "jira-credentials", {}, {}, {}};
  o.pack.pack = jira_pack();
  o.secrets.emplace("jira-credentials", std::move(credentials));
  o.keys.primary = 1;
  o.now = kNow;
  return o;
}

// Plays apply: seals what the decision says, and feeds the resulting store and status back.
struct World {
  crypto::Keyring ring = crypto::Keyring::generate();

  void apply(ConnectionObservation& o, const Decision& d) {
    if (d.status) o.resource.status = *d.status;
    if (d.add_finalizer) o.resource.has_finalizer = true;
    o.now = kLater;
    if (d.store_action == StoreAction::remove) o.store.reset();
    if (d.store_action != StoreAction::write) return;
    store::Store s = d.desired_store;
    auto fresh = store::seal_items(ring, s.owner, d.to_seal);
    s.envelopes.merge(fresh);
    ExistingStore existing{s, d.token_field, std::nullopt};
    auto opened = store::open_items(s, ring);
    if (opened) existing.opened = std::move(*opened);
    o.store = std::move(existing);
  }
};

const Condition& ready(const Decision& d) { return *d.status->condition(condition::kReady); }

TEST(DecideConnection, SealsTheFieldsThePackNamesAndReportsReady) {
  auto d = decide_connection(connection());
  EXPECT_EQ(d.store_action, StoreAction::write);
  ASSERT_EQ(d.to_seal.size(), 3u);   // "extra" is not a pack field
  EXPECT_FALSE(d.to_seal.contains("extra"));
  EXPECT_EQ(d.desired_store.pack, "jira");
  EXPECT_EQ(d.desired_store.auth_type, "fields");
  EXPECT_EQ(d.desired_store.key_version, 1u);
  ASSERT_TRUE(d.status);
  EXPECT_EQ(ready(d).status, "True");
  EXPECT_EQ(ready(d).reason, reason::kSealed);
  EXPECT_EQ(d.status->condition(condition::kSealed)->status, "True");
  EXPECT_EQ(d.status->observed_generation, 1);
  EXPECT_EQ(d.status->key_version, 1);
  EXPECT_EQ(d.status->auth_type, "fields");   // printer column Type
  ASSERT_EQ(d.events.size(), 1u);   // one Event reports both transitions
  EXPECT_EQ(d.events[0].type, "Normal");
  EXPECT_EQ(d.events[0].reason, reason::kSealed);
  EXPECT_EQ(d.events[0].message, "Ready=True, Sealed=True: 3 fields sealed with key version 1");
  EXPECT_FALSE(d.requeue_after);
}

TEST(DecideConnection, OnlyAnOAuth2ConnectionGetsAFinalizer) {
  // Its store goes with it (ownerReference): an API-key or fields Connection needs no finalizer.
  auto o = connection();
  o.resource.has_finalizer = false;
  EXPECT_FALSE(decide_connection(o).add_finalizer);
  // An oauth2 one does, so that its tokens are revoked at the provider before it is gone.
  o.resource.status.auth_type = "oauth2";
  EXPECT_TRUE(decide_connection(o).add_finalizer);
  o.resource.has_finalizer = true;
  EXPECT_FALSE(decide_connection(o).add_finalizer);
}

TEST(DecideConnection, WritesNothingWhenNothingChanged) {
  World world;
  auto o = connection();
  world.apply(o, decide_connection(o));
  auto second = decide_connection(o);
  EXPECT_EQ(second.store_action, StoreAction::keep);
  EXPECT_FALSE(second.status);
  EXPECT_TRUE(second.events.empty());
  EXPECT_TRUE(second.to_seal.empty());
}

TEST(DecideConnection, ReSealsOnlyTheChangedField) {
  World world;
  auto o = connection();
  world.apply(o, decide_connection(o));
  o.secrets["jira-credentials"] = data({{"email", "b@example.com"}, {"api_token", kCanary}, {"instance_url", "https://x.atlassian.net"}});
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::write);
  ASSERT_EQ(d.to_seal.size(), 1u);
  EXPECT_TRUE(d.to_seal.contains("email"));
  EXPECT_EQ(d.desired_store.envelopes.size(), 2u);
  EXPECT_FALSE(d.status);   // still Ready, same message
}

struct BadCase {
  const char* name;
  std::function<void(ConnectionObservation&)> break_it;
  std::string_view reason;
  const char* message_mentions;
};

// Names the case in test output (and in CTest's test names) instead of dumping its bytes.
void PrintTo(const BadCase& c, std::ostream* out) { *out << c.name; }

class DecideConnectionProblem : public ::testing::TestWithParam<BadCase> {};

TEST_P(DecideConnectionProblem, ReportsNotReadyKeepsTheLastGoodStoreAndRecoversWhenFixed) {
  World world;
  auto o = connection();
  world.apply(o, decide_connection(o));
  const auto good_store = o.store->store.envelopes;

  GetParam().break_it(o);
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::keep);
  ASSERT_TRUE(d.status);
  EXPECT_EQ(ready(d).status, "False");
  EXPECT_EQ(ready(d).reason, GetParam().reason);
  EXPECT_NE(ready(d).message.find(GetParam().message_mentions), std::string::npos) << ready(d).message;
  EXPECT_EQ(ready(d).message.find("CANARY"), std::string::npos);
  EXPECT_EQ(d.status->condition(condition::kSealed)->status, "True");   // last good values kept
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].type, "Warning");
  EXPECT_EQ(d.events[0].reason, GetParam().reason);
  EXPECT_EQ(d.events[0].message.find("CANARY"), std::string::npos);
  EXPECT_FALSE(d.requeue_after);   // a user mistake: wait for a change, no hot loop
  world.apply(o, d);
  EXPECT_EQ(o.store->store.envelopes, good_store);

  auto again = decide_connection(o);   // the status write comes back as a watch event
  EXPECT_FALSE(again.status);
  EXPECT_TRUE(again.events.empty());

  auto fixed = connection();
  fixed.resource.status = o.resource.status;
  fixed.store = o.store;
  fixed.now = kLater;
  auto healed = decide_connection(fixed);
  ASSERT_TRUE(healed.status);
  EXPECT_EQ(ready(healed).status, "True");
  EXPECT_EQ(ready(healed).last_transition_time, kLater);
  EXPECT_EQ(healed.store_action, StoreAction::keep);   // the values never changed
}

INSTANTIATE_TEST_SUITE_P(
    Table, DecideConnectionProblem,
    ::testing::Values(
        BadCase{"MissingField", [](auto& o) { o.secrets["jira-credentials"]->erase("api_token"); },
                reason::kInvalidCredentials, "field \"api_token\" is missing"},
        BadCase{"MalformedUrl",
                [](auto& o) { o.secrets["jira-credentials"]->insert_or_assign("instance_url", crypto::SecretBytes::from_string(kCanary)); },
                reason::kInvalidCredentials, "field \"instance_url\" is not a valid http(s) URL"},
        BadCase{"MalformedEmail",
                [](auto& o) { o.secrets["jira-credentials"]->insert_or_assign("email", crypto::SecretBytes::from_string(kCanary)); },
                reason::kInvalidCredentials, "field \"email\" is not a valid email address"},
        BadCase{"UnknownPack",
                [](auto& o) {
                  o.pack.pack.reset();
                  o.pack.problem = "IntegrationPack \"jria\" not found";
                },
                reason::kPackNotFound, "\"jria\""},
        BadCase{"MissingSecret", [](auto& o) { o.secrets["jira-credentials"].reset(); }, reason::kCredentialsNotFound,
                "Secret \"jira-credentials\" not found in namespace \"team-a\""},
        BadCase{"NoCredentialsRef", [](auto& o) { o.spec.credentials_ref.clear(); }, reason::kInvalidCredentials,
                "spec.credentialsRef or spec.sealedCredentials is required"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DecideConnection, WithoutAnyStoreYetReportsNotSealed) {
  auto o = connection();
  o.secrets["jira-credentials"].reset();
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::keep);
  EXPECT_EQ(d.status->condition(condition::kSealed)->status, "False");
  EXPECT_EQ(d.status->condition(condition::kSealed)->reason, reason::kNotSealed);
  EXPECT_FALSE(d.status->key_version);
}

TEST(DecideConnection, RevokedRemovesTheStoreAndKeepsTheObject) {
  World world;
  auto o = connection();
  world.apply(o, decide_connection(o));
  o.resource.revoked = true;
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::remove);
  EXPECT_FALSE(d.remove_finalizer);
  EXPECT_EQ(ready(d).status, "False");
  EXPECT_EQ(ready(d).reason, reason::kRevoked);
  world.apply(o, d);
  auto again = decide_connection(o);
  EXPECT_EQ(again.store_action, StoreAction::keep);
  EXPECT_FALSE(again.status);

  o.resource.revoked = false;   // un-revoking seals afresh
  auto back = decide_connection(o);
  EXPECT_EQ(back.store_action, StoreAction::write);
  EXPECT_EQ(ready(back).status, "True");
}

TEST(DecideConnection, DeletionRemovesTheStoreThenTheFinalizer) {
  World world;
  auto o = connection();
  world.apply(o, decide_connection(o));
  o.resource.deleting = true;
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::remove);
  EXPECT_TRUE(d.remove_finalizer);
  EXPECT_FALSE(d.status);
  EXPECT_FALSE(d.add_finalizer);
}

TEST(DecideConnection, WaitsForTheKeyringAndRetries) {
  auto o = connection();
  o.keys.primary.reset();
  o.keys.problem = "data key ring of namespace \"team-a\" cannot be opened";
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::keep);
  EXPECT_EQ(ready(d).reason, reason::kKeyringUnavailable);
  ASSERT_TRUE(d.requeue_after);
}

TEST(DecideConnection, ReSealsEveryFieldAfterRotation) {
  World world;
  auto o = connection();
  world.apply(o, decide_connection(o));
  world.ring.rotate();
  o.keys.primary = 2;
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::write);
  EXPECT_EQ(d.to_seal.size(), 3u);
  EXPECT_EQ(d.desired_store.key_version, 2u);
  EXPECT_EQ(d.status->key_version, 2);
  world.apply(o, d);
  for (const auto& [item, envelope] : o.store->store.envelopes) EXPECT_EQ(*crypto::key_version_of(envelope), 2u);
  EXPECT_EQ(decide_connection(o).store_action, StoreAction::keep);
}

TEST(DecideConnection, ReSealsAStoreThatDoesNotOpen) {
  World world;
  auto o = connection();
  world.apply(o, decide_connection(o));
  o.store->opened.reset();
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::write);
  EXPECT_EQ(d.to_seal.size(), 3u);
}

TEST(DecideConnection, ReSealsAStoreOfAnEarlierObjectWithTheSameName) {
  World world;
  auto o = connection();
  world.apply(o, decide_connection(o));
  o.resource.owner.uid = "uid-2";
  EXPECT_EQ(decide_connection(o).to_seal.size(), 3u);
}

TEST(DecideConnection, RecordsANewGenerationWithoutReSealing) {
  World world;
  auto o = connection();
  world.apply(o, decide_connection(o));
  o.resource.generation = 2;
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::write);
  EXPECT_TRUE(d.to_seal.empty());
  EXPECT_EQ(d.desired_store.generation, 2);
  EXPECT_EQ(d.status->observed_generation, 2);
}

TEST(DecideConnection, OAuthPacksAwaitAuthorization) {
  auto o = connection();
  o.pack.pack->auth_type = packs::AuthType::oauth2;
  o.spec.credentials_ref.clear();   // no bootstrap tokens (tests/operator/decide_oauth_test.cpp)
  EXPECT_EQ(ready(decide_connection(o)).reason, reason::kAwaitingAuthorization);
}

// --- dragops Secret ---

SecretObservation db_secret() {
  SecretObservation o;
  o.resource.owner = {store::Kind::secret, "team-a", "db-password", "uid-7"};
  o.resource.generation = 1;
  o.resource.has_finalizer = true;
  o.spec.environments = {{"development", {"db-dev", "password"}}, {"production", {"db-prod", "password"}}};
  o.secrets.emplace("db-dev", data({{"password", "dev-pw"}}));
  o.secrets.emplace("db-prod", data({{"password", kCanary}}));
  o.keys.primary = 1;
  o.now = kNow;
  return o;
}

TEST(DecideSecret, SealsOneValuePerEnvironment) {
  auto d = decide_secret(db_secret());
  EXPECT_EQ(d.store_action, StoreAction::write);
  ASSERT_EQ(d.to_seal.size(), 2u);
  EXPECT_EQ(d.to_seal.at("production").view(), kCanary);
  EXPECT_EQ(d.to_seal.at("development").view(), "dev-pw");
  EXPECT_EQ(ready(d).status, "True");
  EXPECT_TRUE(d.desired_store.pack.empty());
}

TEST(DecideSecret, CountsItsEnvironmentsInTheReadyMessage) {
  EXPECT_EQ(ready(decide_secret(db_secret())).message, "2 environments sealed with key version 1");
  auto o = db_secret();
  o.spec.environments.erase("development");
  EXPECT_EQ(ready(decide_secret(o)).message, "1 environment sealed with key version 1");
}

TEST(DecideSecret, NamesTheEnvironmentWhoseSecretIsMissing) {
  auto o = db_secret();
  o.secrets["db-prod"].reset();
  auto d = decide_secret(o);
  EXPECT_EQ(ready(d).reason, reason::kCredentialsNotFound);
  EXPECT_EQ(ready(d).message, "environment \"production\": Secret \"db-prod\" not found");
}

TEST(DecideSecret, NamesTheMissingKey) {
  auto o = db_secret();
  o.spec.environments["development"].key = "pw";
  auto d = decide_secret(o);
  EXPECT_EQ(ready(d).reason, reason::kInvalidCredentials);
  EXPECT_EQ(ready(d).message, "environment \"development\": key \"pw\" not found in Secret \"db-dev\"");
}

TEST(DecideSecret, RejectsAnEnvironmentNameThatIsNotADnsLabel) {
  auto o = db_secret();
  o.spec.environments["Prod_1"] = {"db-prod", "password"};
  EXPECT_EQ(ready(decide_secret(o)).reason, reason::kInvalidCredentials);
}

TEST(DecidePack, ReportsValidityOnceAndThenNothing) {
  auto first = decide_pack({}, 1, "", kNow);
  ASSERT_TRUE(first.status);
  EXPECT_EQ(first.status->condition(condition::kReady)->status, "True");
  EXPECT_FALSE(decide_pack(*first.status, 1, "", kLater).status);
  auto broken = decide_pack(*first.status, 2, "spec.authType: must be apiKey, oauth2 or fields", kLater);
  EXPECT_EQ(broken.status->condition(condition::kReady)->reason, reason::kInvalidPack);
  ASSERT_EQ(broken.events.size(), 1u);
}

}  // namespace
}  // namespace dragops::op
