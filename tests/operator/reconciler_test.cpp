#include "operator/reconciler.hpp"

#include "fake_api.hpp"
#include "operator/own_writes.hpp"

#include <gtest/gtest.h>

#include <map>

namespace dragops::op {
namespace {

using testing::FakeApi;

// Caches backed by the fake API itself (what the informers would hold), reads through for
// core Secrets and stores as the controller does.
struct ApiLookup : Lookup {
  FakeApi& api;
  explicit ApiLookup(FakeApi& a) : api(a) {}
  static kube::Gvr gvr_of(Source source) {
    switch (source) {
      case Source::connection: return kube::gvr::connections();
      case Source::dragops_secret: return kube::gvr::dragops_secrets();
      case Source::pack: return kube::gvr::integration_packs();
      default: return kube::gvr::secrets();
    }
  }
  ObjectPtr find(Source source, std::string_view ns, std::string_view name) const override {
    const bool failing = api.fail_gets;
    api.fail_gets = false;   // caches do not fail
    auto object = api.get(gvr_of(source), ns, name);
    api.fail_gets = failing;
    return object ? std::make_shared<const boost::json::object>(*object) : nullptr;
  }
  kube::Result<ObjectPtr> fetch(Source source, std::string_view ns, std::string_view name) const override {
    if (source != Source::core_secret && source != Source::store) return find(source, ns, name);
    auto object = api.get(gvr_of(source), ns, name);
    if (!object) {
      if (object.error().not_found()) return ObjectPtr{};
      return object.error();
    }
    return std::make_shared<const boost::json::object>(*object);
  }
};

struct NullSink : EventSink {
  int count = 0;
  void emit(const boost::json::object&, const EventSpec&) override { ++count; }
};

struct ReconcilerFixture : ::testing::Test {
  FakeApi api;
  ApiLookup lookup{api};
  KeyManager keys{api, {"dragops-system"}, [] { return std::chrono::system_clock::from_time_t(1'800'000'000); }};
  NullSink sink;
  Metrics metrics;
  OwnWrites own_writes;
  Reconciler reconciler{api, lookup, keys, sink, metrics,
                        [] { return std::chrono::system_clock::from_time_t(1'800'000'000); }, &own_writes};

  void SetUp() override {
    ASSERT_TRUE(keys.ensure_root_key().has_value());
    api.create(kube::gvr::integration_packs(), "",
               {{"metadata", {{"name", "generic-api-key"}}}, {"spec", {{"authType", "apiKey"}}}});
    api.create(kube::gvr::secrets(), "team-a",
               {{"metadata", {{"name", "creds"}}}, {"data", {{"api_key", "a2V5"}}}});
    api.create(kube::gvr::connections(), "team-a",
               {{"apiVersion", "dragops.io/v1alpha1"},
                {"kind", "Connection"},
                {"metadata", {{"name", "svc"}, {"generation", 1}}},
                {"spec", {{"pack", "generic-api-key"}, {"credentialsRef", {{"name", "creds"}}}}}});
  }
};

TEST_F(ReconcilerFixture, SealsAndThenWritesNothing) {
  auto first = reconciler.reconcile_connection("team-a", "svc");
  EXPECT_EQ(first.kind, Outcome::Kind::done);
  EXPECT_TRUE(api.contains(kube::gvr::secrets(), "team-a", "dragops-conn-svc"));
  EXPECT_EQ(metrics.store_writes(), 1.0);
  const int writes = api.writes;
  EXPECT_EQ(reconciler.reconcile_connection("team-a", "svc").kind, Outcome::Kind::done);
  EXPECT_EQ(api.writes, writes);
}

TEST_F(ReconcilerFixture, RemembersItsOwnWritesSoTheirEventsAreNotReconciledAgain) {
  reconciler.reconcile_connection("team-a", "svc");
  auto store = api.get(kube::gvr::secrets(), "team-a", "dragops-conn-svc");
  auto cr = api.get(kube::gvr::connections(), "team-a", "svc");
  EXPECT_TRUE(own_writes.consume("Store/team-a/dragops-conn-svc", std::string(store->at("metadata").at("resourceVersion").as_string())));
  EXPECT_TRUE(own_writes.consume("Connection/team-a/svc", std::string(cr->at("metadata").at("resourceVersion").as_string())));
  EXPECT_FALSE(own_writes.consume("Connection/team-a/svc", "999999"));
}

TEST_F(ReconcilerFixture, AnUnreadableSecretIsAnErrorToRetryNotMissingCredentials) {
  api.fail_gets = true;
  auto outcome = reconciler.reconcile_connection("team-a", "svc");
  api.fail_gets = false;
  EXPECT_EQ(outcome.kind, Outcome::Kind::error);
  auto cr = api.get(kube::gvr::connections(), "team-a", "svc");
  EXPECT_FALSE(cr->contains("status"));   // no CredentialsNotFound written on a transport error
  EXPECT_EQ(metrics.reconcile_count("Connection", "error"), 1.0);
}

TEST_F(ReconcilerFixture, AGoneResourceIsDone) {
  EXPECT_EQ(reconciler.reconcile_connection("team-a", "nope").kind, Outcome::Kind::done);
  EXPECT_EQ(reconciler.reconcile_secret("team-a", "nope").kind, Outcome::Kind::done);
}

TEST(OwnWrites, ConsumesARecordedVersionOnceAndForgetsOlderOnes) {
  OwnWrites writes;
  writes.record("k", "1");
  writes.record("k", "2");
  EXPECT_TRUE(writes.consume("k", "2"));
  EXPECT_FALSE(writes.consume("k", "1"));   // older than one already seen
  EXPECT_FALSE(writes.consume("k", "2"));
  EXPECT_EQ(writes.size(), 0u);
}

}  // namespace
}  // namespace dragops::op
