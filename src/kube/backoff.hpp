#pragma once
// Exponential backoff with jitter, as k8s.io/apimachinery's wait.Backoff computes it.

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <random>

namespace dragops::kube {

struct BackoffPolicy {
  std::chrono::milliseconds initial{800};
  std::chrono::milliseconds max{30'000};
  double factor = 2.0;
  double jitter = 1.0;  // the delay grows by up to jitter * delay at random
};

// A uniform number in [0, 1); injectable so tests are deterministic.
using RandomSource = std::function<double()>;

inline RandomSource default_random() {
  return [engine = std::make_shared<std::mt19937_64>(std::random_device{}())]() {
    return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
  };
}

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {}, RandomSource random = default_random())
      : policy_(policy), random_(std::move(random)), current_(policy.initial) {}

  // The next delay to wait, then grows the base toward max.
  std::chrono::milliseconds next() {
    auto delay = current_;
    if (policy_.jitter > 0) {
      delay += std::chrono::milliseconds(static_cast<long long>(policy_.jitter * random_() * delay.count()));
    }
    current_ = std::min(policy_.max, std::chrono::milliseconds(static_cast<long long>(current_.count() * policy_.factor)));
    return std::min(delay, policy_.max + std::chrono::milliseconds(static_cast<long long>(policy_.jitter * policy_.max.count())));
  }
  void reset() { current_ = policy_.initial; }
  std::chrono::milliseconds base() const { return current_; }

 private:
  BackoffPolicy policy_;
  RandomSource random_;
  std::chrono::milliseconds current_;
};

}  // namespace dragops::kube
