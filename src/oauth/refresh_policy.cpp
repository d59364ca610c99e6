#include "oauth/refresh_policy.hpp"

#include <algorithm>
#include <cmath>

namespace dragops::oauth {

namespace {

double clamp01(double x) { return std::clamp(x, 0.0, 1.0); }

Millis scale(Millis d, double factor) { return Millis(static_cast<Millis::rep>(std::llround(d.count() * factor))); }

}  // namespace

Millis refresh_skew(const RefreshPolicy& policy, Millis lifetime) {
  if (lifetime <= Millis::zero()) return Millis::zero();
  const Millis proportional = scale(lifetime, policy.skew_fraction);
  const Millis skew = std::max<Millis>(policy.min_skew, proportional);
  return std::min<Millis>(skew, lifetime / 2);
}

std::optional<SystemTime> refresh_at(const RefreshPolicy& policy, std::optional<SystemTime> obtained_at,
                                     std::optional<SystemTime> expires_at, double random01) {
  if (!expires_at) return std::nullopt;
  if (!obtained_at) return kDueAtOnce;  // unknown lifetime: no skew to honour but "now"
  const Millis lifetime = std::chrono::duration_cast<Millis>(*expires_at - *obtained_at);
  if (lifetime <= Millis::zero()) return *expires_at;  // already expired when obtained: due now
  const Millis skew = refresh_skew(policy, lifetime);
  const Millis jitter = scale(skew, clamp01(random01) * policy.jitter_fraction);
  return *expires_at - skew - jitter;
}

Millis backoff_delay(const RefreshPolicy& policy, int failures, double random01,
                     std::optional<std::chrono::seconds> retry_after) {
  const int exponent = std::clamp(failures - 1, 0, 30);
  Millis delay = policy.backoff_base;
  for (int i = 0; i < exponent && delay < policy.backoff_cap; ++i) delay *= 2;
  delay = std::min(delay, policy.backoff_cap);
  Millis jittered = delay / 2 + scale(delay / 2, clamp01(random01));
  if (retry_after) jittered = std::max<Millis>(jittered, std::min<Millis>(*retry_after, policy.backoff_cap));
  return jittered;
}

}  // namespace dragops::oauth
