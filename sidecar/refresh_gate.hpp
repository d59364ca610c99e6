#pragma once
// Keeps the sidecar from handing out an OAuth access token that a refresh is about to replace
// (docs/oauth.md, "Serving near expiry"). The operator is the only refresher; the sidecar only
// watches. One gate per connection, shared by two parties:
//
//   - the StoreCache listener reports that the cached store object changed (the watch delivered
//     a new token set, or anything else);
//   - the ApiHandler asks hold() before serving a token and, if told to, waits and looks again.
//
// A request is held when its token is overdue: the operator's latest refresh time for it
// (oauth::refresh_at with the operator's policy and no jitter) has passed, or it has expired.
// It waits until the cache changes or the hold ends, then gets whatever the cache holds (the old
// token while it is valid, 503 token_expired after). Each token set is waited for at most
// max_hold in all, counted from the first request held for it, and never past its expiry while
// it is valid: an operator that is down or late delays a pod's requests by at most max_hold per
// token set, not on every request.

#include "store_cache.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace dragops::sidecar {

struct RefreshGateOptions {
  std::chrono::milliseconds max_hold{2'000};
};

class RefreshGate {
 public:
  explicit RefreshGate(RefreshGateOptions options = {});

  // --- the store cache -------------------------------------------------------------------------
  void store_changed();

  // --- the API handler -------------------------------------------------------------------------
  struct Hold {
    std::uint64_t seen = 0;            // version() the decision was made at
    Clock::time_point until;           // hold no longer than this
  };
  // Read version() before reading the cache, then ask about the cached token that expires at
  // expires_at and is due (overdue for the operator) at due_at: nullopt serves it now (or
  // answers 503 if it has expired); a Hold means wait() and look again.
  std::uint64_t version() const;
  std::optional<Hold> hold(Clock::time_point expires_at, Clock::time_point due_at, Clock::time_point now,
                           std::uint64_t seen);
  // Until version() moves past hold.seen, or for at most `for_at_most`. True when it moved.
  bool wait(const Hold& hold, std::chrono::steady_clock::duration for_at_most);
  // Requests waiting in wait() now (for tests and the metrics).
  std::size_t waiting() const;

 private:
  RefreshGateOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;   // version_ moved
  std::uint64_t version_ = 0;
  std::size_t waiting_ = 0;
  // The token set (by expiry) requests were first held for, and when.
  std::optional<Clock::time_point> held_for_;
  Clock::time_point held_since_{};
};

// The gates by connection name; a connection without one is served without holding.
using RefreshGates = std::map<std::string, std::shared_ptr<RefreshGate>, std::less<>>;

}  // namespace dragops::sidecar
