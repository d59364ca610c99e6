// The root key in its two forms (plain, wrapped by a token key) and its rotation, with a fake
// token key; tests/pkcs11 holds the real one against SoftHSM2, tests/e2e/operator_rotation.sh
// both against a cluster.

#include "operator/keys.hpp"

#include "crypto/aead.hpp"
#include "crypto/base64.hpp"
#include "crypto/envelope.hpp"
#include "crypto/random.hpp"
#include "fake_api.hpp"
#include "operator/sealing/sealing_key_manager.hpp"
#include "store/keyring_objects.hpp"
#include "store/names.hpp"
#include "store/root_key.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <gtest/gtest.h>

namespace dragops::op {
namespace {

using testing::FakeApi;
using namespace std::chrono_literals;

// AES-256-GCM under a key held in memory, in the layout of pkcs11::TokenKey.
class FakeTokenKey final : public crypto::KeyWrapper {
 public:
  explicit FakeTokenKey(std::string label) : key_(32), label_(std::move(label)) { crypto::random_bytes(key_.span()); }
  boost::system::result<std::vector<std::uint8_t>, std::string> wrap(std::span<const std::uint8_t> plaintext,
                                                                     std::span<const std::uint8_t> aad) override {
    std::vector<std::uint8_t> out(1 + 12 + plaintext.size() + 16);
    out[0] = 1;
    crypto::random_bytes(std::span(out).subspan(1, 12));
    if (!crypto::aes256gcm_encrypt(key_.span(), std::span(out).subspan(1, 12), aad, plaintext,
                                   std::span(out).subspan(13, plaintext.size()), std::span(out).last(16)))
      return {boost::system::in_place_error, "encrypt failed"};
    return out;
  }
  boost::system::result<crypto::SecretBytes, std::string> unwrap(std::span<const std::uint8_t> wrapped,
                                                                 std::span<const std::uint8_t> aad) override {
    if (wrapped.size() < 29) return {boost::system::in_place_error, "too short"};
    auto plain = crypto::SecretBytes(wrapped.size() - 29);
    if (!crypto::aes256gcm_decrypt(key_.span(), wrapped.subspan(1, 12), aad, wrapped.subspan(13, plain.size()),
                                   wrapped.last(16), plain.span()))
      return {boost::system::in_place_error, "does not unwrap with key \"" + label_ + "\": CKR_ENCRYPTED_DATA_INVALID"};
    return plain;
  }
  crypto::KeyWrapperInfo info() const override { return {"pkcs11", "CKM_AES_GCM", "test-token", label_}; }

 private:
  crypto::SecretBytes key_;
  std::string label_;
};

struct RootKeyFixture : ::testing::Test {
  FakeApi api;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1'800'000'000);
  std::shared_ptr<FakeTokenKey> token = std::make_shared<FakeTokenKey>("root-wrap");

  WrapperSource source(std::shared_ptr<crypto::KeyWrapper> key) {
    return [key]() -> boost::system::result<std::shared_ptr<crypto::KeyWrapper>, std::string> { return key; };
  }
  std::unique_ptr<KeyManager> manager(WrapperSource wrapper = {}) {
    KeyManager::Options options{"dragops-system", 0s, 0s, 0s, std::move(wrapper)};
    return std::make_unique<KeyManager>(api, options, [this] { return now; });
  }
  boost::json::object root_secret() { return *api.get(kube::gvr::secrets(), "dragops-system", store::kRootKeyName); }
  void request_root_rotation(const std::string& value) {
    ASSERT_TRUE(static_cast<kube::Api&>(api).patch(
        kube::gvr::secrets(), "dragops-system", store::kRootKeyName, kube::PatchType::merge,
        R"({"metadata":{"annotations":{"dragops.io/rotate-root-key":")" + value + R"("}}})"));
  }
  std::uint32_t envelope_version(const std::string& name, std::string_view key) {
    auto secret = *api.get(kube::gvr::secrets(), "dragops-system", name);
    auto bytes = crypto::base64_decode(secret.at("data").at(key).as_string());
    return *crypto::key_version_of(*bytes);
  }
  std::string annotation(std::string_view key) {
    const auto secret = root_secret();
    const auto& metadata = secret.at("metadata").as_object();
    const auto* annotations = metadata.if_contains("annotations");
    if (!annotations) return "";
    const auto* value = annotations->as_object().if_contains(key);
    return value ? std::string(value->as_string()) : "";
  }
  // Runs maintain_root until it reports no rotation in progress (at most n passes).
  void rotate_to_the_end(KeyManager& keys, int n = 5) {
    for (int i = 0; i < n; ++i)
      if (!keys.maintain_root().in_progress) return;
    FAIL() << "root key rotation did not finish in " << n << " passes";
  }
};

TEST_F(RootKeyFixture, AWrappedRootKeySecretHoldsNoKeyAndNamesWhatWrappedIt) {
  auto keys = manager(source(token));
  auto loaded = keys->ensure_root_key();
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto secret = root_secret();
  EXPECT_EQ(store::root_key_form(secret), store::RootKeyForm::wrapped);
  EXPECT_FALSE(secret.at("data").as_object().contains("keyring"));
  EXPECT_EQ(store::root_key_wrapping(secret), token->info());
  // The stored bytes are not a ring, and the ring's key is not among them.
  const auto wrapped = *crypto::base64_decode(secret.at("data").at("wrappedKeyring").as_string());
  EXPECT_FALSE(crypto::Keyring::load(std::string_view(reinterpret_cast<const char*>(wrapped.data()), wrapped.size())));
  const auto ring = keys->root_key()->ring;
  const auto* key = ring->key(ring->primary());
  EXPECT_EQ(std::search(wrapped.begin(), wrapped.end(), key->data(), key->data() + key->size()), wrapped.end());
  // A restarted operator with the same token key opens it and writes nothing.
  const int writes = api.writes;
  auto restarted = manager(source(token));
  ASSERT_TRUE(restarted->ensure_root_key());
  EXPECT_TRUE(restarted->root_key()->ring->key(ring->primary())->equals(*key));
  EXPECT_EQ(api.writes, writes);
}

TEST_F(RootKeyFixture, AnotherTokenKeyDoesNotOpenItAndNothingChanges) {
  ASSERT_TRUE(manager(source(token))->ensure_root_key());
  const auto before = root_secret();
  const int writes = api.writes;
  auto other = manager(source(std::make_shared<FakeTokenKey>("root-wrap")));
  auto loaded = other->ensure_root_key();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().reason, "RootKeyUnavailable");
  EXPECT_NE(loaded.error().message.find("does not unwrap with key \"root-wrap\""), std::string::npos) << loaded.error().message;
  EXPECT_EQ(other->root_key_problem(), loaded.error().message);
  EXPECT_FALSE(other->root_key());
  EXPECT_EQ(api.writes, writes);
  EXPECT_EQ(root_secret(), before);
}

TEST_F(RootKeyFixture, PlainModeRefusesAWrappedRootKeyInsteadOfFallingBack) {
  ASSERT_TRUE(manager(source(token))->ensure_root_key());
  const int writes = api.writes;
  auto plain = manager();
  auto loaded = plain->ensure_root_key();
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("wrapped by PKCS#11 key \"root-wrap\" on token \"test-token\""), std::string::npos)
      << loaded.error().message;
  EXPECT_EQ(api.writes, writes);
}

TEST_F(RootKeyFixture, AWrapperThatCannotOpenLeavesTheRootKeyUnloadedAndUnwritten) {
  WrapperSource broken = []() -> boost::system::result<std::shared_ptr<crypto::KeyWrapper>, std::string> {
    return {boost::system::in_place_error, "login to token \"t\" failed: CKR_PIN_INCORRECT (wrong PIN)"};
  };
  auto keys = manager(broken);
  auto loaded = keys->ensure_root_key();
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message, "PKCS#11: login to token \"t\" failed: CKR_PIN_INCORRECT (wrong PIN)");
  EXPECT_EQ(api.writes, 0);   // no plain root key is created instead
  EXPECT_FALSE(keys->ring("team-a"));
}

TEST_F(RootKeyFixture, RotationReWrapsEveryRingAndTheSealingKeysThenRetiresTheOldVersion) {
  auto keys = manager(source(token));
  ASSERT_TRUE(keys->ensure_root_key());
  auto team_a = *keys->ring("team-a");
  auto team_b = *keys->ring("team-b");
  sealing::SealingKeyManager sealing{api, *keys, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(sealing.ensure());
  const auto old_root = *keys->root_key()->ring;
  EXPECT_EQ(envelope_version("dragops-keyring-team-a", "keyring"), 1u);

  EXPECT_FALSE(keys->maintain_root().in_progress);   // nothing asked
  request_root_rotation("r1");
  const auto added = keys->maintain_root();
  EXPECT_EQ(added.added, std::optional<std::uint32_t>(2));
  const auto rewrapped = keys->maintain_root();
  EXPECT_EQ(rewrapped.rewrapped, 3u);   // two rings and the sealing keys
  EXPECT_EQ(rewrapped.retired, std::vector<std::uint32_t>{1});
  EXPECT_FALSE(rewrapped.in_progress);
  EXPECT_EQ(annotation("dragops.io/root-key-rotated"), "r1");
  EXPECT_EQ(annotation("dragops.io/root-key-rotating"), "");
  EXPECT_EQ(envelope_version("dragops-keyring-team-a", "keyring"), 2u);
  EXPECT_EQ(envelope_version("dragops-sealing-keys", "keys"), 2u);

  const auto root = *keys->root_key()->ring;
  EXPECT_EQ(root.versions(), std::vector<std::uint32_t>{2});
  EXPECT_FALSE(root.key(2)->equals(*old_root.key(1)));
  // The data keys did not change, so no store and no projection moves; the rings open under
  // the new root key only.
  auto secret = *api.get(kube::gvr::secrets(), "dragops-system", "dragops-keyring-team-a");
  auto reopened = store::open_authoritative_keyring(secret, "team-a", keys->root_key()->uid, root);
  ASSERT_TRUE(reopened) << reopened.error();
  EXPECT_TRUE(reopened->key(1)->equals(*team_a->key(1)));
  EXPECT_FALSE(store::open_authoritative_keyring(secret, "team-a", keys->root_key()->uid, old_root));
  // A restarted operator opens everything, and the sealing keys too.
  auto restarted = manager(source(token));
  ASSERT_TRUE(restarted->ensure_root_key());
  auto b = restarted->ring("team-b");
  ASSERT_TRUE(b) << b.error();
  EXPECT_TRUE((*b)->key(1)->equals(*team_b->key(1)));
  sealing::SealingKeyManager sealing_again{api, *restarted, {"dragops-system"}, [this] { return now; }};
  auto ensured = sealing_again.ensure();
  EXPECT_TRUE(ensured) << ensured.error();
  // The same request is not handled twice; a new one rotates again.
  EXPECT_FALSE(restarted->maintain_root().in_progress);
  request_root_rotation("r2");
  rotate_to_the_end(*restarted);
  EXPECT_EQ(restarted->root_key()->ring->versions(), std::vector<std::uint32_t>{3});
}

TEST_F(RootKeyFixture, ARestartMidRotationKeepsTheOldVersionUntilEveryRingIsReWrapped) {
  auto keys = manager(source(token));
  ASSERT_TRUE(keys->ensure_root_key());
  ASSERT_TRUE(keys->ring("team-a"));
  request_root_rotation("r1");
  ASSERT_TRUE(keys->maintain_root().added);
  keys.reset();   // the operator dies after adding the version, before re-wrapping
  auto restarted = manager(source(token));
  ASSERT_TRUE(restarted->ensure_root_key());
  EXPECT_EQ(restarted->root_key()->ring->versions(), (std::vector<std::uint32_t>{1, 2}));
  auto ring = restarted->ring("team-a");   // still under version 1, which is kept
  ASSERT_TRUE(ring) << ring.error();
  rotate_to_the_end(*restarted);
  EXPECT_EQ(restarted->root_key()->ring->versions(), std::vector<std::uint32_t>{2});
  EXPECT_EQ(envelope_version("dragops-keyring-team-a", "keyring"), 2u);
  EXPECT_EQ(annotation("dragops.io/root-key-rotated"), "r1");
}

TEST_F(RootKeyFixture, AnObjectThatDoesNotOpenKeepsTheOldVersion) {
  auto keys = manager(source(token));
  ASSERT_TRUE(keys->ensure_root_key());
  ASSERT_TRUE(keys->ring("team-a"));
  // A ring whose envelope no root version opens (copied from elsewhere): never lose a key.
  auto foreign = crypto::Keyring::generate();
  auto object = store::build_authoritative_keyring_secret("dragops-system", "team-z", "other-uid", foreign,
                                                          crypto::Keyring::generate());
  ASSERT_TRUE(static_cast<kube::Api&>(api).create(kube::gvr::secrets(), "dragops-system", object));
  request_root_rotation("r1");
  keys->maintain_root();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(keys->maintain_root().in_progress);
  EXPECT_EQ(keys->root_key()->ring->versions(), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(envelope_version("dragops-keyring-team-a", "keyring"), 2u);
}

TEST_F(RootKeyFixture, TurningOnPkcs11WrapsAPlainRootKeyAndRotatesAwayFromIt) {
  auto plain = manager();
  ASSERT_TRUE(plain->ensure_root_key());
  auto team_a = *plain->ring("team-a");
  const auto plaintext_root = *plain->root_key()->ring;
  plain.reset();

  auto keys = manager(source(token));
  auto loaded = keys->ensure_root_key();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(store::root_key_form(root_secret()), store::RootKeyForm::wrapped);
  EXPECT_EQ(annotation("dragops.io/rotate-root-key"), "pkcs11-migration");
  rotate_to_the_end(*keys);
  EXPECT_EQ(annotation("dragops.io/root-key-rotated"), "pkcs11-migration");
  const auto root = *keys->root_key()->ring;
  EXPECT_EQ(root.versions(), std::vector<std::uint32_t>{2});
  // The version that sat in etcd in plaintext opens nothing any more.
  auto secret = *api.get(kube::gvr::secrets(), "dragops-system", "dragops-keyring-team-a");
  EXPECT_FALSE(store::open_authoritative_keyring(secret, "team-a", keys->root_key()->uid, plaintext_root));
  auto ring = manager(source(token));
  ASSERT_TRUE(ring->ensure_root_key());
  auto reopened = ring->ring("team-a");
  ASSERT_TRUE(reopened) << reopened.error();
  EXPECT_TRUE((*reopened)->key(1)->equals(*team_a->key(1)));
}

TEST_F(RootKeyFixture, APlainRootKeyRotatesToo) {
  auto keys = manager();
  ASSERT_TRUE(keys->ensure_root_key());
  ASSERT_TRUE(keys->ring("team-a"));
  request_root_rotation("r1");
  rotate_to_the_end(*keys);
  EXPECT_EQ(store::root_key_form(root_secret()), store::RootKeyForm::plain);
  EXPECT_EQ(keys->root_key()->ring->versions(), std::vector<std::uint32_t>{2});
  EXPECT_EQ(envelope_version("dragops-keyring-team-a", "keyring"), 2u);
}

}  // namespace
}  // namespace dragops::op
