#include "refresh_gate.hpp"

#include <algorithm>

namespace dragops::sidecar {

RefreshGate::RefreshGate(RefreshGateOptions options) : options_(options) {}

void RefreshGate::bump_locked() {
  ++version_;
  changed_.notify_all();
}

void RefreshGate::wake_refresher_locked() {
  if (in_attempt_) return;   // it is looking already; it reports when done
  wake_requested_ = true;
  wake_.notify_all();
}

void RefreshGate::set_active(bool active) {
  std::lock_guard lock(mutex_);
  if (active_ == active) return;
  active_ = active;
  if (!active) {
    known_expires_at_.reset();
    refresh_at_.reset();
    failed_ = false;
  }
  bump_locked();
}

void RefreshGate::attempt_started(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  in_attempt_ = true;
  attempt_started_ = now;
  ++attempts_started_;
  wake_requested_ = false;
}

void RefreshGate::attempt_finished(std::optional<Clock::time_point> expires_at,
                                   std::optional<Clock::time_point> refresh_at, bool failed, Clock::time_point) {
  std::lock_guard lock(mutex_);
  in_attempt_ = false;
  ++attempts_finished_;
  known_expires_at_ = expires_at;
  refresh_at_ = refresh_at;
  failed_ = failed;
  bump_locked();
}

bool RefreshGate::sleep_until(std::stop_token stop, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  const bool woken = wake_.wait_until(lock, stop, deadline, [this] { return wake_requested_; });
  wake_requested_ = false;
  return woken;
}

void RefreshGate::store_changed() {
  std::lock_guard lock(mutex_);
  if (active_ != true) {
    // The store may just have appeared or become refreshable: the idle refresher looks now
    // instead of at its next poll.
    wake_requested_ = true;
    wake_.notify_all();
  }
  bump_locked();
}

std::uint64_t RefreshGate::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

std::optional<RefreshGate::Hold> RefreshGate::hold(Clock::time_point expires_at, Clock::time_point now,
                                                   std::uint64_t seen) {
  std::lock_guard lock(mutex_);
  if (active_ == false || failed_ || now >= expires_at) return std::nullopt;
  bool wake = false;
  if (known_expires_at_ == expires_at) {
    // The refresher has looked at this token: hold once it is due in this pod's schedule.
    if (!refresh_at_ || now < *refresh_at_) return std::nullopt;
    wake = true;
  } else if (known_expires_at_ && *known_expires_at_ > expires_at) {
    // The refresher holds newer tokens than the cache: the watch is about to deliver them. Only
    // worth waiting for when the cached one is short of the skew.
    if (expires_at - now >= options_.min_skew) return std::nullopt;
  } else {
    // Nobody here has looked at this token: fine while it has the skew left; otherwise the
    // refresher looks first (once: a look that did not learn this token does not hold again).
    if (expires_at - now >= options_.min_skew) return std::nullopt;
    if (asked_about_ == expires_at) {
      if (attempts_finished_ > asked_after_) return std::nullopt;
    } else {
      asked_about_ = expires_at;
      asked_after_ = attempts_started_;
    }
    wake = true;
  }
  if (wake) wake_refresher_locked();
  const auto start = in_attempt_ ? attempt_started_ : now;
  const auto until = std::min(expires_at, start + options_.max_hold);
  if (until <= now) return std::nullopt;
  return Hold{seen, until};
}

bool RefreshGate::wait(const Hold& hold, std::chrono::steady_clock::duration for_at_most) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, for_at_most, [&] { return version_ != hold.seen; });
}

}  // namespace dragops::sidecar
