#include "kube/work_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

namespace dragops::kube {
namespace {

using namespace std::chrono_literals;

struct QueueWithFakeClock {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  WorkQueue queue{WorkQueueOptions{clock}};
};

TEST(WorkQueue, HandsOutKeysInOrder) {
  WorkQueue queue;
  queue.add("a");
  queue.add("b");
  EXPECT_EQ(queue.get(), "a");
  EXPECT_EQ(queue.get(), "b");
}

TEST(WorkQueue, QueuesAKeyAddedTwiceOnce) {
  WorkQueue queue;
  queue.add("a");
  queue.add("b");
  queue.add("a");
  EXPECT_EQ(queue.depth(), 2u);
  EXPECT_EQ(queue.get(), "a");
  EXPECT_EQ(queue.get(), "b");
  EXPECT_EQ(queue.depth(), 0u);
}

TEST(WorkQueue, RequeuesAKeyAddedWhileProcessingOnlyAfterDone) {
  QueueWithFakeClock q;
  q.queue.add("a");
  auto key = q.queue.get();
  ASSERT_EQ(key, "a");
  q.queue.add("a");
  q.queue.add("a");
  EXPECT_EQ(q.queue.depth(), 0u) << "a second worker must not get a key being processed";
  EXPECT_EQ(q.queue.get_until(q.clock->now()), std::nullopt);
  q.queue.done("a");
  EXPECT_EQ(q.queue.depth(), 1u);
  EXPECT_EQ(q.queue.get(), "a");
  q.queue.done("a");
  EXPECT_EQ(q.queue.depth(), 0u);
}

TEST(WorkQueue, NeverGivesOneKeyToTwoWorkersAtOnce) {
  WorkQueue queue;
  std::mutex mutex;
  std::set<std::string> held;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        {
          std::lock_guard lock(mutex);
          if (!held.insert(*key).second) overlap = true;
        }
        std::this_thread::yield();
        {
          std::lock_guard lock(mutex);
          held.erase(*key);
        }
        ++processed;
        queue.done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) queue.add("key-" + std::to_string(i % 5));
  queue.shutdown_with_drain();
  for (auto& w : workers) w.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GT(processed.load(), 0);
}

TEST(WorkQueue, AddsADelayedKeyOnlyWhenItsTimeComes) {
  QueueWithFakeClock q;
  q.queue.add_after("later", 10s);
  EXPECT_EQ(q.queue.get_until(q.clock->now()), std::nullopt);
  q.clock->advance(9s);
  EXPECT_EQ(q.queue.get_until(q.clock->now()), std::nullopt);
  q.clock->advance(1s);
  EXPECT_EQ(q.queue.get_until(q.clock->now()), "later");
}

TEST(WorkQueue, WakesABlockedWorkerWhenADelayedKeyBecomesReady) {
  QueueWithFakeClock q;
  std::optional<std::string> got;
  std::thread worker([&] { got = q.queue.get(); });
  q.queue.add_after("k", 5s);
  q.clock->advance(5s);
  worker.join();
  EXPECT_EQ(got, "k");
}

TEST(WorkQueue, KeepsTheEarliestOfTwoDelays) {
  QueueWithFakeClock q;
  q.queue.add_after("k", 10s);
  q.queue.add_after("k", 2s);
  q.queue.add_after("k", 20s);
  q.clock->advance(2s);
  EXPECT_EQ(q.queue.get_until(q.clock->now()), "k");
  q.queue.done("k");
  q.clock->advance(30s);
  EXPECT_EQ(q.queue.get_until(q.clock->now()), std::nullopt) << "the later delays were merged into the first";
}

TEST(WorkQueue, BacksOffExponentiallyPerKeyUpToTheMaximum) {
  QueueWithFakeClock q;
  std::vector<long long> delays;
  for (int i = 0; i < 20; ++i) delays.push_back(q.queue.next_delay("k").count());
  EXPECT_EQ(delays[0], 5);
  EXPECT_EQ(delays[1], 10);
  EXPECT_EQ(delays[2], 20);
  EXPECT_EQ(delays[10], 5 * 1024);
  EXPECT_EQ(delays[19], 1000 * 1000);
  EXPECT_EQ(q.queue.num_requeues("k"), 20);
  EXPECT_EQ(q.queue.next_delay("other").count(), 5) << "failures are counted per key";
  q.queue.forget("k");
  EXPECT_EQ(q.queue.num_requeues("k"), 0);
  EXPECT_EQ(q.queue.next_delay("k").count(), 5);
}

TEST(WorkQueue, RateLimitedAddsWaitForTheirBackoff) {
  QueueWithFakeClock q;
  q.queue.add_rate_limited("k");  // 5 ms
  EXPECT_EQ(q.queue.get_until(q.clock->now()), std::nullopt);
  q.clock->advance(5ms);
  EXPECT_EQ(q.queue.get_until(q.clock->now()), "k");
  q.queue.done("k");
  q.queue.add_rate_limited("k");  // 10 ms
  q.clock->advance(9ms);
  EXPECT_EQ(q.queue.get_until(q.clock->now()), std::nullopt);
  q.clock->advance(1ms);
  EXPECT_EQ(q.queue.get_until(q.clock->now()), "k");
  EXPECT_EQ(q.queue.stats().retries, 2u);
}

TEST(WorkQueue, TheOverallBucketSpacesOutABurst) {
  auto clock = std::make_shared<FakeClock>();
  WorkQueueOptions options{clock};
  options.qps = 10;
  options.burst = 2;
  WorkQueue queue(options);
  EXPECT_EQ(queue.next_delay("a").count(), 5);
  EXPECT_EQ(queue.next_delay("b").count(), 5);
  EXPECT_EQ(queue.next_delay("c").count(), 100);
  EXPECT_EQ(queue.next_delay("d").count(), 200);
  clock->advance(1s);
  EXPECT_EQ(queue.next_delay("e").count(), 5);
}

TEST(WorkQueue, ShutdownHandsOutWhatIsQueuedThenStops) {
  WorkQueue queue;
  queue.add("a");
  queue.shutdown();
  queue.add("b");
  EXPECT_EQ(queue.get(), "a");
  EXPECT_EQ(queue.get(), std::nullopt);
  EXPECT_TRUE(queue.shutting_down());
}

TEST(WorkQueue, ShutdownWakesBlockedWorkers) {
  WorkQueue queue;
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = queue.get(); });
  queue.shutdown();
  worker.join();
  EXPECT_EQ(got, std::nullopt);
}

TEST(WorkQueue, ShutdownWithDrainWaitsForKeysInProcess) {
  WorkQueue queue;
  queue.add("a");
  auto key = queue.get();
  std::atomic<bool> drained{false};
  std::thread drainer([&] {
    queue.shutdown_with_drain();
    drained = true;
  });
  // The drainer cannot finish while "a" is held; done() releases it.
  for (int i = 0; i < 50 && !queue.shutting_down(); ++i) std::this_thread::sleep_for(1ms);
  EXPECT_FALSE(drained.load());
  queue.done(*key);
  drainer.join();
  EXPECT_TRUE(drained.load());
}

}  // namespace
}  // namespace dragops::kube
