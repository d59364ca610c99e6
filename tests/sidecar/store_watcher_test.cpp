#include "store_watcher.hpp"

#include "fake_api.hpp"
#include "wait_for.hpp"

#include <gtest/gtest.h>

namespace dragops::sidecar {
namespace {

namespace json = boost::json;
using testing::wait_for;
using Presence = StoreEntry::Presence;

json::object secret(const std::string& name, const std::string& marker) {
  return {{"metadata", {{"name", name}, {"annotations", {{"marker", marker}}}}}, {"data", json::object{}}};
}

std::string marker_of(const StoreCache& cache, const std::string& name) {
  auto entry = cache.find(Kind::connection, name);
  if (!entry || entry->presence != Presence::present) return "<none>";
  return std::string(entry->object->at("metadata").at("annotations").at("marker").as_string());
}

class StoreWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_.track(Kind::connection, "github");
    WatchTiming timing;
    timing.initial_backoff = std::chrono::milliseconds(5);
    timing.max_backoff = std::chrono::milliseconds(20);
    watcher_ = std::make_unique<StoreWatcher>(api_, cache_, "team-a", Kind::connection, "github", timing);
  }
  void TearDown() override { watcher_->stop(); }

  testing::FakeApi api_;
  StoreCache cache_;
  std::unique_ptr<StoreWatcher> watcher_;
};

TEST_F(StoreWatcherTest, ListsTheObjectThenFollowsChangesAndDeletion) {
  api_.put(secret("dragops-conn-github", "v1"));
  api_.put(secret("dragops-conn-other", "x"));
  watcher_->start();
  ASSERT_TRUE(wait_for([&] { return marker_of(cache_, "github") == "v1"; }));
  EXPECT_TRUE(cache_.ready());
  api_.put(secret("dragops-conn-github", "v2"));
  ASSERT_TRUE(wait_for([&] { return marker_of(cache_, "github") == "v2"; }));
  api_.erase("dragops-conn-github");
  ASSERT_TRUE(wait_for([&] { return cache_.find(Kind::connection, "github")->presence == Presence::absent; }));
}

TEST_F(StoreWatcherTest, KnowsAnAbsentObjectAsAbsentAndSeesItAppear) {
  EXPECT_FALSE(cache_.ready());
  watcher_->start();
  ASSERT_TRUE(wait_for([&] { return cache_.ready(); }));
  EXPECT_EQ(cache_.find(Kind::connection, "github")->presence, Presence::absent);
  api_.put(secret("dragops-conn-github", "late"));
  ASSERT_TRUE(wait_for([&] { return marker_of(cache_, "github") == "late"; }));
}

TEST_F(StoreWatcherTest, MarksTheEntryUnconfirmedWhileTheApiIsDownAndKeepsTheValue) {
  api_.put(secret("dragops-conn-github", "v1"));
  watcher_->start();
  ASSERT_TRUE(wait_for([&] { return marker_of(cache_, "github") == "v1"; }));
  EXPECT_TRUE(cache_.all_confirmed());
  api_.set_down(true);
  ASSERT_TRUE(wait_for([&] { return !cache_.all_confirmed(); }));
  EXPECT_EQ(marker_of(cache_, "github"), "v1");
  EXPECT_TRUE(cache_.find(Kind::connection, "github")->unconfirmed_since.has_value());
  api_.set_down(false);
  ASSERT_TRUE(wait_for([&] { return cache_.all_confirmed(); }));
}

TEST_F(StoreWatcherTest, ResyncsChangesMadeWhileTheApiWasDown) {
  api_.put(secret("dragops-conn-github", "v1"));
  watcher_->start();
  ASSERT_TRUE(wait_for([&] { return marker_of(cache_, "github") == "v1"; }));
  api_.set_down(true);
  ASSERT_TRUE(wait_for([&] { return !cache_.all_confirmed(); }));
  api_.erase("dragops-conn-github");
  api_.set_down(false);
  ASSERT_TRUE(wait_for([&] { return cache_.find(Kind::connection, "github")->presence == Presence::absent; }));
}

}  // namespace
}  // namespace dragops::sidecar
