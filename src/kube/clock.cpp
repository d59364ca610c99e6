#include "kube/clock.hpp"

namespace dragops::kube {

std::shared_ptr<Clock> real_clock() {
  static const auto clock = std::make_shared<RealClock>();
  return clock;
}

bool sleep_until(const Clock& clock, Clock::time_point deadline, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any cv;
  // Registered before the lock is taken: with stop already requested, the callback runs
  // right here and must be able to lock.
  std::stop_callback wake(stop, [&] {
    std::lock_guard guard(mutex);
    cv.notify_all();
  });
  std::unique_lock lock(mutex);
  while (!stop.stop_requested() && clock.now() < deadline) clock.wait_until(lock, cv, deadline);
  return !stop.stop_requested();
}

}  // namespace dragops::kube
