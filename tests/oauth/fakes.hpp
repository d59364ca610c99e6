#pragma once
// Test doubles for the refresh logic: a clock that moves only when told (sleep_for advances it)
// and a provider that behaves like oidc-provider with rotation on: every refresh consumes the
// presented refresh token and issues a new one; presenting a consumed one revokes the grant.

#include "oauth/clock.hpp"
#include "oauth/provider.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace dragops::oauth::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(SystemTime start = SystemTime(std::chrono::seconds(1'800'000'000))) : now_(start) {}
  SystemTime now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void sleep_for(std::chrono::milliseconds d) override { advance(d); }
  void advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mutex_);
    now_ += d;
  }

 private:
  mutable std::mutex mutex_;
  SystemTime now_;
};

// Fake time running `scale` times faster than real time, shared by many threads: sleeping is
// real (scaled down), so threads interleave as they would, only faster.
class ScaledClock final : public Clock {
 public:
  explicit ScaledClock(int scale) : scale_(scale) {}
  SystemTime now() const override {
    const auto real = std::chrono::steady_clock::now() - start_;
    return origin_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(real * scale_);
  }
  void sleep_for(std::chrono::milliseconds d) override {
    std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::microseconds>(d) / scale_);
  }

 private:
  int scale_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  SystemTime origin_ = SystemTime(std::chrono::seconds(1'800'000'000));
};

class RotatingProvider final : public OAuthProvider {
 public:
  RotatingProvider(Clock& clock, std::chrono::seconds lifetime) : clock_(clock), lifetime_(lifetime) {}

  // The token set a finished authorization would have stored.
  TokenSet issue_initial() {
    std::lock_guard lock(mutex_);
    return issue_locked();
  }

  boost::system::result<TokenSet, OAuthError> exchange_code(std::string_view, std::string_view,
                                                            const crypto::SecretBytes&) override {
    return issue_initial();
  }

  boost::system::result<TokenSet, OAuthError> refresh(const crypto::SecretBytes& refresh_token) override {
    if (latency_ > std::chrono::milliseconds::zero()) clock_.sleep_for(latency_);  // the network round trip
    std::lock_guard lock(mutex_);
    ++refresh_calls_;
    if (fail_next_ > 0) {
      --fail_next_;
      return OAuthError{ErrorKind::http_status, "", "injected", 503, std::nullopt};
    }
    const std::string presented(refresh_token.view());
    if (revoked_) return invalid_grant();
    if (consumed_.contains(presented)) {
      ++reuse_detected_;
      revoked_ = true;  // what oidc-provider does: revoke the whole grant
      return invalid_grant();
    }
    if (presented != current_refresh_) return invalid_grant();
    consumed_.insert(presented);
    ++refreshes_;
    TokenSet fresh = issue_locked();
    if (!rotate_) {  // the answer carries no refresh_token; the presented one stays valid
      fresh.refresh_token.clear();
      current_refresh_ = presented;
      consumed_.erase(presented);
    }
    return fresh;
  }

  boost::system::result<void, OAuthError> revoke(const crypto::SecretBytes&, std::string_view) override {
    std::lock_guard lock(mutex_);
    revoked_ = true;
    return {};
  }

  boost::system::result<Introspection, OAuthError> introspect(const crypto::SecretBytes& token,
                                                              std::string_view) override {
    std::lock_guard lock(mutex_);
    Introspection out;
    const auto it = access_expiry_.find(std::string(token.view()));
    out.active = !revoked_ && it != access_expiry_.end() && it->second > clock_.now();
    return out;
  }

  void fail_next(int n) {
    std::lock_guard lock(mutex_);
    fail_next_ = n;
  }
  void set_latency(std::chrono::milliseconds latency) { latency_ = latency; }
  void set_rotate(bool rotate) {
    std::lock_guard lock(mutex_);
    rotate_ = rotate;
  }
  int refreshes() const { return refreshes_; }
  int refresh_calls() const { return refresh_calls_; }
  int reuse_detected() const { return reuse_detected_; }
  bool revoked() const { return revoked_; }

 private:
  static OAuthError invalid_grant() {
    return OAuthError{ErrorKind::provider, "invalid_grant", "grant request is invalid", 400, std::nullopt};
  }

  TokenSet issue_locked() {
    ++serial_;
    TokenSet tokens;
    tokens.access_token = crypto::SecretBytes::from_string("at-" + std::to_string(serial_));
    current_refresh_ = "rt-" + std::to_string(serial_);
    tokens.refresh_token = crypto::SecretBytes::from_string(current_refresh_);
    tokens.obtained_at = clock_.now();
    tokens.expires_at = *tokens.obtained_at + lifetime_;
    access_expiry_[std::string(tokens.access_token.view())] = *tokens.expires_at;
    return tokens;
  }

  Clock& clock_;
  std::chrono::seconds lifetime_;
  std::chrono::milliseconds latency_{0};
  std::mutex mutex_;
  int serial_ = 0;
  std::string current_refresh_;
  std::set<std::string> consumed_;
  std::map<std::string, SystemTime> access_expiry_;
  bool rotate_ = true;
  int fail_next_ = 0;
  std::atomic<int> refreshes_{0};
  std::atomic<int> refresh_calls_{0};
  std::atomic<int> reuse_detected_{0};
  std::atomic<bool> revoked_{false};
};

}  // namespace dragops::oauth::testing
