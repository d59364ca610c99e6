#pragma once
// When to refresh and how long to wait after a failure. Pure functions of their arguments; the
// randomness comes in as a number in [0, 1) so that tests can fix it.
//
//   lifetime = expires_at - obtained_at
//   skew     = max(min_skew, skew_fraction * lifetime), but at most lifetime / 2
//   jitter   = random01 * jitter_fraction * skew
//   refresh_at = expires_at - skew - jitter
//
// The "at most half the lifetime" cap only matters for lifetimes under 2 * min_skew (tests use
// seconds): without it every request would refresh. Jitter only moves the refresh earlier, so
// pods spread out without ever cutting into the skew.
//
// An unknown lifetime (no obtained_at: tokens bootstrapped from a Secret) is due at once: the
// skew cannot be computed, and waiting for the expiry would hand out the token down to its last
// milliseconds. The refresh makes the lifetime known. A token that had expired when it was
// obtained (lifetime <= 0) is due from its expiry, which has passed.
//
//   backoff(n) = min(cap, base * 2^(n-1)), then "equal jitter": backoff/2 + random01 * backoff/2,
//   never less than the provider's Retry-After (itself capped).

#include <chrono>
#include <optional>

namespace dragops::oauth {

using SystemTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

struct RefreshPolicy {
  std::chrono::seconds min_skew{60};
  double skew_fraction = 0.10;
  double jitter_fraction = 0.25;
  Millis backoff_base{1'000};
  Millis backoff_cap{300'000};
};

Millis refresh_skew(const RefreshPolicy& policy, Millis lifetime);

// The operator is the only refresher (docs/oauth.md): its skew is max(min_skew, 5% of the
// lifetime), at most half the lifetime, minus up to 25% jitter. The sidecars compute the same
// schedule with no jitter to know when a token is overdue (its latest refresh time has passed).
inline constexpr double kOperatorSkewFraction = 0.05;

// A refresh time before any token was issued: due whenever it is compared with the clock.
inline constexpr SystemTime kDueAtOnce{};

// nullopt when the token does not expire (no expires_at): never refresh on a timer.
// kDueAtOnce when the lifetime is unknown (no obtained_at).
std::optional<SystemTime> refresh_at(const RefreshPolicy& policy, std::optional<SystemTime> obtained_at,
                                     std::optional<SystemTime> expires_at, double random01);

// failures >= 1: the delay before attempt failures + 1.
Millis backoff_delay(const RefreshPolicy& policy, int failures, double random01,
                     std::optional<std::chrono::seconds> retry_after = std::nullopt);

}  // namespace dragops::oauth
