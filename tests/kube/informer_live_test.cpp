// The informer, the event recorder and the indexes against the local API server.
#include "kube/event_recorder.hpp"
#include "kube/informer.hpp"

#include "event_log.hpp"
#include "gated_api.hpp"
#include "live_server.hpp"
#include "wait_until.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dragops::kube {
namespace {

using namespace std::chrono_literals;
using testing::config_map;
using testing::EventLog;
using testing::eventually;
using testing::fresh_namespace;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
namespace json = boost::json;

const Gvr kConfigMaps = gvr::config_maps();

InformerOptions options_for(std::string ns) {
  InformerOptions options;
  options.gvr = kConfigMaps;
  options.ns = std::move(ns);
  options.page_size = 3;
  options.backoff = {50ms, 1s, 2.0, 0.5};
  options.field_selector = testing::kNotRootCa;
  return options;
}

std::string rv_of(const Result<json::object>& r) { return resource_version_of(*r); }

TEST(InformerLive, ResumesItsWatchAfterTheServerRestarts) {
  dragops::testing::ApiServerProcess server;
  server.start();
  // The local server makes a new bearer token at every start and rewrites DIR/token; reading
  // the token from that file is the same rotation path an in-cluster service account takes.
  auto config = *load_kubeconfig(server.kubeconfig_path());
  config.token.clear();
  config.token_file = (server.dir() / "token").string();
  auto api = std::move(*HttpApi::create(config));
  auto ns = fresh_namespace(*api, "restart");
  auto a = api->create(kConfigMaps, ns, config_map(ns, "a"));
  ASSERT_TRUE(a);
  EventLog log;
  Informer informer(*api, options_for(ns));
  informer.add_handlers(log.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
  auto b = api->create(kConfigMaps, ns, config_map(ns, "b"));
  ASSERT_TRUE(eventually([&] { return log.size() == 2; }));

  server.restart();  // SIGTERM saves the state; same port
  auto c = api->create(kConfigMaps, ns, config_map(ns, "c"));
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(eventually([&] { return log.size() >= 3; }, 20s));
  auto b2 = *b;
  b2["data"] = json::object{{"k", "v"}};
  auto b_updated = api->update(kConfigMaps, ns, b2);
  ASSERT_TRUE(b_updated);
  ASSERT_TRUE(eventually([&] { return log.size() >= 4; }));
  std::this_thread::sleep_for(200ms);  // room for a duplicate to show, if there were one
  EXPECT_THAT(log.lines(), ElementsAre("add " + ns + "/a " + rv_of(a), "add " + ns + "/b " + rv_of(b),
                                       "add " + ns + "/c " + rv_of(c),
                                       "update " + ns + "/b " + rv_of(b) + "->" + rv_of(b_updated)));
  EXPECT_GE(informer.stats().watches, 2u);
}

TEST(InformerLive, RelistsAfterGoneWithoutMissingOrRepeatingAChange) {
  if (dragops::testing::real_backend()) GTEST_SKIP() << "needs the local server's --watch-history to force 410 Gone";
  dragops::testing::ApiServerProcess server(dragops::testing::ApiServerOptions{{"--watch-history", "5"}});
  server.start();
  auto real = testing::api_for(server);
  testing::GatedApi api(*real);
  auto ns = fresh_namespace(*real, "gone");
  auto other = fresh_namespace(*real, "noise");
  std::vector<Result<json::object>> originals;
  for (int i = 0; i < 6; ++i) originals.push_back(real->create(kConfigMaps, ns, config_map(ns, "o" + std::to_string(i))));
  EventLog log;
  Informer informer(api, options_for(ns));
  informer.add_handlers(log.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
  ASSERT_EQ(log.size(), 6u);
  log.clear();

  api.cut_and_hold();
  ASSERT_TRUE(eventually([&] { return api.watches_waiting() == 1; }));
  std::vector<std::string> expected;
  for (int i = 0; i < 2; ++i) {
    auto changed = *originals[i];
    changed["data"] = json::object{{"changed", "yes"}};
    auto updated = real->update(kConfigMaps, ns, changed);
    ASSERT_TRUE(updated);
    expected.push_back("update " + ns + "/o" + std::to_string(i) + " " + rv_of(originals[i]) + "->" + rv_of(updated));
  }
  for (int i = 2; i < 4; ++i) {
    ASSERT_TRUE(real->remove(kConfigMaps, ns, "o" + std::to_string(i)));
    expected.push_back("delete " + ns + "/o" + std::to_string(i));
  }
  for (int i = 0; i < 3; ++i) {
    auto created = real->create(kConfigMaps, ns, config_map(ns, "n" + std::to_string(i)));
    ASSERT_TRUE(created);
    expected.push_back("add " + ns + "/n" + std::to_string(i) + " " + rv_of(created));
  }
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(real->create(kConfigMaps, other, config_map(other, "x" + std::to_string(i))));
  api.release();

  ASSERT_TRUE(eventually([&] { return log.size() >= expected.size(); }, 20s));
  auto late = real->create(kConfigMaps, ns, config_map(ns, "after"));
  ASSERT_TRUE(late);
  expected.push_back("add " + ns + "/after " + rv_of(late));
  ASSERT_TRUE(eventually([&] { return log.size() >= expected.size(); }));
  std::this_thread::sleep_for(200ms);
  auto lines = log.lines();
  EXPECT_THAT(lines, UnorderedElementsAreArray(expected));
  EXPECT_EQ(lines.back(), expected.back()) << "the watch after the re-list delivers in order";
  EXPECT_EQ(informer.stats().relists, 1u);
  EXPECT_EQ(informer.cache().size(), 8u);  // o0 o1 o4 o5 n0 n1 n2 after
}

TEST(InformerLive, IndexesObjectsAcrossNamespacesByLabelAndReference) {
  dragops::testing::ApiServerProcess server;
  server.start();
  auto api = testing::api_for(server);
  auto ns1 = fresh_namespace(*api, "idx");
  auto ns2 = fresh_namespace(*api, "idx");
  ASSERT_TRUE(api->create(kConfigMaps, ns1, config_map(ns1, "conn-a", {{"secretRef", "token"}}, {{"app", "dragops"}})));
  ASSERT_TRUE(api->create(kConfigMaps, ns1, config_map(ns1, "conn-b", {{"secretRef", "token"}})));
  ASSERT_TRUE(api->create(kConfigMaps, ns2, config_map(ns2, "conn-c", {{"secretRef", "other"}}, {{"app", "dragops"}})));
  auto options = options_for("");
  options.label_selector = "";
  Informer informer(*api, options);
  informer.add_index("app", label_index("app"));
  informer.add_index("secret", [](const json::object& o) -> std::vector<std::string> {
    const auto* data = o.if_contains("data");
    if (!data || !data->is_object()) return {};
    const auto* ref = data->as_object().if_contains("secretRef");
    if (!ref || !ref->is_string()) return {};
    return {namespace_of(o) + "/" + std::string(ref->as_string())};
  });
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
  EXPECT_THAT(informer.cache().keys_by_index(kNamespaceIndex, ns1), UnorderedElementsAre(ns1 + "/conn-a", ns1 + "/conn-b"));
  EXPECT_THAT(informer.cache().keys_by_index("app", "dragops"), UnorderedElementsAre(ns1 + "/conn-a", ns2 + "/conn-c"));
  EXPECT_THAT(informer.cache().keys_by_index("secret", ns1 + "/token"),
              UnorderedElementsAre(ns1 + "/conn-a", ns1 + "/conn-b"));
  ASSERT_TRUE(api->patch(kConfigMaps, ns1, "conn-b", PatchType::merge, R"({"data":{"secretRef":"moved"}})"));
  ASSERT_TRUE(eventually([&] { return informer.cache().keys_by_index("secret", ns1 + "/moved").size() == 1; }));
  EXPECT_THAT(informer.cache().keys_by_index("secret", ns1 + "/token"), UnorderedElementsAre(ns1 + "/conn-a"));
}

TEST(EventRecorderLive, CountsTheSameEventTwiceAsOneEventWithCountTwo) {
  dragops::testing::ApiServerProcess server;
  server.start();
  auto api = testing::api_for(server);
  auto ns = fresh_namespace(*api, "events");
  auto object = api->create(kConfigMaps, ns, config_map(ns, "subject"));
  ASSERT_TRUE(object);
  {
    EventRecorderOptions options;
    options.component = "dragops-test";
    options.host = "test-host";
    EventRecorder recorder(*api, options);
    recorder.record(*object, EventType::warning, "ProbeFailed", "the provider answered 503");
    ASSERT_TRUE(recorder.flush(10s));
    recorder.record(*object, EventType::warning, "ProbeFailed", "the provider answered 503");
    recorder.record(*object, EventType::normal, "Synced", "all good");
    ASSERT_TRUE(recorder.flush(10s));
    EXPECT_EQ(recorder.stats().failed, 0u);
  }
  auto events = api->list(gvr::events(), ns, {});
  ASSERT_TRUE(events) << events.error().message;
  std::map<std::string, std::int64_t> counts;
  for (const auto& item : events->at("items").as_array()) {
    const auto& e = item.as_object();
    EXPECT_EQ(e.at("involvedObject").at("name").as_string(), "subject");
    EXPECT_EQ(e.at("source").at("component").as_string(), "dragops-test");
    counts[std::string(e.at("reason").as_string())] += e.at("count").as_int64();
    if (e.at("reason").as_string() == "ProbeFailed") {
      EXPECT_EQ(e.at("type").as_string(), "Warning");
    }
  }
  EXPECT_EQ(events->at("items").as_array().size(), 2u);
  EXPECT_EQ(counts["ProbeFailed"], 2);
  EXPECT_EQ(counts["Synced"], 1);
}

}  // namespace
}  // namespace dragops::kube
