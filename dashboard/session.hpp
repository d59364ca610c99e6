#pragma once
// Server-side sessions: the signed-in user's Kubernetes credential stays here, in wiped memory,
// and the browser holds only a random id in an HttpOnly cookie. A session ends on sign-out, after
// idle_timeout without a request, or max_age after sign-in (sooner when its credential
// expires sooner: an OIDC ID token), whichever comes first. Ids are 256
// random bits; the store keys them by their SHA-256, so a lookup's timing says nothing about
// the ids held. Thread-safe.

#include "crypto/secret_bytes.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace dragops::dashboard {

using SteadyClock = std::chrono::steady_clock;

struct SessionOptions {
  std::chrono::seconds idle_timeout{30 * 60};
  std::chrono::seconds max_age{8 * 60 * 60};
  std::size_t max_sessions = 10'000;   // the oldest is dropped to make room
};

struct Session {
  crypto::SecretBytes token;   // the user's bearer token (or OIDC ID token)
  std::string user;            // from SelfSubjectReview, for display
  SteadyClock::time_point created;
  SteadyClock::time_point last_used;
  SteadyClock::time_point ends;   // created + max_age, or sooner (an OIDC ID token's exp)
};

class SessionStore {
 public:
  using Now = std::function<SteadyClock::time_point()>;
  explicit SessionStore(SessionOptions options = {}, Now now = [] { return SteadyClock::now(); });

  // A new session; returns its id (64 hex digits), the only copy outside this store. It ends
  // after lifetime when that is shorter than max_age (the credential's own expiry).
  std::string create(crypto::SecretBytes token, std::string user,
                     std::optional<std::chrono::seconds> lifetime = std::nullopt);

  // The session for id if it exists and has not expired (its idle timer restarts); an expired
  // one is erased. The copy holds the token: keep it no longer than the request.
  std::optional<Session> find(std::string_view id);

  // Seconds left before the session ends for either reason (0 if there is none).
  std::chrono::seconds remaining(std::string_view id);

  void remove(std::string_view id);
  std::size_t size();
  const SessionOptions& options() const { return options_; }

 private:
  bool expired(const Session& session, SteadyClock::time_point now) const;
  void sweep(SteadyClock::time_point now);

  SessionOptions options_;
  Now now_;
  std::mutex mutex_;
  std::map<std::string, Session, std::less<>> sessions_;   // key: SHA-256(id), hex
};

// SHA-256 of text as lower-case hex.
std::string sha256_hex(std::string_view text);

}  // namespace dragops::dashboard
