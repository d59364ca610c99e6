#pragma once
// Waits on a condition with a deadline (polling), for tests whose events come from threads.

#include <chrono>
#include <functional>
#include <thread>

namespace dragops::kube::testing {

inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

}  // namespace dragops::kube::testing
