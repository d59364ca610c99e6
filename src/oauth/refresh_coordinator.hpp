#pragma once
// Race-free refresh of one Connection's tokens, for the sidecar (every pod that reads the
// Connection) and the operator (connections no pod reads). The protocol, per attempt:
//
//   1. read the store; not due (refresh_policy) -> nothing to do.
//   2. take the Lease `dragops-refresh-<connection>` (optimistic concurrency). While someone
//      else holds it, poll: if the store meanwhile shows a newer token set, adopt it.
//   3. holding the Lease, re-read the store (authoritative). If the tokens moved since step 1
//      and are not due, someone refreshed just before us: adopt them.
//   4. refresh at the provider with the stored refresh token.
//   5. write the merged token set (merge_refreshed: no refresh_token in the answer keeps the old
//      one) with the resourceVersion read in step 3. Conflict: re-read; if the store still holds
//      the refresh token we used, the write was unrelated (labels, another field): write again
//      at the new resourceVersion; otherwise someone else's tokens won: adopt them.
//   6. only now return the new tokens: a rotated refresh token is persisted before the new
//      access token can be served. If the write cannot be made, the new tokens stay pending in
//      memory (never served) and the next attempt persists them first.
//   7. release the Lease.
//
// A failed refresh backs off (refresh_policy backoff_delay) and the outcome says why and when
// the next attempt is; the caller keeps serving the old access token only while it has not
// expired. The backoff belongs to the tokens that failed: when the store shows others (another
// holder refreshed meanwhile), it is dropped and the new tokens follow their own schedule.
// Within one process, calls are serialised (single flight).

#include "kube/api.hpp"
#include "oauth/clock.hpp"
#include "oauth/lease_lock.hpp"
#include "oauth/provider.hpp"
#include "oauth/refresh_policy.hpp"
#include "oauth/token_store.hpp"

#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

namespace dragops::oauth {

// Reasons for the Connection's `Refreshed` condition.
namespace reason {
inline constexpr std::string_view kRefreshed = "Refreshed";
inline constexpr std::string_view kRefreshFailed = "RefreshFailed";            // provider error, retried
inline constexpr std::string_view kReauthorizationRequired = "ReauthorizationRequired";  // invalid_grant / no RT
inline constexpr std::string_view kStoreUnavailable = "StoreUnavailable";
inline constexpr std::string_view kLeaseUnavailable = "LeaseUnavailable";
inline constexpr std::string_view kAwaitingAuthorization = "AwaitingAuthorization";  // no tokens stored yet
}  // namespace reason

struct CoordinatorOptions {
  RefreshPolicy policy;
  LeaseOptions lease;
  std::chrono::milliseconds lease_poll_interval{100};
  std::chrono::milliseconds lease_wait_timeout{20'000};  // give up waiting for another holder
  int max_write_attempts = 10;
  std::chrono::milliseconds write_retry_interval{200};
};

enum class RefreshResult {
  not_due,    // the stored tokens are good; nothing was done
  refreshed,  // we refreshed and persisted new tokens
  adopted,    // someone else refreshed; these are their tokens
  failed,     // see reason/message/next_attempt; tokens are the last known (maybe expired)
};

std::string_view to_string(RefreshResult result);

struct RefreshOutcome {
  RefreshResult result = RefreshResult::failed;
  TokenSet tokens;                       // what to serve, if not expired
  std::optional<SystemTime> next_check;  // when to call again (refresh_at or next attempt)
  std::string_view reason;               // a reason:: constant for failures
  std::string message;                   // no token values
  std::optional<OAuthError> error;       // the provider's, if that was the failure
  // refreshed: how long before the replaced access token's expiry the refresh was sent (for logs
  // and metrics: how much of the skew was left). nullopt: it had no expiry.
  std::optional<std::chrono::milliseconds> lead;
};

class RefreshCoordinator {
 public:
  using Random01 = std::function<double()>;

  RefreshCoordinator(TokenStore& store, OAuthProvider& provider, kube::Api& api, Clock& clock, Random01 random,
                     std::string lease_namespace, std::string connection, CoordinatorOptions options);

  RefreshOutcome refresh_if_due(std::stop_token stop = {});
  // When these tokens are due (stable per token set: the jitter is drawn once per expiry and
  // issue time).
  std::optional<SystemTime> refresh_time(const TokenSet& tokens);

  int consecutive_failures() const;
  bool has_pending_write() const;

 private:
  struct Pending {
    TokenSet tokens;                 // merged, not yet persisted, never served
    crypto::SecretBytes consumed;    // the refresh token the provider consumed for them
  };

  bool due(const TokenSet& tokens, SystemTime now);
  RefreshOutcome failure(std::string_view why, std::string message, TokenSet tokens,
                         std::optional<OAuthError> error = std::nullopt);
  RefreshOutcome adopt(TokenSet tokens);
  // Holding the Lease: writes merged at resource_version, retrying past unrelated writes. The
  // outcome when done (refreshed, or adopted if other tokens won); nullopt keeps them in pending_.
  std::optional<RefreshOutcome> persist(TokenSet merged, const crypto::SecretBytes& consumed,
                                        std::string resource_version);

  TokenStore& store_;
  OAuthProvider& provider_;
  Clock& clock_;
  Random01 random_;
  LeaseLock lease_;
  CoordinatorOptions options_;

  mutable std::mutex mutex_;
  int failures_ = 0;
  std::optional<SystemTime> next_attempt_;
  // The token set (expires_at, obtained_at) the backoff was earned on: once the store holds other
  // tokens, someone refreshed since, and the backoff no longer applies.
  std::pair<std::optional<SystemTime>, std::optional<SystemTime>> backoff_for_;
  std::string_view last_reason_ = reason::kRefreshFailed;
  std::string last_message_;
  std::optional<Pending> pending_;
  // The token set (expires_at, obtained_at) the cached refresh time belongs to: a refresh may
  // return the expiry a bootstrapped token of unknown lifetime had.
  std::optional<std::pair<std::optional<SystemTime>, std::optional<SystemTime>>> jitter_for_;
  std::optional<SystemTime> cached_refresh_at_;
};

}  // namespace dragops::oauth
