#include "operator/apply.hpp"

#include "fake_api.hpp"
#include "operator/decide.hpp"
#include "operator/observation.hpp"
#include "operator/reasons.hpp"
#include "store/store_object.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace dragops::op {
namespace {

using testing::FakeApi;
constexpr const char* kCanary = "CANARY-apply-99ab";

struct CollectingSink : EventSink {
  std::vector<EventSpec> events;
  void emit(const boost::json::object&, const EventSpec& event) override { events.push_back(event); }
};

struct ApplyFixture : ::testing::Test {
  FakeApi api;
  CollectingSink sink;
  Applier applier{api, sink};
  crypto::Keyring ring = crypto::Keyring::generate();

  boost::json::object create_connection() {
    boost::json::object cr{{"apiVersion", "dragops.io/v1alpha1"},
                           {"kind", "Connection"},
                           {"metadata", {{"name", "vt"}, {"generation", 1}}},
                           {"spec", {{"pack", "virustotal"}, {"credentialsRef", {{"name", "vt-creds"}}}}}};
    return *api.create(kube::gvr::connections(), "team-a", cr);
  }
  ConnectionObservation observe(const boost::json::object& cr, const char* key) {
    ConnectionObservation o;
    o.resource = *parse_resource(cr, store::Kind::connection);
    o.spec = parse_connection_spec(cr);
    packs::Pack pack;
    pack.name = "virustotal";
    pack.auth_type = packs::AuthType::api_key;
    pack.fields = {{"api_key", "API key", true, true, packs::FieldFormat::text}};
    o.pack.pack = pack;
    SecretData data;
    data.emplace("api_key", crypto::SecretBytes::from_string(key));
    o.secrets.emplace("vt-creds", std::move(data));
    o.keys.primary = ring.primary();
    o.now = "2026-11-24T10:00:00Z";
    if (auto existing = api.get(kube::gvr::secrets(), "team-a", "dragops-conn-vt")) {
      auto parsed = store::parse_store(*existing);
      ExistingStore e{*parsed, {}, {}};
      const auto& annotations = existing->at("metadata").as_object().at("annotations").as_object();
      if (auto field = annotations.if_contains("dragops.io/token-field")) e.token_field = field->as_string();
      if (auto opened = store::open_items(*parsed, ring)) e.opened = std::move(*opened);
      o.store = std::move(e);
    }
    return o;
  }
  kube::Result<ApplyCounts> pass(const char* key = kCanary) {
    auto cr = *api.get(kube::gvr::connections(), "team-a", "vt");
    auto decision = decide_connection(observe(cr, key));
    auto existing = api.get(kube::gvr::secrets(), "team-a", "dragops-conn-vt");
    return applier.apply(kube::gvr::connections(), cr, decision, existing ? &*existing : nullptr, &ring);
  }
};

TEST_F(ApplyFixture, FirstPassSealsAndReportsReadyInTwoWrites) {
  create_connection();
  auto counts = pass();
  ASSERT_TRUE(counts.has_value()) << counts.error().message;
  EXPECT_EQ(counts->store_writes, 1);
  EXPECT_EQ(counts->status_writes, 1);
  EXPECT_EQ(counts->metadata_writes, 0) << "an API-key Connection needs no finalizer";
  auto cr = *api.get(kube::gvr::connections(), "team-a", "vt");
  EXPECT_FALSE(cr.at("metadata").as_object().contains("finalizers"));
  EXPECT_EQ(parse_status(cr).condition("Ready")->status, "True");
  auto store = api.get(kube::gvr::secrets(), "team-a", "dragops-conn-vt");
  ASSERT_TRUE(store.has_value());
  // ...because the store goes with it: owned by the Connection, for kube's garbage collector.
  const auto& owner = store->at("metadata").at("ownerReferences").at(0);
  EXPECT_EQ(owner.at("kind"), "Connection");
  EXPECT_EQ(owner.at("uid"), cr.at("metadata").at("uid"));
  auto opened = store::open_connection(*store, ring);
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->fields.at("api_key").view(), kCanary);
  EXPECT_EQ(api.dump().find(kCanary), std::string::npos);
  ASSERT_EQ(sink.events.size(), 1u);   // one Event reports both transitions
}

TEST_F(ApplyFixture, TheStoreNamesItsTokenField) {
  create_connection();
  ASSERT_TRUE(pass().has_value());
  auto store = *api.get(kube::gvr::secrets(), "team-a", "dragops-conn-vt");
  EXPECT_EQ(store.at("metadata").at("annotations").at("dragops.io/token-field").as_string(), "api_key");
}

TEST_F(ApplyFixture, ASecondPassWritesNothing) {
  create_connection();
  ASSERT_TRUE(pass().has_value());
  const int writes = api.writes;
  auto counts = pass();
  ASSERT_TRUE(counts.has_value());
  EXPECT_EQ(api.writes, writes);
}

TEST_F(ApplyFixture, AChangedValueUpdatesTheStoreInPlace) {
  create_connection();
  ASSERT_TRUE(pass().has_value());
  ASSERT_TRUE(pass("new-key").has_value());
  auto opened = store::open_connection(*api.get(kube::gvr::secrets(), "team-a", "dragops-conn-vt"), ring);
  EXPECT_EQ(opened->fields.at("api_key").view(), "new-key");
}

TEST_F(ApplyFixture, DeletionRemovesTheStoreThenTheFinalizer) {
  create_connection();
  ASSERT_TRUE(pass().has_value());
  // A finalizer an older operator added (or an oauth2 Connection's) is removed on deletion.
  ASSERT_TRUE(static_cast<kube::Api&>(api)
                  .patch(kube::gvr::connections(), "team-a", "vt", kube::PatchType::merge,
                         R"({"metadata":{"finalizers":["dragops.io/finalizer"]}})")
                  .has_value());
  ASSERT_TRUE(static_cast<kube::Api&>(api)
                  .patch(kube::gvr::connections(), "team-a", "vt", kube::PatchType::merge,
                         R"({"metadata":{"deletionTimestamp":"2026-11-24T10:00:00Z"}})")
                  .has_value());
  auto counts = pass();
  ASSERT_TRUE(counts.has_value()) << counts.error().message;
  EXPECT_EQ(counts->store_deletes, 1);
  EXPECT_FALSE(api.contains(kube::gvr::secrets(), "team-a", "dragops-conn-vt"));
  auto cr = *api.get(kube::gvr::connections(), "team-a", "vt");
  EXPECT_TRUE(cr.at("metadata").at("finalizers").as_array().empty());
}

TEST_F(ApplyFixture, AStaleResourceVersionIsAConflictNotAnOverwrite) {
  create_connection();
  ASSERT_TRUE(pass().has_value());
  auto stale = *api.get(kube::gvr::secrets(), "team-a", "dragops-conn-vt");
  ASSERT_TRUE(pass("other").has_value());
  auto cr = *api.get(kube::gvr::connections(), "team-a", "vt");
  auto decision = decide_connection(observe(cr, "third"));
  auto counts = applier.apply(kube::gvr::connections(), cr, decision, &stale, &ring);
  ASSERT_FALSE(counts.has_value());
  EXPECT_TRUE(counts.error().conflict());
}

}  // namespace
}  // namespace dragops::op
