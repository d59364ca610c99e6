// decide for sealed input: Connection.spec.sealedCredentials and a dragops Secret's
// spec.environments.<env>.sealedValue, after the observe step opened them (o.sealed). Most cases
// give decide the opened results directly; the copy cases seal and open for real.
#include "operator/decide.hpp"

#include "operator/reasons.hpp"
#include "operator/sealing/open_inputs.hpp"

#include <gtest/gtest.h>

namespace dragops::op {
namespace {

constexpr const char* kNow = "2026-11-24T10:00:00Z";
constexpr const char* kLater = "2026-11-24T11:00:00Z";
constexpr std::string_view kCanary = "CANARY-sealed-decide-4be0";
const crypto::SealingKeyId kOtherKey{1, 2, 3, 4, 5, 6, 7, 8};

OpenedInput opened(std::string_view value) { return crypto::SecretBytes::from_string(value); }
OpenedInput failed(store::SealedInputError error, std::string key_id = "c1a551f1ed0000aa") {
  return store::SealedInputFailure{error, std::move(key_id)};
}

packs::Pack jira_pack() {
  packs::Pack pack;
  pack.name = "jira";
  pack.auth_type = packs::AuthType::fields;
  pack.fields = {{"email", "Email", true, false, packs::FieldFormat::email},
                 {"api_token", "API token", true, true, packs::FieldFormat::text},
                 {"instance_url", "Instance URL", true, false, packs::FieldFormat::url}};
  return pack;
}

// Connection jira in team-a with its three fields in spec.sealedCredentials, opened fine.
ConnectionObservation sealed_connection() {
  ConnectionObservation o;
  o.resource.owner = {store::Kind::connection, "team-a", "jira", "uid-1"};
  o.resource.generation = 1;
  o.resource.has_finalizer = true;
  o.spec.pack = "jira";
  o.pack.pack = jira_pack();
  for (const auto* field : {"email", "api_token", "instance_url"}) o.spec.sealed_credentials.emplace(field, "<sealed>");
  o.sealed.emplace("email", opened("a@example.com"));
  o.sealed.emplace("api_token", opened(kCanary));
  o.sealed.emplace("instance_url", opened("https://x.atlassian.net"));
  o.keys.primary = 1;
  o.now = kNow;
  return o;
}

struct World {
  crypto::Keyring ring = crypto::Keyring::generate();
  template <class Observation>
  void apply(Observation& o, const Decision& d) {
    if (d.status) o.resource.status = *d.status;
    o.now = kLater;
    if (d.store_action != StoreAction::write) return;
    store::Store s = d.desired_store;
    auto fresh = store::seal_items(ring, s.owner, d.to_seal);
    s.envelopes.merge(fresh);
    ExistingStore existing{s, d.token_field, std::nullopt};
    if (auto open = store::open_items(s, ring)) existing.opened = std::move(*open);
    o.store = std::move(existing);
  }
};

const Condition& ready(const Decision& d) { return *d.status->condition(condition::kReady); }

TEST(DecideSealedConnection, SealsTheOpenedFieldsIntoTheStoreAndReportsReady) {
  auto d = decide_connection(sealed_connection());
  EXPECT_EQ(d.store_action, StoreAction::write);
  ASSERT_EQ(d.to_seal.size(), 3u);
  EXPECT_EQ(d.to_seal.at("api_token").view(), kCanary);
  EXPECT_EQ(ready(d).status, "True");
  EXPECT_EQ(ready(d).reason, reason::kSealed);
  EXPECT_EQ(d.token_field, "api_token");
}

TEST(DecideSealedConnection, UnchangedSealedValuesWriteNothingOnTheNextPass) {
  World world;
  auto o = sealed_connection();
  world.apply(o, decide_connection(o));
  auto again = decide_connection(o);   // the same plaintexts, opened afresh
  EXPECT_EQ(again.store_action, StoreAction::keep);
  EXPECT_FALSE(again.status);
  EXPECT_TRUE(again.events.empty());
}

struct SealedCase {
  const char* name;
  std::function<void(ConnectionObservation&)> break_it;
  std::string_view reason;
  const char* message;   // the whole Ready message
};
void PrintTo(const SealedCase& c, std::ostream* out) { *out << c.name; }

class DecideSealedConnectionProblem : public ::testing::TestWithParam<SealedCase> {};

TEST_P(DecideSealedConnectionProblem, SaysWhichFieldAndWhyKeepsTheLastGoodStoreAndNeverShowsAValue) {
  World world;
  auto o = sealed_connection();
  world.apply(o, decide_connection(o));
  const auto good = o.store->store.envelopes;

  GetParam().break_it(o);
  auto d = decide_connection(o);
  EXPECT_EQ(d.store_action, StoreAction::keep);
  ASSERT_TRUE(d.status);
  EXPECT_EQ(ready(d).status, "False");
  EXPECT_EQ(ready(d).reason, GetParam().reason);
  EXPECT_EQ(ready(d).message, GetParam().message);
  EXPECT_EQ(d.status->condition(condition::kSealed)->status, "True");
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].type, "Warning");
  EXPECT_EQ(d.events[0].reason, GetParam().reason);
  EXPECT_EQ(d.events[0].message.find("CANARY"), std::string::npos);
  EXPECT_FALSE(d.requeue_after);   // a user mistake: no hot loop
  world.apply(o, d);
  EXPECT_EQ(o.store->store.envelopes, good);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DecideSealedConnectionProblem,
    ::testing::Values(
        SealedCase{"BothSources", [](auto& o) { o.spec.credentials_ref = "jira-credentials"; }, reason::kInvalidCredentials,
                   "spec.credentialsRef and spec.sealedCredentials are both set; use one of them"},
        SealedCase{"FieldThePackDoesNotHave",
                   [](auto& o) {
                     o.spec.sealed_credentials.emplace("password", "<sealed>");
                     o.sealed.emplace("password", opened(kCanary));
                   },
                   reason::kInvalidCredentials, "spec.sealedCredentials.password is not a field of pack \"jira\""},
        SealedCase{"CopiedFromElsewhere",
                   [](auto& o) { o.sealed.insert_or_assign("api_token", failed(store::SealedInputError::does_not_open)); },
                   reason::kSealedValueInvalid,
                   "spec.sealedCredentials.api_token does not open as Connection \"jira\" field \"api_token\" in "
                   "namespace \"team-a\": it was sealed for another object, field or namespace, or altered"},
        SealedCase{"SealedToARetiredKey",
                   [](auto& o) { o.sealed.insert_or_assign("email", failed(store::SealedInputError::unknown_key)); },
                   reason::kSealedValueInvalid,
                   "spec.sealedCredentials.email is sealed to key c1a551f1ed0000aa, which this cluster does not hold "
                   "(retired, or another cluster's key); seal it again with the current key"},
        SealedCase{"PlaintextInsteadOfASealedValue",
                   [](auto& o) { o.sealed.insert_or_assign("api_token", failed(store::SealedInputError::not_base64, "")); },
                   reason::kSealedValueInvalid,
                   "spec.sealedCredentials.api_token is not a sealed value (not one line of base64; make one with "
                   "dragopsctl seal)"},
        SealedCase{"TwoFieldsFailing",
                   [](auto& o) {
                     o.sealed.insert_or_assign("api_token", failed(store::SealedInputError::malformed, ""));
                     o.sealed.insert_or_assign("email", failed(store::SealedInputError::unsupported_version, ""));
                   },
                   reason::kSealedValueInvalid,
                   "spec.sealedCredentials.api_token is not a sealed value (malformed); spec.sealedCredentials.email "
                   "has a sealed-value format version this operator does not know"},
        SealedCase{"RequiredFieldMissing",
                   [](auto& o) {
                     o.spec.sealed_credentials.erase("api_token");
                     o.sealed.erase("api_token");
                   },
                   reason::kInvalidCredentials, "spec.sealedCredentials: field \"api_token\" is missing"},
        SealedCase{"OpensToAnInvalidEmail",
                   [](auto& o) { o.sealed.insert_or_assign("email", opened(kCanary)); }, reason::kInvalidCredentials,
                   "spec.sealedCredentials: field \"email\" is not a valid email address"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DecideSealedConnection, WaitsForTheSealingKeyAndRetries) {
  auto o = sealed_connection();
  o.sealed.clear();
  o.sealing_problem = "the cluster sealing key is not loaded yet";
  auto d = decide_connection(o);
  EXPECT_EQ(ready(d).reason, reason::kKeyringUnavailable);
  EXPECT_EQ(ready(d).message, "sealed input cannot be opened: the cluster sealing key is not loaded yet");
  EXPECT_EQ(d.requeue_after, kKeyringRetry);
  EXPECT_EQ(d.store_action, StoreAction::keep);
}

// Sealed for real to the cluster key for one place, then observed in another.
struct Copy : ::testing::Test {
  sealing::SealingKeySet keys = *sealing::SealingKeySet::generate(std::chrono::system_clock::now());

  std::string seal_for(const store::SealedInputTarget& target, std::string_view plaintext) {
    return *store::seal_input(keys.newest().pair.public_key, target,
                              {reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size()});
  }
  // Observes o's sealedCredentials as the reconciler does.
  void observe(ConnectionObservation& o) { o.sealed = sealing::open_sealed_inputs(keys, o.resource.owner, o.spec.sealed_credentials); }
};

TEST_F(Copy, SealedValuesOpenInTheConnectionAndFieldsTheyWereSealedFor) {
  auto o = sealed_connection();
  for (auto& [field, text] : o.spec.sealed_credentials)
    text = seal_for({"team-a", store::Kind::connection, "jira", field},
                    field == "email" ? "a@example.com" : field == "api_token" ? kCanary : "https://x.atlassian.net");
  observe(o);
  auto d = decide_connection(o);
  EXPECT_EQ(ready(d).status, "True");
  EXPECT_EQ(d.to_seal.at("api_token").view(), kCanary);
}

TEST_F(Copy, AValueCopiedToAnotherConnectionDoesNotOpenThere) {
  auto o = sealed_connection();
  o.resource.owner.name = "jira-copy";
  for (auto& [field, text] : o.spec.sealed_credentials)
    text = seal_for({"team-a", store::Kind::connection, "jira", field}, "a@example.com");
  observe(o);
  auto d = decide_connection(o);
  EXPECT_EQ(ready(d).reason, reason::kSealedValueInvalid);
  EXPECT_NE(ready(d).message.find("spec.sealedCredentials.api_token does not open as Connection \"jira-copy\" field \"api_token\""),
            std::string::npos)
      << ready(d).message;
}

TEST_F(Copy, AValueMovedToAnotherFieldOfTheSameConnectionDoesNotOpenThere) {
  auto o = sealed_connection();
  for (auto& [field, text] : o.spec.sealed_credentials)
    text = seal_for({"team-a", store::Kind::connection, "jira", field}, "a@example.com");
  o.spec.sealed_credentials["api_token"] = o.spec.sealed_credentials["email"];   // same value, wrong field
  observe(o);
  auto d = decide_connection(o);
  EXPECT_EQ(ready(d).reason, reason::kSealedValueInvalid);
  EXPECT_EQ(ready(d).message,
            "spec.sealedCredentials.api_token does not open as Connection \"jira\" field \"api_token\" in namespace "
            "\"team-a\": it was sealed for another object, field or namespace, or altered");
}

// --- oauth2 bootstrap from sealed tokens ---

ConnectionObservation sealed_oauth() {
  ConnectionObservation o;
  o.resource.owner = {store::Kind::connection, "team-a", "github", "uid-2"};
  o.resource.generation = 1;
  o.resource.has_finalizer = true;
  o.spec.pack = "github";
  o.pack.pack = packs::Pack{};
  o.pack.pack->name = "github";
  o.pack.pack->auth_type = packs::AuthType::oauth2;
  o.pack.pack->oauth = packs::OAuthEndpoints{"https://idp.example/authorize", "https://idp.example/token", "", true, {}, {}, ""};
  o.spec.sealed_credentials = {{"access_token", "<sealed>"}, {"refresh_token", "<sealed>"}, {"expires_at", "<sealed>"}};
  o.sealed.emplace("access_token", opened(kCanary));
  o.sealed.emplace("refresh_token", opened("refresh-1"));
  o.sealed.emplace("expires_at", opened("2026-11-24T12:00:00Z"));
  o.keys.primary = 1;
  o.now = kNow;
  return o;
}

TEST(DecideSealedOAuth, BootstrapsTheTokensFromSealedInput) {
  auto d = decide_connection(sealed_oauth());
  EXPECT_EQ(ready(d).status, "True");
  EXPECT_EQ(d.to_seal.at("access_token").view(), kCanary);
  EXPECT_EQ(d.to_seal.at("refresh_token").view(), "refresh-1");
  EXPECT_EQ(d.desired_store.expires_at, "2026-11-24T12:00:00Z");
  EXPECT_EQ(d.status->expires_at, "2026-11-24T12:00:00Z");
}

TEST(DecideSealedOAuth, RefusesItemsThatAreNotTokenItems) {
  auto o = sealed_oauth();
  o.spec.sealed_credentials.emplace("client_secret", "<sealed>");
  o.sealed.emplace("client_secret", opened(kCanary));
  auto d = decide_connection(o);
  EXPECT_EQ(ready(d).reason, reason::kInvalidCredentials);
  EXPECT_EQ(ready(d).message, "spec.sealedCredentials.client_secret is not a field of pack \"github\"");
}

TEST(DecideSealedOAuth, NeedsAnAccessToken) {
  auto o = sealed_oauth();
  o.spec.sealed_credentials.erase("access_token");
  o.sealed.erase("access_token");
  EXPECT_EQ(ready(decide_connection(o)).message, "spec.sealedCredentials: key \"access_token\" is required for oauth2");
}

// --- dragops Secret ---

SecretObservation sealed_secret() {
  SecretObservation o;
  o.resource.owner = {store::Kind::secret, "team-a", "db-password", "uid-7"};
  o.resource.generation = 1;
  o.resource.has_finalizer = true;
  o.spec.environments = {{"development", {"db-dev", "password"}}};
  o.spec.sealed_values = {{"production", "<sealed>"}};
  o.secrets.emplace("db-dev", SecretData{});
  o.secrets["db-dev"]->emplace("password", crypto::SecretBytes::from_string("dev-pw"));
  o.sealed.emplace("production", opened(kCanary));
  o.keys.primary = 1;
  o.now = kNow;
  return o;
}

TEST(DecideSealedSecret, SealsSealedAndReferencedEnvironmentsSideBySide) {
  auto d = decide_secret(sealed_secret());
  ASSERT_EQ(d.to_seal.size(), 2u);
  EXPECT_EQ(d.to_seal.at("production").view(), kCanary);
  EXPECT_EQ(d.to_seal.at("development").view(), "dev-pw");
  EXPECT_EQ(ready(d).message, "2 environments sealed with key version 1");
}

TEST(DecideSealedSecret, SaysWhatIsWrongWithAnEnvironment) {
  struct Case {
    const char* name;
    std::function<void(SecretObservation&)> break_it;
    std::string_view reason;
    const char* message;
  };
  const std::vector<Case> cases{
      {"both sources", [](auto& o) { o.spec.environments["production"] = {"db-prod", "password"}; },
       reason::kInvalidCredentials, "environment \"production\": secretKeyRef and sealedValue are both set; use one of them"},
      {"neither source", [](auto& o) { o.spec.environments["staging"] = {}; }, reason::kInvalidCredentials,
       "environment \"staging\": secretKeyRef or sealedValue is required"},
      {"copied from another Secret",
       [](auto& o) { o.sealed.insert_or_assign("production", failed(store::SealedInputError::does_not_open)); },
       reason::kSealedValueInvalid,
       "spec.environments.production.sealedValue does not open as Secret \"db-password\" environment \"production\" in "
       "namespace \"team-a\": it was sealed for another object, field or namespace, or altered"},
      {"empty value", [](auto& o) { o.sealed.insert_or_assign("production", opened("")); }, reason::kInvalidCredentials,
       "environment \"production\": sealedValue holds an empty value"},
  };
  for (const auto& c : cases) {
    auto o = sealed_secret();
    c.break_it(o);
    auto d = decide_secret(o);
    EXPECT_EQ(ready(d).reason, c.reason) << c.name;
    EXPECT_EQ(ready(d).message, c.message) << c.name;
    EXPECT_EQ(ready(d).message.find("CANARY"), std::string::npos) << c.name;
  }
}

TEST(DecideSealedSecret, WaitsForTheSealingKeyAndRetries) {
  auto o = sealed_secret();
  o.sealed.clear();
  o.sealing_problem = "the cluster sealing key is not loaded yet";
  auto d = decide_secret(o);
  EXPECT_EQ(ready(d).reason, reason::kKeyringUnavailable);
  EXPECT_EQ(d.requeue_after, kKeyringRetry);
}

}  // namespace
}  // namespace dragops::op
