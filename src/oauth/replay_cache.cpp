#include "oauth/replay_cache.hpp"

#include <iterator>

namespace dragops::oauth {

bool InMemoryReplayCache::try_consume(std::string_view nonce, std::chrono::system_clock::time_point expires_at,
                                      std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (auto it = used_.begin(); it != used_.end();) {
    it = it->second < now ? used_.erase(it) : std::next(it);
  }
  return used_.emplace(std::string(nonce), expires_at).second;
}

std::size_t InMemoryReplayCache::size() const {
  std::lock_guard lock(mutex_);
  return used_.size();
}

}  // namespace dragops::oauth
