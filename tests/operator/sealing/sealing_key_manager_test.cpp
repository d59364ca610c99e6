#include "operator/sealing/sealing_key_manager.hpp"

#include "../fake_api.hpp"
#include "crypto/base64.hpp"
#include "operator/sealing/endpoint.hpp"
#include "store/names.hpp"
#include "store/sealed_input.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dragops::op::sealing {
namespace {

using op::testing::FakeApi;
using namespace std::chrono_literals;

struct SealingFixture : ::testing::Test {
  FakeApi api;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1'800'000'000);
  KeyManager root{api, {"dragops-system"}, [this] { return now; }};
  SealingKeyManager sealing{api, root, {"dragops-system", 1h, 30s}, [this] { return now; }};
  KeyIds in_use;

  void SetUp() override {
    ASSERT_TRUE(root.ensure_root_key());
    auto ensured = sealing.ensure();
    ASSERT_TRUE(ensured) << ensured.error();
  }
  boost::json::object config_map() {
    return *api.get(kube::gvr::config_maps(), "dragops-system", store::kSealingKeyConfigMapName);
  }
  std::string data(const boost::json::object& object, std::string_view key) {
    return std::string(object.at("data").at(key).as_string());
  }
  void request_rotation(const std::string& value) {
    ASSERT_TRUE(static_cast<kube::Api&>(api).patch(
        kube::gvr::secrets(), "dragops-system", store::kSealingKeysName, kube::PatchType::merge,
        R"({"metadata":{"annotations":{"dragops.io/rotate":")" + value + R"("}}})"));
  }
  SealingKeyManager::MaintenanceReport maintain() {
    return sealing.maintain([this] { return std::optional<KeyIds>(in_use); });
  }
};

TEST_F(SealingFixture, CreatesTheKeyOnFirstStartAndPublishesItsPublicKey) {
  auto secret = api.get(kube::gvr::secrets(), "dragops-system", store::kSealingKeysName);
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->at("type").as_string(), "dragops.io/sealing-keys");
  const auto keys = sealing.sealing_keys();
  ASSERT_TRUE(keys);
  const auto cm = config_map();
  EXPECT_EQ(data(cm, "publicKey"), crypto::base64_encode(keys->newest().pair.public_key));
  EXPECT_EQ(data(cm, "keyId"), store::key_id_hex(keys->newest().id));
  EXPECT_EQ(data(cm, "acceptedKeyIds"), store::key_id_hex(keys->newest().id));
}

TEST_F(SealingFixture, NoObjectHoldsThePrivateKeyInTheClear) {
  const auto& private_key = sealing.sealing_keys()->newest().pair.private_key;
  const auto dump = api.dump();
  EXPECT_EQ(dump.find(crypto::base64_encode(private_key.span())), std::string::npos);
  EXPECT_EQ(dump.find(std::string(private_key.view())), std::string::npos);
}

TEST_F(SealingFixture, ARestartedManagerLoadsTheSameKeyAndWritesNothing) {
  const int writes = api.writes;
  KeyManager root_again{api, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(root_again.ensure_root_key());
  SealingKeyManager again{api, root_again, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(again.ensure());
  EXPECT_EQ(again.sealing_keys()->newest().id, sealing.sealing_keys()->newest().id);
  EXPECT_EQ(api.writes, writes);
}

TEST_F(SealingFixture, RotationPublishesANewKeyAndKeepsTheOldOneWhileSealedInputNamesIt) {
  const auto first = sealing.sealing_keys()->newest().id;
  in_use = {first};
  request_rotation("r1");
  auto report = maintain();
  ASSERT_EQ(report.rotated, 2u);
  const auto second = sealing.sealing_keys()->newest().id;
  EXPECT_NE(second, first);
  EXPECT_EQ(data(config_map(), "keyId"), store::key_id_hex(second));
  EXPECT_EQ(data(config_map(), "acceptedKeyIds"), store::key_id_hex(second) + " " + store::key_id_hex(first));
  auto secret = api.get(kube::gvr::secrets(), "dragops-system", store::kSealingKeysName);
  EXPECT_EQ(secret->at("metadata").at("annotations").at("dragops.io/rotated").as_string(), "r1");

  EXPECT_FALSE(maintain().rotated);   // handled once
  now += 2h;                          // past the grace, but still in use
  EXPECT_TRUE(maintain().retired.empty());
  EXPECT_NE(sealing.sealing_keys()->find(first), nullptr);

  in_use = {second};                  // every object re-sealed
  EXPECT_TRUE(maintain().retired.empty());   // seen at the next usage scan, not before
  now += 30s;
  EXPECT_EQ(maintain().retired, std::vector<std::uint32_t>{1});
  EXPECT_EQ(sealing.sealing_keys()->find(first), nullptr);
  EXPECT_EQ(data(config_map(), "acceptedKeyIds"), store::key_id_hex(second));
}

TEST_F(SealingFixture, WhileAnOldKeyIsInUseTheUsageScanRunsAtMostOncePerPeriod) {
  SealingKeyManager throttled{api, root, {"dragops-system", 1h, 30s, 10s}, [this] { return now; }};
  ASSERT_TRUE(throttled.ensure());
  const auto first = throttled.sealing_keys()->newest().id;
  request_rotation("r1");
  int scans = 0;
  auto scan = [&] {
    ++scans;
    return std::optional<KeyIds>(KeyIds{first});
  };
  throttled.maintain(scan);   // the rotation: no scan
  EXPECT_EQ(scans, 0);
  now += 2h;                  // past the grace: a key could go
  throttled.maintain(scan);
  throttled.maintain(scan);
  now += 9s;
  throttled.maintain(scan);
  EXPECT_EQ(scans, 1);
  now += 1s;
  throttled.maintain(scan);
  EXPECT_EQ(scans, 2);
  EXPECT_EQ(throttled.key_count(), 2u);
}

TEST_F(SealingFixture, AManagerThatMissedARotationReloadsTheKeys) {
  KeyManager other_root{api, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(other_root.ensure_root_key());
  SealingKeyManager other{api, other_root, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(other.ensure());
  request_rotation("r1");
  ASSERT_TRUE(maintain().rotated);
  other.maintain([] { return std::optional<KeyIds>(); });
  EXPECT_EQ(other.sealing_keys()->newest().id, sealing.sealing_keys()->newest().id);
  EXPECT_EQ(other.key_count(), 2u);
}

TEST_F(SealingFixture, RepairsAnEditedConfigMapAndRecreatesADeletedKeySecret) {
  auto cm = config_map();
  cm["data"].as_object()["publicKey"] = "tampered";
  ASSERT_TRUE(static_cast<kube::Api&>(api).update(kube::gvr::config_maps(), "dragops-system", cm));
  now += 31s;
  maintain();
  EXPECT_EQ(data(config_map(), "publicKey"), crypto::base64_encode(sealing.sealing_keys()->newest().pair.public_key));

  ASSERT_TRUE(static_cast<kube::Api&>(api).remove(kube::gvr::secrets(), "dragops-system", store::kSealingKeysName, {}));
  maintain();
  KeyManager root_again{api, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(root_again.ensure_root_key());
  SealingKeyManager restarted{api, root_again, {"dragops-system"}, [this] { return now; }};
  ASSERT_TRUE(restarted.ensure());
  EXPECT_EQ(restarted.sealing_keys()->newest().id, sealing.sealing_keys()->newest().id);
}

TEST_F(SealingFixture, AStandbyServesWhatTheConfigMapPublishes) {
  KeyManager standby_root{api, {"dragops-system"}, [this] { return now; }};
  SealingKeyManager standby{api, standby_root, {"dragops-system"}, [this] { return now; }};
  EXPECT_FALSE(standby.sealing_keys());
  EXPECT_EQ(standby.published(), sealing.published());
  EXPECT_TRUE(standby.published());
}

http::Request request(std::string method, std::string target) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

TEST_F(SealingFixture, GetSealingKeyAnswersThePublishedKeyAsJson) {
  const PublishedKeyProvider provider = [this] { return sealing.published(); };
  EXPECT_TRUE(is_sealing_key_request(request("GET", "/v1/sealing-key?x=1")));
  EXPECT_FALSE(is_sealing_key_request(request("GET", "/metrics")));
  auto response = handle_sealing_key(provider, request("GET", "/v1/sealing-key"));
  EXPECT_EQ(response.status, 200);
  auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("keyId").as_string(), store::key_id_hex(sealing.sealing_keys()->newest().id));
  EXPECT_EQ(body.at("publicKey").as_string(), crypto::base64_encode(sealing.sealing_keys()->newest().pair.public_key));
  EXPECT_EQ(body.at("acceptedKeyIds").as_array().size(), 1u);
  EXPECT_EQ(handle_sealing_key(provider, request("POST", "/v1/sealing-key")).status, 405);
  EXPECT_EQ(handle_sealing_key([] { return std::optional<PublishedKey>(); }, request("GET", "/v1/sealing-key")).status, 503);
}

TEST(PublicKeyConfigMap, RefusesAKeyThatDoesNotMatchItsId) {
  auto keys = *SealingKeySet::generate(std::chrono::system_clock::now());
  auto cm = build_public_key_config_map("dragops-system", published_key(keys));
  EXPECT_EQ(parse_public_key_config_map(cm), published_key(keys));
  cm["data"].as_object()["keyId"] = "0000000000000000";
  EXPECT_FALSE(parse_public_key_config_map(cm));
}

}  // namespace
}  // namespace dragops::op::sealing
