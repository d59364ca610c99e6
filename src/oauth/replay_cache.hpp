#pragma once
// Remembers which state nonces were used, so a state works once. The in-memory cache is right
// for one process; the operator must persist used nonces across restarts and leader changes
// (for example by clearing the pending nonce on the Connection with a resourceVersion
// precondition), otherwise a state could be replayed within its lifetime after a restart.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace dragops::oauth {

class ReplayCache {
 public:
  virtual ~ReplayCache() = default;
  // True the first time a nonce is presented; false if it was consumed before. Entries may be
  // forgotten once expires_at has passed (an expired state is rejected before it gets here).
  virtual bool try_consume(std::string_view nonce, std::chrono::system_clock::time_point expires_at,
                           std::chrono::system_clock::time_point now) = 0;
};

class InMemoryReplayCache final : public ReplayCache {
 public:
  bool try_consume(std::string_view nonce, std::chrono::system_clock::time_point expires_at,
                   std::chrono::system_clock::time_point now) override;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::chrono::system_clock::time_point> used_;
};

}  // namespace dragops::oauth
