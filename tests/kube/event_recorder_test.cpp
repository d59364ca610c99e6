#include "kube/event_recorder.hpp"

#include "fake_api.hpp"

#include <gtest/gtest.h>

namespace dragops::kube {
namespace {

using namespace std::chrono_literals;
using testing::FakeApi;
using testing::make_object;

boost::json::object involved() {
  auto object = make_object("team-a", "github");
  object["metadata"].as_object()["uid"] = "uid-123";
  object["apiVersion"] = "dragops.io/v1alpha1";
  object["kind"] = "Connection";
  return object;
}

std::vector<boost::json::object> events_of(FakeApi& api) {
  std::vector<boost::json::object> out;
  auto listed = api.list(gvr::events(), "", {});
  for (auto& item : listed->at("items").as_array()) out.push_back(item.as_object());
  return out;
}

struct Fixture {
  FakeApi api;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  EventRecorderOptions options() {
    EventRecorderOptions o;
    o.component = "dragops-operator";
    o.host = "node-1";
    o.clock = clock;
    return o;
  }
};

TEST(EventRecorder, CreatesACoreV1EventAboutTheObject) {
  Fixture f;
  EventRecorder recorder(f.api, f.options());
  recorder.record(involved(), EventType::warning, "TokenRefreshFailed", "the provider answered 401");
  ASSERT_TRUE(recorder.flush(10s));
  auto events = events_of(f.api);
  ASSERT_EQ(events.size(), 1u);
  const auto& e = events[0];
  EXPECT_EQ(e.at("metadata").at("namespace").as_string(), "team-a");
  EXPECT_EQ(std::string(e.at("metadata").at("name").as_string()).rfind("github.", 0), 0u);
  EXPECT_EQ(e.at("involvedObject").at("kind").as_string(), "Connection");
  EXPECT_EQ(e.at("involvedObject").at("name").as_string(), "github");
  EXPECT_EQ(e.at("involvedObject").at("uid").as_string(), "uid-123");
  EXPECT_EQ(e.at("involvedObject").at("apiVersion").as_string(), "dragops.io/v1alpha1");
  EXPECT_EQ(e.at("reason").as_string(), "TokenRefreshFailed");
  EXPECT_EQ(e.at("message").as_string(), "the provider answered 401");
  EXPECT_EQ(e.at("type").as_string(), "Warning");
  EXPECT_EQ(e.at("source").at("component").as_string(), "dragops-operator");
  EXPECT_EQ(e.at("source").at("host").as_string(), "node-1");
  EXPECT_EQ(e.at("count").as_int64(), 1);
  EXPECT_EQ(e.at("firstTimestamp"), e.at("lastTimestamp"));
}

TEST(EventRecorder, CountsARepeatedEventInsteadOfDuplicatingIt) {
  Fixture f;
  EventRecorder recorder(f.api, f.options());
  recorder.record(involved(), EventType::normal, "Synced", "ok");
  ASSERT_TRUE(recorder.flush(10s));
  f.clock->advance(5s);
  recorder.record(involved(), EventType::normal, "Synced", "ok");
  ASSERT_TRUE(recorder.flush(10s));
  auto events = events_of(f.api);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("count").as_int64(), 2);
  EXPECT_NE(events[0].at("firstTimestamp"), events[0].at("lastTimestamp"));
  EXPECT_EQ(recorder.stats().created, 1u);
  EXPECT_EQ(recorder.stats().patched, 1u);
}

TEST(EventRecorder, KeepsDifferentMessagesApart) {
  Fixture f;
  EventRecorder recorder(f.api, f.options());
  recorder.record(involved(), EventType::normal, "Synced", "one");
  recorder.record(involved(), EventType::normal, "Synced", "two");
  recorder.record(involved(), EventType::warning, "Synced", "one");
  ASSERT_TRUE(recorder.flush(10s));
  EXPECT_EQ(events_of(f.api).size(), 3u);
}

TEST(EventRecorder, StartsOverWhenTheCountedEventIsGone) {
  Fixture f;
  EventRecorder recorder(f.api, f.options());
  recorder.record(involved(), EventType::normal, "Synced", "ok");
  ASSERT_TRUE(recorder.flush(10s));
  const auto name = std::string(events_of(f.api)[0].at("metadata").at("name").as_string());
  ASSERT_TRUE(f.api.remove(gvr::events(), "team-a", name));
  recorder.record(involved(), EventType::normal, "Synced", "ok");
  ASSERT_TRUE(recorder.flush(10s));
  auto events = events_of(f.api);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("count").as_int64(), 1);
}

TEST(EventRecorder, BoundsHowManyEventsOneObjectCanEmit) {
  Fixture f;
  EventRecorder recorder(f.api, f.options());
  for (int i = 0; i < 30; ++i) recorder.record(involved(), EventType::normal, "Step", "step " + std::to_string(i));
  ASSERT_TRUE(recorder.flush(10s));
  EXPECT_EQ(events_of(f.api).size(), 25u);
  EXPECT_EQ(recorder.stats().dropped_spam, 5u);
  f.clock->advance(300s);
  recorder.record(involved(), EventType::normal, "Step", "after a while");
  recorder.record(involved(), EventType::normal, "Step", "too soon again");
  ASSERT_TRUE(recorder.flush(10s));
  EXPECT_EQ(events_of(f.api).size(), 26u);
}

TEST(EventRecorder, DropsRatherThanBlocksWhenTheQueueIsFull) {
  Fixture f;
  auto options = f.options();
  options.queue_capacity = 0;
  EventRecorder recorder(f.api, options);
  recorder.record(involved(), EventType::normal, "Synced", "ok");
  ASSERT_TRUE(recorder.flush(10s));
  EXPECT_EQ(recorder.stats().dropped_queue_full, 1u);
  EXPECT_TRUE(events_of(f.api).empty());
}

TEST(EventRecorder, FilesClusterScopedObjectsInTheDefaultNamespace) {
  Fixture f;
  EventRecorder recorder(f.api, f.options());
  recorder.record(make_object("", "node-a"), EventType::normal, "Seen", "hello");
  ASSERT_TRUE(recorder.flush(10s));
  auto events = events_of(f.api);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("metadata").at("namespace").as_string(), "default");
}

}  // namespace
}  // namespace dragops::kube
