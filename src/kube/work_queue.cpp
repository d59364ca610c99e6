#include "kube/work_queue.hpp"

#include <algorithm>
#include <cmath>

namespace dragops::kube {

WorkQueue::WorkQueue(WorkQueueOptions options)
    : options_(options),
      clock_(options.clock ? options.clock : real_clock()),
      tokens_(options.burst),
      tokens_at_(clock_->now()) {}

WorkQueue::~WorkQueue() { shutdown(); }

void WorkQueue::add_locked(const std::string& key) {
  if (shutting_down_) return;
  ++adds_;
  if (!dirty_.insert(key).second) return;     // already waiting to be handed out
  if (processing_.count(key)) return;         // re-queued by done()
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  add_locked(key);
}

void WorkQueue::add_after(const std::string& key, std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  if (delay <= std::chrono::milliseconds::zero()) {
    add_locked(key);
    return;
  }
  const auto ready = clock_->now() + delay;
  auto it = waiting_.find(key);
  if (it != waiting_.end()) {
    if (it->second <= ready) return;
    for (auto range = waiting_by_time_.equal_range(it->second); range.first != range.second; ++range.first) {
      if (range.first->second == key) {
        waiting_by_time_.erase(range.first);
        break;
      }
    }
    it->second = ready;
  } else {
    waiting_.emplace(key, ready);
  }
  waiting_by_time_.emplace(ready, key);
  cv_.notify_all();  // a sleeping get() may need an earlier wake-up
}

std::chrono::milliseconds WorkQueue::next_delay(const std::string& key) {
  std::lock_guard lock(mutex_);
  const int failures = failures_[key]++;
  const double exponential = static_cast<double>(options_.base_delay.count()) * std::pow(2.0, failures);
  auto delay = exponential >= static_cast<double>(options_.max_delay.count())
                   ? options_.max_delay
                   : std::chrono::milliseconds(static_cast<long long>(exponential));
  if (options_.qps > 0) {
    // Token bucket: reserve one token; a negative balance is a wait.
    const auto now = clock_->now();
    const double elapsed = std::chrono::duration<double>(now - tokens_at_).count();
    tokens_ = std::min<double>(options_.burst, tokens_ + elapsed * options_.qps);
    tokens_at_ = now;
    tokens_ -= 1;
    if (tokens_ < 0) {
      const auto bucket = std::chrono::milliseconds(static_cast<long long>(std::ceil(-tokens_ / options_.qps * 1000)));
      delay = std::max(delay, bucket);
    }
  }
  return delay;
}

void WorkQueue::add_rate_limited(const std::string& key) {
  const auto delay = next_delay(key);
  {
    std::lock_guard lock(mutex_);
    ++retries_;
  }
  add_after(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

int WorkQueue::num_requeues(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::promote_ready_locked() {
  const auto now = clock_->now();
  while (!waiting_by_time_.empty() && waiting_by_time_.begin()->first <= now) {
    auto key = std::move(waiting_by_time_.begin()->second);
    waiting_by_time_.erase(waiting_by_time_.begin());
    waiting_.erase(key);
    add_locked(key);
  }
}

std::optional<std::string> WorkQueue::get_locked(std::unique_lock<std::mutex>& lock,
                                                 std::optional<Clock::time_point> deadline) {
  for (;;) {
    promote_ready_locked();
    if (!queue_.empty()) {
      auto key = std::move(queue_.front());
      queue_.pop_front();
      dirty_.erase(key);
      processing_.insert(key);
      return key;
    }
    if (shutting_down_) return std::nullopt;
    auto wake = Clock::time_point::max();
    if (!waiting_by_time_.empty()) wake = waiting_by_time_.begin()->first;
    if (deadline) {
      if (clock_->now() >= *deadline) return std::nullopt;
      wake = std::min(wake, *deadline);
    }
    if (wake == Clock::time_point::max()) {
      cv_.wait(lock);
    } else {
      clock_->wait_until(lock, cv_, wake);
    }
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  return get_locked(lock, std::nullopt);
}

std::optional<std::string> WorkQueue::get_until(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return get_locked(lock, deadline);
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (dirty_.count(key)) {
    queue_.push_back(key);
    cv_.notify_one();
  }
  if (processing_.empty()) cv_.notify_all();  // shutdown_with_drain may be waiting
}

void WorkQueue::shutdown() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  waiting_.clear();
  waiting_by_time_.clear();
  cv_.notify_all();
}

void WorkQueue::shutdown_with_drain() {
  std::unique_lock lock(mutex_);
  shutting_down_ = true;
  waiting_.clear();
  waiting_by_time_.clear();
  cv_.notify_all();
  cv_.wait(lock, [&] { return processing_.empty(); });
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mutex_);
  return shutting_down_;
}

std::size_t WorkQueue::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

WorkQueueStats WorkQueue::stats() const {
  std::lock_guard lock(mutex_);
  return WorkQueueStats{queue_.size(), waiting_.size(), processing_.size(), adds_, retries_};
}

}  // namespace dragops::kube
