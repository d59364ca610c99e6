#pragma once
#include <chrono>
#include <thread>

namespace dragops::testing {

// Polls a condition until it holds or the deadline passes (a wait with a deadline, not a sleep).
template <class Condition>
bool wait_for(Condition condition, std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

}  // namespace dragops::testing
