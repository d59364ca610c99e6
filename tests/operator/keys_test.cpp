#include "operator/keys.hpp"

#include "crypto/envelope.hpp"
#include "fake_api.hpp"
#include "store/keyring_objects.hpp"
#include "store/names.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace dragops::op {
namespace {

using testing::FakeApi;
using namespace std::chrono_literals;

struct KeysFixture : ::testing::Test {
  FakeApi api;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1'800'000'000);
  KeyManager keys{api, {"dragops-system", 0s, 0s, 0s}, [this] { return now; }};

  crypto::Keyring projected(const std::string& ns) {
    return *store::load_plain_keyring(*api.get(kube::gvr::secrets(), ns, "dragops-data-keys"));
  }
  void request_rotation(const std::string& value) {
    auto patched = static_cast<kube::Api&>(api).patch(kube::gvr::secrets(), "dragops-system", "dragops-root-key", kube::PatchType::merge,
                             R"({"metadata":{"annotations":{"dragops.io/rotate":")" + value + R"("}}})");
    ASSERT_TRUE(patched.has_value());
  }
};

TEST_F(KeysFixture, CreatesTheRootKeyOnceAndKeepsIt) {
  ASSERT_TRUE(keys.ensure_root_key().has_value());
  auto first = api.get(kube::gvr::secrets(), "dragops-system", "dragops-root-key");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->at("type").as_string(), "dragops.io/root-key");
  KeyManager again{api, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(again.ensure_root_key().has_value());
  auto second = api.get(kube::gvr::secrets(), "dragops-system", "dragops-root-key");
  EXPECT_EQ(first->at("data"), second->at("data"));
}

TEST_F(KeysFixture, CreatesARingPerNamespaceWithItsProjection) {
  ASSERT_TRUE(keys.ensure_root_key().has_value());
  auto ring = keys.ring("team-a");
  ASSERT_TRUE(ring.has_value()) << ring.error();
  EXPECT_TRUE(api.contains(kube::gvr::secrets(), "dragops-system", "dragops-keyring-team-a"));
  EXPECT_TRUE(projected("team-a").key(1)->equals(*(*ring)->key(1)));
  auto other = keys.ring("team-b");
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE((*other)->key(1)->equals(*(*ring)->key(1)));
}

TEST_F(KeysFixture, ARestartedManagerOpensTheSameRingAndWritesNothing) {
  ASSERT_TRUE(keys.ensure_root_key().has_value());
  auto ring = *keys.ring("team-a");
  const int writes = api.writes;
  KeyManager restarted{api, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(restarted.ensure_root_key().has_value());
  auto again = restarted.ring("team-a");
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_TRUE((*again)->key(1)->equals(*ring->key(1)));
  EXPECT_EQ(api.writes, writes);
}

TEST_F(KeysFixture, RepairsADeletedProjection) {
  ASSERT_TRUE(keys.ensure_root_key().has_value());
  ASSERT_TRUE(keys.ring("team-a").has_value());
  ASSERT_TRUE(api.remove(kube::gvr::secrets(), "team-a", "dragops-data-keys", {}).has_value());
  KeyManager restarted{api, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(restarted.ensure_root_key().has_value());
  ASSERT_TRUE(restarted.ring("team-a").has_value());
  EXPECT_TRUE(api.contains(kube::gvr::secrets(), "team-a", "dragops-data-keys"));
}

TEST_F(KeysFixture, RotationAddsPromotesAndRetiresKeepingEveryStoreOpenable) {
  ASSERT_TRUE(keys.ensure_root_key().has_value());
  auto ring = *keys.ring("team-a");
  const crypto::Context context{"team-a", "Connection", "jira", "u", "api_token"};
  auto sealed_v1 = crypto::seal(*ring, context, crypto::SecretBytes::from_string("v").span());
  std::set<std::uint32_t> in_use{1};
  auto usage = [&](const std::string&) -> std::optional<std::set<std::uint32_t>> { return in_use; };

  request_rotation("r1");
  auto step1 = keys.maintain(usage);   // add version 2, not primary
  EXPECT_TRUE(step1.promoted.empty());
  EXPECT_EQ(projected("team-a").versions(), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(projected("team-a").primary(), 1u);

  auto step2 = keys.maintain(usage);   // promote
  ASSERT_EQ(step2.promoted, std::vector<std::string>{"team-a"});
  auto promoted = *keys.ring("team-a");
  EXPECT_EQ(promoted->primary(), 2u);
  EXPECT_EQ(projected("team-a").primary(), 2u);
  EXPECT_TRUE(crypto::open(projected("team-a"), context, sealed_v1).has_value());

  auto step3 = keys.maintain(usage);   // version 1 still used: kept
  EXPECT_TRUE(step3.retired.empty());
  EXPECT_TRUE(crypto::open(projected("team-a"), context, sealed_v1).has_value());

  in_use = {2};   // every store re-sealed
  auto step4 = keys.maintain(usage);
  EXPECT_EQ(step4.retired, std::vector<std::string>{"team-a/1"});
  EXPECT_EQ(projected("team-a").versions(), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ((*keys.ring("team-a"))->versions(), (std::vector<std::uint32_t>{2}));

  keys.maintain(usage);   // all namespaces done: the request is recorded as handled
  auto root = api.get(kube::gvr::secrets(), "dragops-system", "dragops-root-key");
  EXPECT_EQ(root->at("metadata").at("annotations").at("dragops.io/rotated").as_string(), "r1");
  auto idle = keys.maintain(usage);
  EXPECT_TRUE(idle.promoted.empty());
  EXPECT_FALSE(idle.rotation_in_progress);
}

TEST_F(KeysFixture, RetiresNothingWhileUsageIsUnknown) {
  ASSERT_TRUE(keys.ensure_root_key().has_value());
  ASSERT_TRUE(keys.ring("team-a").has_value());
  request_rotation("r1");
  auto unknown = [](const std::string&) -> std::optional<std::set<std::uint32_t>> { return std::nullopt; };
  keys.maintain(unknown);
  keys.maintain(unknown);
  EXPECT_TRUE(keys.maintain(unknown).retired.empty());
  EXPECT_EQ(projected("team-a").versions(), (std::vector<std::uint32_t>{1, 2}));
}

TEST_F(KeysFixture, WaitsThePropagationDelayBeforePromoting) {
  KeyManager slow{api, {"dragops-system", 0s, 60s, 0s}, [this] { return now; }};
  ASSERT_TRUE(slow.ensure_root_key().has_value());
  ASSERT_TRUE(slow.ring("team-a").has_value());
  request_rotation("r1");
  auto usage = [](const std::string&) -> std::optional<std::set<std::uint32_t>> { return std::set<std::uint32_t>{1}; };
  slow.maintain(usage);
  EXPECT_TRUE(slow.maintain(usage).promoted.empty());
  now += 61s;
  EXPECT_EQ(slow.maintain(usage).promoted.size(), 1u);
}

TEST_F(KeysFixture, RotatesOnASchedule) {
  KeyManager scheduled{api, {"dragops-system", 3600s, 0s, 0s}, [this] { return now; }};
  ASSERT_TRUE(scheduled.ensure_root_key().has_value());
  ASSERT_TRUE(scheduled.ring("team-a").has_value());
  auto usage = [](const std::string&) -> std::optional<std::set<std::uint32_t>> { return std::set<std::uint32_t>{}; };
  scheduled.maintain(usage);
  EXPECT_EQ((*scheduled.ring("team-a"))->versions().size(), 1u);
  now += 3601s;
  scheduled.maintain(usage);
  EXPECT_EQ(scheduled.maintain(usage).promoted.size(), 1u);
  EXPECT_EQ((*scheduled.ring("team-a"))->primary(), 2u);
}

TEST_F(KeysFixture, NoKeyMaterialInAnyStoredObjectOtherThanTheProjectionAndRoot) {
  ASSERT_TRUE(keys.ensure_root_key().has_value());
  auto ring = *keys.ring("team-a");
  auto sealed = api.get(kube::gvr::secrets(), "dragops-system", "dragops-keyring-team-a");
  auto plain = api.get(kube::gvr::secrets(), "team-a", "dragops-data-keys")->at("data").at("keyring").as_string();
  EXPECT_EQ(boost::json::serialize(*sealed).find(std::string_view(plain).substr(0, 20)), std::string::npos);
}

TEST(Time, FormatsAndParsesRfc3339) {
  auto t = std::chrono::system_clock::from_time_t(1'800'000'000);
  EXPECT_EQ(format_time(t), "2027-01-15T08:00:00Z");
  EXPECT_EQ(parse_time("2027-01-15T08:00:00Z"), t);
  EXPECT_FALSE(parse_time("yesterday").has_value());
}

}  // namespace
}  // namespace dragops::op
