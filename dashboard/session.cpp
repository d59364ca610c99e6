#include "session.hpp"

#include "crypto/random.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace dragops::dashboard {
namespace {

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view text) {
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return to_hex(digest);
}

SessionStore::SessionStore(SessionOptions options, Now now) : options_(options), now_(std::move(now)) {}

bool SessionStore::expired(const Session& session, SteadyClock::time_point now) const {
  return now - session.last_used >= options_.idle_timeout || now >= session.ends;
}

void SessionStore::sweep(SteadyClock::time_point now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = expired(it->second, now) ? sessions_.erase(it) : std::next(it);
  }
}

std::string SessionStore::create(crypto::SecretBytes token, std::string user, std::optional<std::chrono::seconds> lifetime) {
  std::array<std::uint8_t, 32> random{};
  crypto::random_bytes(random);
  std::string id = to_hex(random);
  const auto now = now_();
  std::lock_guard lock(mutex_);
  sweep(now);
  while (sessions_.size() >= options_.max_sessions && !sessions_.empty()) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.created < oldest->second.created) oldest = it;
    }
    sessions_.erase(oldest);
  }
  const auto age = lifetime ? std::min(*lifetime, options_.max_age) : options_.max_age;
  sessions_[sha256_hex(id)] = Session{std::move(token), std::move(user), now, now, now + age};
  return id;
}

std::optional<Session> SessionStore::find(std::string_view id) {
  if (id.size() != 64) return std::nullopt;
  const auto key = sha256_hex(id);
  const auto now = now_();
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return std::nullopt;
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second;
}

std::chrono::seconds SessionStore::remaining(std::string_view id) {
  const auto now = now_();
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(sha256_hex(id));
  if (it == sessions_.end() || expired(it->second, now)) return std::chrono::seconds(0);
  auto idle_left = options_.idle_timeout - (now - it->second.last_used);
  auto age_left = it->second.ends - now;
  return std::chrono::duration_cast<std::chrono::seconds>(std::min(idle_left, age_left));
}

void SessionStore::remove(std::string_view id) {
  const auto key = sha256_hex(id);
  std::lock_guard lock(mutex_);
  sessions_.erase(key);
}

std::size_t SessionStore::size() {
  std::lock_guard lock(mutex_);
  sweep(now_());
  return sessions_.size();
}

}  // namespace dragops::dashboard
