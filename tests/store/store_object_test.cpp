#include "store/store_object.hpp"

#include "crypto/base64.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace dragops::store {
namespace {
namespace json = boost::json;

constexpr const char* kCanary = "CANARY-store-41c9e2";

Plaintexts values(std::initializer_list<std::pair<const char*, const char*>> entries) {
  Plaintexts out;
  for (const auto& [key, value] : entries) out.emplace(key, crypto::SecretBytes::from_string(value));
  return out;
}

Store jira_store(const crypto::Keyring& ring) {
  Store store;
  store.owner = {Kind::connection, "team-a", "jira", "uid-1"};
  store.key_version = ring.primary();
  store.pack = "jira";
  store.auth_type = "fields";
  store.generation = 3;
  store.envelopes = seal_items(ring, store.owner,
                               values({{"email", "a@example.com"}, {"api_token", kCanary}, {"instance_url", "https://x.io"}}));
  return store;
}

TEST(BuildStoreObject, FollowsTheNamingContract) {
  const auto ring = crypto::Keyring::generate();
  const auto object = build_store_object(jira_store(ring), ring);
  const auto& metadata = object.at("metadata").as_object();
  EXPECT_EQ(metadata.at("name").as_string(), "dragops-conn-jira");
  EXPECT_EQ(metadata.at("namespace").as_string(), "team-a");
  EXPECT_EQ(object.at("type").as_string(), "dragops.io/sealed");
  const auto& labels = metadata.at("labels").as_object();
  EXPECT_EQ(labels.at("app.kubernetes.io/managed-by").as_string(), "dragops-operator");
  EXPECT_EQ(labels.at("dragops.io/kind").as_string(), "Connection");
  EXPECT_EQ(labels.at("dragops.io/name").as_string(), "jira");
  const auto& annotations = metadata.at("annotations").as_object();
  EXPECT_EQ(annotations.at("dragops.io/uid").as_string(), "uid-1");
  EXPECT_EQ(annotations.at("dragops.io/key-version").as_string(), "1");
  EXPECT_EQ(annotations.at("dragops.io/pack").as_string(), "jira");
  EXPECT_EQ(annotations.at("dragops.io/auth-type").as_string(), "fields");
  EXPECT_EQ(annotations.at("dragops.io/generation").as_string(), "3");
  const auto& owner = metadata.at("ownerReferences").as_array().at(0).as_object();
  EXPECT_EQ(owner.at("apiVersion").as_string(), "dragops.io/v1alpha1");
  EXPECT_EQ(owner.at("kind").as_string(), "Connection");
  EXPECT_EQ(owner.at("uid").as_string(), "uid-1");
  EXPECT_TRUE(owner.at("controller").as_bool());
  EXPECT_TRUE(owner.at("blockOwnerDeletion").as_bool());
  const auto& data = object.at("data").as_object();
  EXPECT_EQ(data.size(), 4u);   // three fields and the sealed manifest
  EXPECT_TRUE(data.contains("manifest"));
  EXPECT_TRUE(data.contains("field.api_token"));
}

TEST(BuildStoreObject, NeverContainsThePlaintext) {
  const auto ring = crypto::Keyring::generate();
  const auto text = json::serialize(build_store_object(jira_store(ring), ring));
  EXPECT_EQ(text.find(kCanary), std::string::npos);
  const auto encoded_canary = crypto::base64_encode(
      std::span(reinterpret_cast<const std::uint8_t*>(kCanary), std::char_traits<char>::length(kCanary)));
  EXPECT_EQ(text.find(encoded_canary.substr(0, 12)), std::string::npos);
}

TEST(OpenConnection, OpensABuiltStoreToExactlyTheSealedFields) {
  const auto ring = crypto::Keyring::generate();
  auto opened = open_connection(build_store_object(jira_store(ring), ring), ring);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  EXPECT_EQ(opened->name, "jira");
  EXPECT_EQ(opened->pack, "jira");
  EXPECT_EQ(opened->auth_type, "fields");
  ASSERT_EQ(opened->fields.size(), 3u);
  EXPECT_EQ(opened->fields.at("api_token").view(), kCanary);
  EXPECT_EQ(opened->fields.at("email").view(), "a@example.com");
}

TEST(OpenConnection, FailsWithAnotherNamespacesRing) {
  const auto ring = crypto::Keyring::generate();
  const auto other = crypto::Keyring::generate();
  auto opened = open_connection(build_store_object(jira_store(ring), ring), other);
  ASSERT_FALSE(opened.has_value());
  EXPECT_FALSE(opened.error().item.empty());
  EXPECT_EQ(opened.error().message.find(kCanary), std::string::npos);
}

TEST(OpenConnection, RefusesAnEnvelopeCopiedFromAnotherStore) {
  const auto ring = crypto::Keyring::generate();
  auto victim = jira_store(ring);
  Store attacker = victim;
  attacker.owner.name = "mine";
  attacker.owner.uid = "uid-2";
  attacker.envelopes = seal_items(ring, attacker.owner, values({{"api_token", "x"}}));
  attacker.envelopes["api_token"] = victim.envelopes.at("api_token");   // same namespace, same ring
  auto opened = open_connection(build_store_object(attacker, ring), ring);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().item, "api_token");
  EXPECT_EQ(opened.error().message, "authentication failed");
}

TEST(OpenConnection, RefusesAnEnvelopeMovedToAnotherField) {
  const auto ring = crypto::Keyring::generate();
  auto store = jira_store(ring);
  store.envelopes["email"] = store.envelopes.at("api_token");
  EXPECT_FALSE(open_connection(build_store_object(store, ring), ring).has_value());
}

TEST(OpenConnection, RefusesAStoreOfARecreatedObjectWithTheSameName) {
  const auto ring = crypto::Keyring::generate();
  auto store = jira_store(ring);
  auto object = build_store_object(store, ring);
  // The UID is the controller ownerReference's (the annotation is informational).
  object["metadata"].as_object()["annotations"].as_object()["dragops.io/uid"] = "uid-recreated";
  EXPECT_TRUE(open_connection(object, ring).has_value());
  object["metadata"].as_object()["ownerReferences"].as_array()[0].as_object()["uid"] = "uid-recreated";
  EXPECT_FALSE(open_connection(object, ring).has_value());
}

TEST(ParseStore, RoundTripsABuiltStore) {
  const auto ring = crypto::Keyring::generate();
  auto store = jira_store(ring);
  store.expires_at = "2026-01-01T00:00:00Z";
  auto parsed = parse_store(build_store_object(store, ring));
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ(parsed->owner, store.owner);
  EXPECT_EQ(parsed->key_version, store.key_version);
  EXPECT_EQ(parsed->generation, 3);
  EXPECT_EQ(parsed->expires_at, store.expires_at);
  EXPECT_EQ(parsed->envelopes, store.envelopes);
}

TEST(ParseStore, NamesWhatIsWrong) {
  const auto ring = crypto::Keyring::generate();
  auto object = build_store_object(jira_store(ring), ring);
  object["data"].as_object()["field.email"] = "not base64!";
  auto parsed = parse_store(object);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error(), "data key field.email is not base64");

  auto untyped = build_store_object(jira_store(ring), ring);
  untyped["type"] = "Opaque";
  EXPECT_FALSE(parse_store(untyped).has_value());
}

TEST(OpenSecret, OpensOneEnvironmentAndRefusesAnother) {
  const auto ring = crypto::Keyring::generate();
  Store store;
  store.owner = {Kind::secret, "team-a", "db-password", "uid-9"};
  store.key_version = ring.primary();
  store.envelopes = seal_items(ring, store.owner, values({{"development", "dev-pw"}, {"production", kCanary}}));
  const auto object = build_store_object(store, ring);
  EXPECT_EQ(object.at("metadata").at("name").as_string(), "dragops-secret-db-password");
  EXPECT_TRUE(object.at("data").as_object().contains("env.production"));

  auto production = open_secret(object, ring, "production");
  ASSERT_TRUE(production.has_value()) << production.error().message;
  EXPECT_EQ(production->value.view(), kCanary);
  EXPECT_EQ(production->environment, "production");
  auto staging = open_secret(object, ring, "staging");
  ASSERT_FALSE(staging.has_value());
  EXPECT_EQ(staging.error().item, "staging");
  EXPECT_FALSE(open_connection(object, ring).has_value());
}

TEST(OpenSecret, RefusesAnEnvironmentSwap) {
  const auto ring = crypto::Keyring::generate();
  Store store;
  store.owner = {Kind::secret, "team-a", "db", "uid-9"};
  store.key_version = ring.primary();
  store.envelopes = seal_items(ring, store.owner, values({{"development", "dev"}, {"production", "prod"}}));
  std::swap(store.envelopes["development"], store.envelopes["production"]);
  EXPECT_FALSE(open_secret(build_store_object(store, ring), ring, "development").has_value());
}

TEST(OpenItems, OpensAfterRotationWhileTheOldVersionIsKept) {
  auto ring = crypto::Keyring::generate();
  const auto store = jira_store(ring);
  ring.rotate();
  EXPECT_TRUE(open_items(store, ring).has_value());
  ring.retire(1);
  EXPECT_FALSE(open_items(store, ring).has_value());
}

}  // namespace
}  // namespace dragops::store
