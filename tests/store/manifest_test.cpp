// The sealed manifest (store/manifest.hpp): what decides serving is authenticated, bound to its
// object, and cannot be changed through the store's metadata.
#include "store/manifest.hpp"

#include "crypto/base64.hpp"

#include <gtest/gtest.h>

namespace dragops::store {
namespace {

Plaintexts values(std::initializer_list<std::pair<const char*, const char*>> entries) {
  Plaintexts out;
  for (const auto& [key, value] : entries) out.emplace(key, crypto::SecretBytes::from_string(value));
  return out;
}

Store oauth_store(const crypto::Keyring& ring) {
  Store store;
  store.owner = {Kind::connection, "team-a", "github", "uid-1"};
  store.key_version = ring.primary();
  store.pack = "github";
  store.auth_type = "oauth2";
  store.token_field = "access_token";
  store.expires_at = "2030-01-01T00:00:00Z";
  store.obtained_at = "2029-12-31T23:00:00Z";
  store.serial = 42;
  store.envelopes = seal_items(ring, store.owner,
                               values({{"access_token", "a"}, {"refresh_token", "r"}, {"token_type", "Bearer"},
                                       {"oauth_client_id", "id"}, {"oauth_client_secret", "s"}, {"oauth_token_url", "u"}}));
  return store;
}

TEST(ServedItems, LeaveOutTheRefreshTokenAndTheSealedClientOfAnOAuthStore) {
  const auto ring = crypto::Keyring::generate();
  const auto store = oauth_store(ring);
  EXPECT_EQ(served_items("oauth2", store.envelopes), (std::vector<std::string>{"access_token", "token_type"}));
  EXPECT_EQ(served_items("fields", store.envelopes).size(), store.envelopes.size());
}

TEST(Manifest, RoundTripsThroughTheStoreObject) {
  const auto ring = crypto::Keyring::generate();
  const auto object = build_store_object(oauth_store(ring), ring);
  auto parsed = parse_store(object);
  ASSERT_TRUE(parsed) << parsed.error();
  auto manifest = authenticate(*parsed, ring);
  ASSERT_TRUE(manifest) << manifest.error().message;
  EXPECT_EQ(manifest->pack, "github");
  EXPECT_EQ(manifest->auth_type, "oauth2");
  EXPECT_EQ(manifest->token_field, "access_token");
  EXPECT_EQ(manifest->expires_at, "2030-01-01T00:00:00Z");
  EXPECT_EQ(manifest->obtained_at, "2029-12-31T23:00:00Z");
  EXPECT_EQ(manifest->serial, 42u);
  EXPECT_TRUE(manifest->serves("access_token"));
  EXPECT_FALSE(manifest->serves("refresh_token"));
  EXPECT_FALSE(manifest->serves("oauth_client_secret"));
  EXPECT_EQ(parsed->token_field, "access_token");
  EXPECT_EQ(parsed->serial, 42u);
  // The annotations repeat the manifest for kubectl (and are never read back as the truth).
  EXPECT_EQ(object.at("metadata").at("annotations").at("dragops.io/token-field").as_string(), "access_token");
}

TEST(Manifest, AuthenticateReplacesWhatTheAnnotationsClaim) {
  const auto ring = crypto::Keyring::generate();
  auto object = build_store_object(oauth_store(ring), ring);
  auto& annotations = object["metadata"].as_object()["annotations"].as_object();
  annotations["dragops.io/auth-type"] = "fields";
  annotations["dragops.io/expires-at"] = "2099-01-01T00:00:00Z";
  annotations["dragops.io/pack"] = "other";
  auto parsed = parse_store(object);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->auth_type, "fields");   // what the metadata says, before authentication
  ASSERT_TRUE(authenticate(*parsed, ring));
  EXPECT_EQ(parsed->auth_type, "oauth2");
  EXPECT_EQ(parsed->expires_at, "2030-01-01T00:00:00Z");
  EXPECT_EQ(parsed->pack, "github");
}

TEST(Manifest, DoesNotOpenForAnotherObjectOrOwner) {
  const auto ring = crypto::Keyring::generate();
  const auto store = oauth_store(ring);
  const auto sealed = seal_manifest(ring, store.owner, manifest_of(store));
  EXPECT_TRUE(open_manifest(ring, store.owner, sealed));
  for (auto other : {Owner{Kind::connection, "team-a", "github", "uid-2"}, Owner{Kind::connection, "team-b", "github", "uid-1"},
                     Owner{Kind::connection, "team-a", "gitlab", "uid-1"}, Owner{Kind::secret, "team-a", "github", "uid-1"}}) {
    auto opened = open_manifest(ring, other, sealed);
    ASSERT_FALSE(opened);
    EXPECT_NE(opened.error().find("does not open"), std::string::npos) << opened.error();
  }
  EXPECT_FALSE(open_manifest(crypto::Keyring::generate(), store.owner, sealed));
}

TEST(Manifest, AnEnvelopeOfAValueIsNotAManifest) {
  const auto ring = crypto::Keyring::generate();
  auto store = oauth_store(ring);
  EXPECT_FALSE(open_manifest(ring, store.owner, store.envelopes.at("access_token")));
  EXPECT_EQ(open_manifest(ring, store.owner, {}).error(), "no sealed manifest");
}

TEST(Manifest, AStoreWithoutOneDoesNotAuthenticate) {
  const auto ring = crypto::Keyring::generate();
  auto object = build_store_object(oauth_store(ring), ring);
  object["data"].as_object().erase("manifest");
  auto parsed = parse_store(object);
  ASSERT_TRUE(parsed);
  auto manifest = authenticate(*parsed, ring);
  ASSERT_FALSE(manifest);
  EXPECT_EQ(manifest.error().item, kManifestItem);
  EXPECT_FALSE(open_connection(object, ring));
}

TEST(Manifest, TheOwnerUidIsTheControllerOwnerReferences) {
  const auto ring = crypto::Keyring::generate();
  auto object = build_store_object(oauth_store(ring), ring);
  EXPECT_EQ(controller_uid(object, Kind::connection), "uid-1");
  EXPECT_EQ(controller_uid(object, Kind::secret), "");
  object["metadata"].as_object()["ownerReferences"] = boost::json::array{};
  EXPECT_EQ(controller_uid(object, Kind::connection), "");
  EXPECT_FALSE(parse_store(object));
}

TEST(NextSerial, AlwaysGrows) {
  const auto first = next_serial(0);
  EXPECT_GT(first, 1'700'000'000'000u);   // the wall clock in milliseconds
  EXPECT_GT(next_serial(first), first);
  EXPECT_EQ(next_serial(UINT64_C(9'000'000'000'000'000)), UINT64_C(9'000'000'000'000'001));
}

}  // namespace
}  // namespace dragops::store
