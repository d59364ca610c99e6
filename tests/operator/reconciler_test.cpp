#include "operator/reconciler.hpp"

#include "fake_api.hpp"
#include "operator/own_writes.hpp"
#include "store/manifest.hpp"
#include "store/store_object.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

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
  // hide_stores: as a store watch that has not seen the stores yet (until unsure() is called).
  bool hide_stores = false;
  mutable std::set<std::string> unsure_keys;
  bool may_exist(Source source, std::string_view ns, std::string_view name) const override {
    return source != Source::store || !hide_stores || unsure_keys.contains(std::string(ns) + "/" + std::string(name));
  }
  void unsure(Source source, std::string_view ns, std::string_view name) const override {
    if (source == Source::store) unsure_keys.insert(std::string(ns) + "/" + std::string(name));
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

  // team-a's store of svc as it is now (nullopt if it does not parse) and the ring that opens it.
  std::pair<std::optional<store::Store>, RingPtr> current_store() {
    auto parsed = store::parse_store(*api.get(kube::gvr::secrets(), "team-a", "dragops-conn-svc"));
    auto ring = keys.ring("team-a");
    return {parsed ? std::optional(std::move(*parsed)) : std::nullopt, ring ? *ring : nullptr};
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

TEST_F(ReconcilerFixture, ResealsAStoreAnOlderOperatorWroteWithoutAManifest) {
  // Migration (docs/security.md, finding 2): the next reconcile adds the sealed manifest.
  reconciler.reconcile_connection("team-a", "svc");
  auto old = *api.get(kube::gvr::secrets(), "team-a", "dragops-conn-svc");
  old["data"].as_object().erase("manifest");
  old["metadata"].as_object()["annotations"].as_object()["dragops.io/token-field"] = "api_key";
  ASSERT_TRUE(api.update(kube::gvr::secrets(), "team-a", old, ""));
  EXPECT_EQ(reconciler.reconcile_connection("team-a", "svc").kind, Outcome::Kind::done);
  auto [resealed, ring] = current_store();
  ASSERT_TRUE(resealed && ring);
  auto manifest = store::authenticate(*resealed, *ring);
  ASSERT_TRUE(manifest) << manifest.error().message;
  EXPECT_EQ(manifest->token_field, "api_key");
  EXPECT_EQ(manifest->served, std::vector<std::string>{"api_key"});
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

TEST_F(ReconcilerFixture, AStoreTheWatchHasNotSeenIsReadOnTheRetryAfterItsCreateFindsIt) {
  ASSERT_EQ(reconciler.reconcile_connection("team-a", "svc").kind, Outcome::Kind::done);
  const auto sealed = *api.get(kube::gvr::secrets(), "team-a", "dragops-conn-svc");
  auto creds = *api.get(kube::gvr::secrets(), "team-a", "creds");
  creds["data"].as_object()["api_key"] = "bmV3LWtleQ==";
  ASSERT_TRUE(api.update(kube::gvr::secrets(), "team-a", creds, ""));

  lookup.hide_stores = true;   // the store exists, but the lookup says it was never seen
  const auto first = reconciler.reconcile_connection("team-a", "svc");
  EXPECT_EQ(first.kind, Outcome::Kind::requeue);   // the create answered AlreadyExists
  EXPECT_TRUE(lookup.unsure_keys.contains("team-a/dragops-conn-svc"));
  EXPECT_EQ(*api.get(kube::gvr::secrets(), "team-a", "dragops-conn-svc"), sealed);   // the last good value is kept

  EXPECT_EQ(reconciler.reconcile_connection("team-a", "svc").kind, Outcome::Kind::done);
  auto [resealed, ring] = current_store();
  ASSERT_TRUE(resealed && ring);
  auto opened = store::open_items(*resealed, *ring);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->at("api_key").view(), "new-key");
}

TEST_F(ReconcilerFixture, AGoneResourceIsDone) {
  EXPECT_EQ(reconciler.reconcile_connection("team-a", "nope").kind, Outcome::Kind::done);
  EXPECT_EQ(reconciler.reconcile_secret("team-a", "nope").kind, Outcome::Kind::done);
}

struct FixedSealingKeys : sealing::SealingKeySource {
  std::shared_ptr<const sealing::SealingKeySet> keys =
      std::make_shared<const sealing::SealingKeySet>(*sealing::SealingKeySet::generate(std::chrono::system_clock::now()));
  std::shared_ptr<const sealing::SealingKeySet> sealing_keys() const override { return keys; }
};

struct SealedInputFixture : ReconcilerFixture {
  FixedSealingKeys sealing_keys;
  Reconciler sealed_reconciler{api, lookup, keys, sink, metrics,
                               [] { return std::chrono::system_clock::from_time_t(1'800'000'000); }, &own_writes,
                               nullptr, nullptr, nullptr, &sealing_keys};

  std::string seal(std::string_view name, std::string_view item, std::string_view plaintext) {
    return *store::seal_input(sealing_keys.keys->newest().pair.public_key,
                              {"team-a", store::Kind::connection, std::string(name), std::string(item)},
                              {reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size()});
  }
  void create_sealed(std::string_view name, std::string text) {
    api.create(kube::gvr::connections(), "team-a",
               {{"apiVersion", "dragops.io/v1alpha1"},
                {"kind", "Connection"},
                {"metadata", {{"name", name}, {"generation", 1}}},
                {"spec", {{"pack", "generic-api-key"}, {"sealedCredentials", {{"api_key", std::move(text)}}}}}});
  }
  std::string ready_reason(std::string_view name) {
    auto cr = api.get(kube::gvr::connections(), "team-a", name);
    for (const auto& c : cr->at("status").at("conditions").as_array())
      if (c.at("type").as_string() == "Ready") return std::string(c.at("reason").as_string());
    return "";
  }
};

TEST_F(SealedInputFixture, OpensSealedCredentialsAndSealsThemIntoTheStore) {
  create_sealed("sealed", seal("sealed", "api_key", "CANARY-reconciler-sealed"));
  EXPECT_EQ(sealed_reconciler.reconcile_connection("team-a", "sealed").kind, Outcome::Kind::done);
  EXPECT_EQ(ready_reason("sealed"), "Sealed");
  auto ring = keys.ring("team-a");
  auto opened = store::open_connection(*api.get(kube::gvr::secrets(), "team-a", "dragops-conn-sealed"), **ring);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->fields.at("api_key").view(), "CANARY-reconciler-sealed");
  EXPECT_EQ(metrics.sealed_inputs("opened"), 1.0);
  EXPECT_EQ(api.dump().find("CANARY-reconciler-sealed"), std::string::npos);
}

TEST_F(SealedInputFixture, RefusesAValueCopiedFromAnotherConnection) {
  create_sealed("copy", seal("sealed", "api_key", "CANARY-reconciler-copied"));
  EXPECT_EQ(sealed_reconciler.reconcile_connection("team-a", "copy").kind, Outcome::Kind::done);
  EXPECT_EQ(ready_reason("copy"), "SealedValueInvalid");
  EXPECT_FALSE(api.contains(kube::gvr::secrets(), "team-a", "dragops-conn-copy"));
  EXPECT_EQ(metrics.sealed_inputs("invalid"), 1.0);
  EXPECT_EQ(sink.count, 1);
}

TEST_F(SealedInputFixture, WithoutSealingKeysSealedInputWaitsAndIsRetried) {
  create_sealed("early", seal("early", "api_key", "CANARY-reconciler-early"));
  auto outcome = reconciler.reconcile_connection("team-a", "early");   // no key source
  EXPECT_EQ(outcome.kind, Outcome::Kind::requeue);
  EXPECT_EQ(ready_reason("early"), "KeyringUnavailable");
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
