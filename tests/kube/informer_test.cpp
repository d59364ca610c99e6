#include "kube/informer.hpp"

#include "event_log.hpp"
#include "fake_api.hpp"
#include "wait_until.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace dragops::kube {
namespace {

using namespace std::chrono_literals;
using testing::EventLog;
using testing::FakeApi;
using testing::eventually;
using testing::make_object;
using ::testing::UnorderedElementsAre;

const Gvr kGvr = gvr::config_maps();

InformerOptions fast_options() {
  InformerOptions options;
  options.gvr = kGvr;
  options.page_size = 2;
  options.backoff = {1ms, 10ms, 2.0, 0.0};
  return options;
}

std::string rv_of(const Result<boost::json::object>& r) { return resource_version_of(*r); }

TEST(Informer, ListsEveryPageThenReportsEachObjectOnce) {
  FakeApi api;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(api.create(kGvr, "ns", make_object("ns", "o" + std::to_string(i))));
  EventLog log;
  Informer informer(api, fast_options());
  informer.add_handlers(log.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
  EXPECT_EQ(informer.cache().size(), 5u);
  EXPECT_EQ(log.size(), 5u);
  const auto calls = api.calls();
  EXPECT_EQ(std::count_if(calls.begin(), calls.end(), [](const auto& c) { return c.verb == "list"; }), 3)
      << "five objects in pages of two";
  EXPECT_EQ(informer.last_resource_version(), std::to_string(api.resource_version()));
}

TEST(Informer, AppliesWatchEventsToTheCacheBeforeTheHandlers) {
  FakeApi api;
  EventLog log;
  std::vector<std::string> seen_in_cache;
  Informer informer(api, fast_options());
  informer.add_handlers(log.handlers());
  informer.add_handlers({[&](const ObjectPtr& o) {
    seen_in_cache.push_back(informer.cache().get("ns", name_of(*o)) ? "present" : "absent");
  }, nullptr, nullptr});
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
  ASSERT_TRUE(api.wait_for_watches(1));
  auto created = api.create(kGvr, "ns", make_object("ns", "a"));
  auto updated = *created;
  updated["data"] = boost::json::object{{"k", "v"}};
  auto after_update = api.update(kGvr, "ns", updated);
  ASSERT_TRUE(after_update);
  ASSERT_TRUE(api.remove(kGvr, "ns", "a"));
  ASSERT_TRUE(eventually([&] { return log.size() == 3; }));
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"add ns/a " + rv_of(created),
                                                   "update ns/a " + rv_of(created) + "->" + rv_of(after_update),
                                                   "delete ns/a"}));
  EXPECT_EQ(seen_in_cache, std::vector<std::string>{"present"});
  EXPECT_EQ(informer.cache().size(), 0u);
}

TEST(Informer, CachesListedAndWatchedObjectsAsTheTransformLeavesThem) {
  FakeApi api;
  auto with_managed_fields = [](std::string name) {
    auto object = make_object("ns", std::move(name));
    object["metadata"].as_object()["managedFields"] = boost::json::array{{{"manager", "kubectl"}}};
    return object;
  };
  ASSERT_TRUE(api.create(kGvr, "ns", with_managed_fields("listed")));
  auto options = fast_options();
  options.transform = strip_managed_fields;
  Informer informer(api, options);
  std::vector<bool> handed_with_managed_fields;
  informer.add_handlers({[&](const ObjectPtr& o) {
    handed_with_managed_fields.push_back(o->at("metadata").as_object().contains("managedFields"));
  }, nullptr, nullptr});
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
  ASSERT_TRUE(api.wait_for_watches(1));
  ASSERT_TRUE(api.create(kGvr, "ns", with_managed_fields("watched")));
  ASSERT_TRUE(eventually([&] { return informer.cache().size() == 2; }));
  for (const auto* name : {"listed", "watched"}) {
    const auto cached = informer.cache().get("ns", name);
    ASSERT_TRUE(cached) << name;
    EXPECT_FALSE(cached->at("metadata").as_object().contains("managedFields")) << name;
    EXPECT_EQ(name_of(*cached), name);
  }
  informer.stop();
  EXPECT_EQ(handed_with_managed_fields, (std::vector<bool>{false, false}));
}

TEST(Informer, ResumesABrokenWatchFromTheLastVersionWithoutDuplicates) {
  FakeApi api;
  EventLog log;
  Informer informer(api, fast_options());
  informer.add_handlers(log.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
  ASSERT_TRUE(api.wait_for_watches(1));
  ASSERT_TRUE(api.create(kGvr, "ns", make_object("ns", "a")));
  ASSERT_TRUE(eventually([&] { return log.size() == 1; }));
  api.break_watches();
  ASSERT_TRUE(api.create(kGvr, "ns", make_object("ns", "b")));  // while disconnected
  ASSERT_TRUE(api.wait_for_watches(2));
  ASSERT_TRUE(api.create(kGvr, "ns", make_object("ns", "c")));
  ASSERT_TRUE(eventually([&] { return log.size() >= 3; }));
  std::this_thread::sleep_for(20ms);  // room for a duplicate to show up, if there were one
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(informer.stats().relists, 0u);
  EXPECT_GE(informer.stats().watch_errors, 1u);
}

TEST(Informer, RelistsOnGoneAndReportsOnlyTheDifference) {
  FakeApi api;
  auto a = api.create(kGvr, "ns", make_object("ns", "a"));
  auto b = api.create(kGvr, "ns", make_object("ns", "b"));
  auto c = api.create(kGvr, "ns", make_object("ns", "c"));
  EventLog log;
  Informer informer(api, fast_options());
  informer.add_handlers(log.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
  ASSERT_TRUE(api.wait_for_watches(1));
  log.clear();

  Result<boost::json::object> a2 = Status{}, d = Status{};
  api.silently([&] {
    auto changed = *a;
    changed["data"] = boost::json::object{{"x", "1"}};
    a2 = api.update(kGvr, "ns", changed);
    ASSERT_TRUE(api.remove(kGvr, "ns", "b"));
    d = api.create(kGvr, "ns", make_object("ns", "d"));
  });
  api.expire_watches_and_history();
  ASSERT_TRUE(eventually([&] { return informer.stats().relists == 1 && log.size() >= 3; }));
  std::this_thread::sleep_for(20ms);
  EXPECT_THAT(log.lines(), UnorderedElementsAre("update ns/a " + rv_of(a) + "->" + rv_of(a2), "delete ns/b",
                                                "add ns/d " + rv_of(d)));
  EXPECT_EQ(informer.cache().size(), 3u);
  EXPECT_NE(informer.cache().get("ns", "c"), nullptr);
}

TEST(Informer, IndexesByNamespaceLabelAndCustomKey) {
  FakeApi api;
  api.create(kGvr, "team-a", make_object("team-a", "x", {{"app", "web"}}, {{"secretRef", "db"}}));
  api.create(kGvr, "team-a", make_object("team-a", "y", {{"app", "api"}}, {{"secretRef", "db"}}));
  api.create(kGvr, "team-b", make_object("team-b", "z", {{"app", "web"}}));
  Informer informer(api, fast_options());
  informer.add_index("app", label_index("app"));
  informer.add_index("secret", [](const boost::json::object& o) -> std::vector<std::string> {
    const auto* data = o.if_contains("data");
    if (!data || !data->as_object().contains("secretRef")) return {};
    return {namespace_of(o) + "/" + std::string(data->as_object().at("secretRef").as_string())};
  });
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
  EXPECT_THAT(informer.cache().keys_by_index(kNamespaceIndex, "team-a"), UnorderedElementsAre("team-a/x", "team-a/y"));
  EXPECT_THAT(informer.cache().keys_by_index("app", "web"), UnorderedElementsAre("team-a/x", "team-b/z"));
  EXPECT_THAT(informer.cache().keys_by_index("secret", "team-a/db"), UnorderedElementsAre("team-a/x", "team-a/y"));

  ASSERT_TRUE(api.wait_for_watches(1));
  ASSERT_TRUE(api.remove(kGvr, "team-a", "x"));
  auto z = *api.get(kGvr, "team-b", "z");
  z["metadata"].as_object()["labels"] = boost::json::object{{"app", "api"}};
  ASSERT_TRUE(api.update(kGvr, "team-b", z));
  ASSERT_TRUE(eventually([&] { return informer.cache().keys_by_index("app", "web").empty(); }));
  EXPECT_THAT(informer.cache().keys_by_index("app", "api"), UnorderedElementsAre("team-a/y", "team-b/z"));
  EXPECT_THAT(informer.cache().keys_by_index("secret", "team-a/db"), UnorderedElementsAre("team-a/y"));
}

TEST(Informer, BacksOffOnTheInjectedClockWhenListingFails) {
  FakeApi api;
  auto clock = std::make_shared<FakeClock>();
  auto options = fast_options();
  options.clock = clock;
  options.backoff = {800ms, 30s, 2.0, 1.0};
  options.random = [] { return 0.5; };
  api.fail_next(Status{503, "ServiceUnavailable", "starting"});
  Informer informer(api, options);
  informer.start();
  ASSERT_TRUE(eventually([&] { return api.calls().size() == 1; }));
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(informer.has_synced());
  EXPECT_EQ(api.calls().size(), 1u) << "no retry before the backoff has passed";
  clock->advance(1199ms);  // 800 ms plus half of the 100% jitter is 1200 ms
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(api.calls().size(), 1u);
  clock->advance(1ms);
  EXPECT_TRUE(informer.wait_for_sync(std::chrono::steady_clock::now() + 10s));
}

TEST(Informer, StopsPromptlyWhileWatching) {
  FakeApi api;
  Informer informer(api, fast_options());
  informer.start();
  ASSERT_TRUE(api.wait_for_watches(1));
  const auto started = std::chrono::steady_clock::now();
  informer.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(Backoff, GrowsToTheMaximumWithBoundedJitter) {
  Backoff backoff({100ms, 1s, 2.0, 1.0}, [] { return 0.0; });
  EXPECT_EQ(backoff.next(), 100ms);
  EXPECT_EQ(backoff.next(), 200ms);
  EXPECT_EQ(backoff.next(), 400ms);
  EXPECT_EQ(backoff.next(), 800ms);
  EXPECT_EQ(backoff.next(), 1s);
  EXPECT_EQ(backoff.next(), 1s);
  Backoff jittered({100ms, 1s, 2.0, 1.0}, [] { return 0.999; });
  EXPECT_EQ(jittered.next(), 199ms);
  backoff.reset();
  EXPECT_EQ(backoff.next(), 100ms);
}

}  // namespace
}  // namespace dragops::kube
