#include "store/keyring_objects.hpp"

#include "store/names.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace dragops::store {
namespace {

TEST(RootKeySecret, RoundTripsTheRing) {
  auto root = crypto::Keyring::generate();
  const auto secret = build_root_key_secret("dragops-system", root);
  EXPECT_EQ(secret.at("metadata").at("name").as_string(), "dragops-root-key");
  EXPECT_EQ(secret.at("type").as_string(), "dragops.io/root-key");
  auto loaded = load_plain_keyring(secret);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_TRUE(loaded->key(1)->equals(*root.key(1)));
}

TEST(AuthoritativeKeyring, OpensOnlyForItsNamespaceAndRootKey) {
  auto root = crypto::Keyring::generate();
  auto data = crypto::Keyring::generate();
  data.rotate();
  const auto secret = build_authoritative_keyring_secret("dragops-system", "team-a", "root-uid", root, data);
  EXPECT_EQ(secret.at("metadata").at("name").as_string(), "dragops-keyring-team-a");
  EXPECT_EQ(secret.at("metadata").at("namespace").as_string(), "dragops-system");
  EXPECT_EQ(secret.at("type").as_string(), "dragops.io/keyring");

  auto opened = open_authoritative_keyring(secret, "team-a", "root-uid", root);
  ASSERT_TRUE(opened.has_value()) << opened.error();
  EXPECT_EQ(opened->primary(), 2u);
  EXPECT_TRUE(opened->key(1)->equals(*data.key(1)));

  EXPECT_FALSE(open_authoritative_keyring(secret, "team-b", "root-uid", root).has_value());
  EXPECT_FALSE(open_authoritative_keyring(secret, "team-a", "other-root", root).has_value());
  EXPECT_FALSE(open_authoritative_keyring(secret, "team-a", "root-uid", crypto::Keyring::generate()).has_value());
}

TEST(AuthoritativeKeyring, DoesNotCarryTheDataKeysInPlaintext) {
  auto root = crypto::Keyring::generate();
  auto data = crypto::Keyring::generate();
  const auto projected = build_projected_keyring_secret("team-a", data);
  const auto sealed = build_authoritative_keyring_secret("dragops-system", "team-a", "u", root, data);
  const auto plain = projected.at("data").at("keyring").as_string();
  EXPECT_EQ(boost::json::serialize(sealed).find(std::string_view(plain).substr(0, 24)), std::string::npos);
}

TEST(ProjectedKeyring, IsThePlainRingInTheAppNamespace) {
  auto data = crypto::Keyring::generate();
  auto secret = build_projected_keyring_secret("team-a", data);
  EXPECT_EQ(secret.at("metadata").at("name").as_string(), "dragops-data-keys");
  EXPECT_EQ(secret.at("metadata").at("namespace").as_string(), "team-a");
  auto loaded = load_plain_keyring(secret);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_TRUE(loaded->key(1)->equals(*data.key(1)));
  wipe_data(secret);
  EXPECT_FALSE(load_plain_keyring(secret).has_value());
}

TEST(LoadPlainKeyring, NamesTheProblem) {
  boost::json::object secret{{"data", boost::json::object{}}};
  auto loaded = load_plain_keyring(secret);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error(), "data.keyring is missing");
}

TEST(Names, FollowTheContract) {
  EXPECT_EQ(store_name(Kind::connection, "jira"), "dragops-conn-jira");
  EXPECT_EQ(store_name(Kind::secret, "db"), "dragops-secret-db");
  EXPECT_EQ(authoritative_keyring_name("team-a"), "dragops-keyring-team-a");
}

}  // namespace
}  // namespace dragops::store
