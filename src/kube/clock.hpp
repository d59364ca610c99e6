#pragma once
// Time as the client machinery sees it. Everything that waits or stamps (informer backoff, work
// queue delays, leader election, event timestamps) takes a Clock, so tests drive time by hand.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stop_token>

namespace dragops::kube {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  // Wall-clock time, for timestamps written to the API (renewTime, lastTimestamp).
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
  // Waits on cv (lock held) until notified, deadline passes on this clock, or a spurious
  // wake-up. Callers re-check their condition in a loop.
  virtual void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                          time_point deadline) const = 0;
};

class RealClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wall_now() const override { return std::chrono::system_clock::now(); }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                  time_point deadline) const override {
    cv.wait_until(lock, deadline);
  }
};

// Time moves only when advance() is called. Waiters poll every couple of real milliseconds, so
// an advance is noticed without any registration.
class FakeClock final : public Clock {
 public:
  time_point now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  std::chrono::system_clock::time_point wall_now() const override {
    std::lock_guard lock(mutex_);
    return wall_ + (now_ - start_);
  }
  void wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                  time_point deadline) const override {
    if (now() >= deadline) return;
    cv.wait_for(lock, std::chrono::milliseconds(2));
  }
  void advance(duration by) {
    std::lock_guard lock(mutex_);
    now_ += by;
  }

 private:
  mutable std::mutex mutex_;
  time_point start_ = time_point(std::chrono::hours(1000));
  time_point now_ = start_;
  std::chrono::system_clock::time_point wall_ = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
};

std::shared_ptr<Clock> real_clock();

// Sleeps until deadline on clock; false if stop was requested first.
bool sleep_until(const Clock& clock, Clock::time_point deadline, std::stop_token stop);
inline bool sleep_for(const Clock& clock, Clock::duration d, std::stop_token stop) {
  return sleep_until(clock, clock.now() + d, std::move(stop));
}

}  // namespace dragops::kube
