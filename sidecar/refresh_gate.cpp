#include "refresh_gate.hpp"

#include <algorithm>

namespace dragops::sidecar {

RefreshGate::RefreshGate(RefreshGateOptions options) : options_(options) {}

void RefreshGate::store_changed() {
  std::lock_guard lock(mutex_);
  ++version_;
  changed_.notify_all();
}

std::uint64_t RefreshGate::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

std::optional<RefreshGate::Hold> RefreshGate::hold(Clock::time_point expires_at, Clock::time_point due_at,
                                                   Clock::time_point now, std::uint64_t seen) {
  std::lock_guard lock(mutex_);
  if (now < due_at && now < expires_at) return std::nullopt;   // the operator is not late yet
  if (held_for_ != expires_at) {
    held_for_ = expires_at;
    held_since_ = now;
  }
  auto until = held_since_ + options_.max_hold;
  if (now < expires_at) until = std::min(until, expires_at);
  if (until <= now) return std::nullopt;   // waited for this token set already
  return Hold{seen, until};
}

bool RefreshGate::wait(const Hold& hold, std::chrono::steady_clock::duration for_at_most) {
  std::unique_lock lock(mutex_);
  ++waiting_;
  const bool moved = changed_.wait_for(lock, for_at_most, [&] { return version_ != hold.seen; });
  --waiting_;
  return moved;
}

std::size_t RefreshGate::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

}  // namespace dragops::sidecar
