#pragma once
// A rate-limited work queue of keys, as client-go's workqueue.RateLimitingInterface:
//
// - add(k) while k is waiting: queued once. add(k) while a worker holds k: k is queued again
//   only after that worker calls done(k), so no two workers ever hold one key at once.
// - add_after(k, d): k is added when d has passed on the queue's clock (the earliest wins).
// - add_rate_limited(k): add_after with k's next backoff: base * 2^failures, capped (5 ms and
//   1000 s by default, client-go's controller defaults), and, when qps > 0, no sooner than an
//   overall token bucket allows. forget(k) resets k's failures after a success.
// - shutdown(): no more adds; get() hands out what is queued, then returns nullopt.
//   shutdown_with_drain() also waits for the keys being processed to be done().
//
// Thread-safe. get() blocks.

#include "kube/clock.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace dragops::kube {

struct WorkQueueOptions {
  std::shared_ptr<Clock> clock;  // null: the real clock
  std::chrono::milliseconds base_delay{5};
  std::chrono::milliseconds max_delay{1000 * 1000};
  // Overall bucket (client-go's default is 10 qps, burst 100); qps 0 turns it off.
  double qps = 0;
  int burst = 100;
};

struct WorkQueueStats {
  std::size_t depth = 0;        // ready to be handed out
  std::size_t waiting = 0;      // delayed, not yet ready
  std::size_t processing = 0;
  std::uint64_t adds = 0;
  std::uint64_t retries = 0;    // add_rate_limited calls
};

class WorkQueue {
 public:
  explicit WorkQueue(WorkQueueOptions options = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void add(const std::string& key);
  void add_after(const std::string& key, std::chrono::milliseconds delay);
  void add_rate_limited(const std::string& key);
  void forget(const std::string& key);
  int num_requeues(const std::string& key) const;
  // The delay add_rate_limited would use now (and counts a failure, as When() does).
  std::chrono::milliseconds next_delay(const std::string& key);

  // Blocks until a key is ready or the queue is shut down and empty (nullopt).
  std::optional<std::string> get();
  // Like get(), but gives up at deadline (on the queue's clock) with nullopt.
  std::optional<std::string> get_until(Clock::time_point deadline);
  void done(const std::string& key);

  void shutdown();
  void shutdown_with_drain();
  bool shutting_down() const;

  std::size_t depth() const;
  WorkQueueStats stats() const;

 private:
  void add_locked(const std::string& key);
  void promote_ready_locked();
  std::optional<std::string> get_locked(std::unique_lock<std::mutex>& lock, std::optional<Clock::time_point> deadline);

  WorkQueueOptions options_;
  std::shared_ptr<Clock> clock_;
  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;
  // Delayed keys: ready time per key (earliest wins) and a time-ordered index.
  std::unordered_map<std::string, Clock::time_point> waiting_;
  std::multimap<Clock::time_point, std::string> waiting_by_time_;
  std::unordered_map<std::string, int> failures_;
  double tokens_;
  Clock::time_point tokens_at_;
  bool shutting_down_ = false;
  std::uint64_t adds_ = 0;
  std::uint64_t retries_ = 0;
};

}  // namespace dragops::kube
