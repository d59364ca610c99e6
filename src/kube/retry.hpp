#pragma once
// client-go's retry.RetryOnConflict: run fn again while it fails with 409 Conflict, sleeping
// between tries as wait.Backoff does.

#include "kube/api.hpp"

#include <chrono>
#include <functional>
#include <random>
#include <thread>

namespace dragops::kube {

struct RetryPolicy {
  int steps = 5;                           // tries in all
  std::chrono::milliseconds duration{10};  // first pause
  double factor = 1.0;
  double jitter = 0.1;
};

// retry.DefaultRetry and retry.DefaultBackoff.
inline constexpr RetryPolicy kDefaultRetry{5, std::chrono::milliseconds(10), 1.0, 0.1};
inline constexpr RetryPolicy kDefaultBackoff{4, std::chrono::milliseconds(10), 5.0, 0.1};

using Sleeper = std::function<void(std::chrono::milliseconds)>;

inline void real_sleep(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

// fn returns a Result<T> (typically: get, change, update). The last outcome is returned.
template <class Fn>
auto retry_on_conflict(Fn&& fn, RetryPolicy policy = kDefaultRetry, const Sleeper& sleep = real_sleep)
    -> decltype(fn()) {
  thread_local std::mt19937 engine{std::random_device{}()};
  auto pause = policy.duration;
  for (int attempt = 1;; ++attempt) {
    auto result = fn();
    if (result || !result.error().conflict() || attempt >= policy.steps) return result;
    auto delay = pause;
    if (policy.jitter > 0) {
      delay += std::chrono::milliseconds(static_cast<long long>(
          std::uniform_real_distribution<double>(0, policy.jitter)(engine) * static_cast<double>(pause.count())));
    }
    sleep(delay);
    pause = std::chrono::milliseconds(static_cast<long long>(static_cast<double>(pause.count()) * policy.factor));
  }
}

}  // namespace dragops::kube
