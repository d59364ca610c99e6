#pragma once
// Keeps the sidecar from handing out an OAuth access token that a refresh is about to replace
// (docs/oauth.md, "Serving near expiry"). One gate per connection, shared by three parties:
//
//   - the connection's TokenRefresher reports every attempt (started; finished with the token set
//     it now knows, when that is due in this pod's schedule, and whether it failed) and sleeps in
//     sleep_until(), so that a request can wake it;
//   - the StoreCache listener reports that the cached store object changed;
//   - the ApiHandler asks hold() before serving a token and, if told to, waits and looks again.
//
// A request is held only while a refresh can replace the token: the refresher is not known to be
// idle, its last attempt did not fail, and either the token is due in this pod's schedule, or the
// refresher already knows newer tokens than the cache (the watch is about to deliver them), or
// nobody here has looked at this token yet and it has less than the minimum skew left. It is held
// until the cache or the refresher moves, at most max_hold after the attempt began and never past
// the token's expiry: a provider that hangs delays requests by at most max_hold per attempt, and
// then they get the old token while it is valid.

#include "store_cache.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

namespace dragops::sidecar {

struct RefreshGateOptions {
  std::chrono::milliseconds min_skew{60'000};   // the refresher's minimum skew
  std::chrono::milliseconds max_hold{2'000};
};

class RefreshGate {
 public:
  explicit RefreshGate(RefreshGateOptions options = {});

  // --- the refresher ---------------------------------------------------------------------------
  // false: nothing here refreshes this connection (store absent, not oauth2, no sealed client).
  void set_active(bool active);
  void attempt_started(Clock::time_point now);
  // What the attempt left: the expiry of the token set the refresher now knows (nullopt: none, or
  // it does not expire), when that set is due here (nullopt: never on a timer), whether it failed.
  void attempt_finished(std::optional<Clock::time_point> expires_at, std::optional<Clock::time_point> refresh_at,
                        bool failed, Clock::time_point now);
  // Sleeps until deadline, a stop request, or a wake-up (a held request; the store appearing).
  // True when woken.
  bool sleep_until(std::stop_token stop, std::chrono::steady_clock::time_point deadline);

  // --- the store cache -------------------------------------------------------------------------
  void store_changed();

  // --- the API handler -------------------------------------------------------------------------
  struct Hold {
    std::uint64_t seen = 0;            // version() the decision was made at
    Clock::time_point until;           // hold no longer than this
  };
  // Read version() before reading the cache, then ask about the cached token that expires at
  // expires_at: nullopt serves it now; a Hold means wait() and look again (at once if anything
  // moved since `seen`).
  std::uint64_t version() const;
  std::optional<Hold> hold(Clock::time_point expires_at, Clock::time_point now, std::uint64_t seen);
  // Until version() moves past hold.seen, or for at most `for_at_most`. True when it moved.
  bool wait(const Hold& hold, std::chrono::steady_clock::duration for_at_most);

 private:
  void bump_locked();
  void wake_refresher_locked();

  RefreshGateOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;   // version_ moved
  std::condition_variable_any wake_;      // the refresher should look now
  std::uint64_t version_ = 0;
  bool wake_requested_ = false;
  std::optional<bool> active_;            // unknown until the refresher has looked
  bool in_attempt_ = false;
  Clock::time_point attempt_started_{};
  std::uint64_t attempts_started_ = 0;
  std::uint64_t attempts_finished_ = 0;
  std::optional<Clock::time_point> known_expires_at_;
  std::optional<Clock::time_point> refresh_at_;
  bool failed_ = false;
  // A token the refresher had not looked at, and the attempt count when it was asked to.
  std::optional<Clock::time_point> asked_about_;
  std::uint64_t asked_after_ = 0;
};

// The gates by connection name; a connection without one is served without holding.
using RefreshGates = std::map<std::string, std::shared_ptr<RefreshGate>, std::less<>>;

}  // namespace dragops::sidecar
