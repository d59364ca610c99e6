#include "oauth/refresh_coordinator.hpp"

#include "common/log.hpp"

namespace dragops::oauth {

namespace {

// Releases the Lease when the critical section ends, whatever the path.
class LeaseHold {
 public:
  explicit LeaseHold(LeaseLock& lease) : lease_(lease) {}
  ~LeaseHold() {
    if (auto released = lease_.release(); !released) {
      log::warn("oauth refresh lease not released", {{"lease", boost::json::value(lease_.name())}, {"reason", boost::json::value(released.error().reason)}});
    }
  }
  LeaseHold(const LeaseHold&) = delete;
  LeaseHold& operator=(const LeaseHold&) = delete;

 private:
  LeaseLock& lease_;
};

}  // namespace

std::string_view to_string(RefreshResult result) {
  switch (result) {
    case RefreshResult::not_due: return "not_due";
    case RefreshResult::refreshed: return "refreshed";
    case RefreshResult::adopted: return "adopted";
    case RefreshResult::failed: return "failed";
  }
  return "unknown";
}

RefreshCoordinator::RefreshCoordinator(TokenStore& store, OAuthProvider& provider, kube::Api& api, Clock& clock,
                                       Random01 random, std::string lease_namespace, std::string connection,
                                       CoordinatorOptions options)
    : store_(store),
      provider_(provider),
      clock_(clock),
      random_(std::move(random)),
      lease_(api, clock, std::move(lease_namespace), refresh_lease_name(connection), options.lease),
      options_(std::move(options)) {}

int RefreshCoordinator::consecutive_failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

bool RefreshCoordinator::has_pending_write() const {
  std::lock_guard lock(mutex_);
  return pending_.has_value();
}

std::optional<SystemTime> RefreshCoordinator::refresh_time(const TokenSet& tokens) {
  if (!tokens.expires_at) return std::nullopt;
  const auto key = std::make_pair(tokens.expires_at, tokens.obtained_at);
  if (jitter_for_ != key) {
    jitter_for_ = key;
    cached_refresh_at_ = refresh_at(options_.policy, tokens.obtained_at, tokens.expires_at, random_());
  }
  return cached_refresh_at_;
}

bool RefreshCoordinator::due(const TokenSet& tokens, SystemTime now) {
  if (tokens.access_token.empty()) return true;  // bootstrapped from a refresh token alone
  const auto at = refresh_time(tokens);
  return at && now >= *at;
}

RefreshOutcome RefreshCoordinator::failure(std::string_view why, std::string message, TokenSet tokens,
                                           std::optional<OAuthError> error) {
  ++failures_;
  backoff_for_ = {tokens.expires_at, tokens.obtained_at};
  const auto retry_after = error ? error->retry_after : std::nullopt;
  next_attempt_ = clock_.now() + backoff_delay(options_.policy, failures_, random_(), retry_after);
  last_reason_ = why;
  last_message_ = message;
  RefreshOutcome out{RefreshResult::failed, std::move(tokens), next_attempt_, why, std::move(message), std::move(error), {}};
  log::warn("oauth refresh failed", {{"lease", boost::json::value(lease_.name())},
                                     {"reason", boost::json::value(why)},
                                     {"message", boost::json::value(out.message)},
                                     {"failures", boost::json::value(failures_)}});
  return out;
}

RefreshOutcome RefreshCoordinator::adopt(TokenSet tokens) {
  failures_ = 0;
  next_attempt_.reset();
  auto next = refresh_time(tokens);
  return {RefreshResult::adopted, std::move(tokens), next, reason::kRefreshed, "refreshed by another holder", {}, {}};
}

std::optional<RefreshOutcome> RefreshCoordinator::persist(TokenSet merged, const crypto::SecretBytes& consumed,
                                                          std::string resource_version) {
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    auto written = store_.write(merged, resource_version);
    if (written) {
      pending_.reset();
      failures_ = 0;
      next_attempt_.reset();
      auto next = refresh_time(merged);
      return RefreshOutcome{RefreshResult::refreshed, std::move(merged), next, reason::kRefreshed, "refreshed", {}, {}};
    }
    if (written.error() == StoreError::conflict) {
      auto again = store_.read();
      if (again && again->tokens.refresh_token.equals(consumed)) {
        resource_version = again->resource_version;  // an unrelated write; ours still has to land
        continue;
      }
      if (again) {
        // Someone wrote other tokens while we held the Lease (it must have expired under us).
        log::error("oauth tokens written by another holder during our refresh", {{"lease", boost::json::value(lease_.name())}});
        pending_.reset();
        return adopt(std::move(again->tokens));
      }
    }
    clock_.sleep_for(options_.write_retry_interval);
  }
  pending_ = Pending{std::move(merged), consumed};
  return std::nullopt;
}

RefreshOutcome RefreshCoordinator::refresh_if_due(std::stop_token stop) {
  std::lock_guard lock(mutex_);
  const auto first = store_.read();
  if (!first) {
    if (first.error() == StoreError::not_found) {
      return failure(reason::kAwaitingAuthorization, "no tokens stored yet", {});
    }
    return failure(reason::kStoreUnavailable, std::string("store read failed: ") + std::string(to_string(first.error())),
                   {});
  }
  if (next_attempt_ && !pending_ &&
      backoff_for_ != std::make_pair(first->tokens.expires_at, first->tokens.obtained_at)) {
    failures_ = 0;   // someone refreshed since our failures: they were about tokens that are gone
    next_attempt_.reset();
  }
  if (!pending_ && !due(first->tokens, clock_.now())) {
    auto next = refresh_time(first->tokens);
    return {RefreshResult::not_due, first->tokens, next, reason::kRefreshed, "", {}, {}};
  }
  if (next_attempt_ && clock_.now() < *next_attempt_) {
    return {RefreshResult::failed, first->tokens, next_attempt_, last_reason_, "backing off after: " + last_message_, {}, {}};
  }
  if (!pending_ && !first->tokens.has_refresh_token()) {
    return failure(reason::kReauthorizationRequired, "no refresh token stored", first->tokens);
  }

  const auto deadline = clock_.now() + options_.lease_wait_timeout;
  for (;;) {
    auto acquired = lease_.try_acquire();
    if (!acquired) {
      return failure(reason::kLeaseUnavailable, "lease: " + acquired.error().reason + " " + acquired.error().message,
                     first->tokens);
    }
    if (*acquired) break;
    if (!pending_) {
      auto again = store_.read();
      if (again && !same_tokens(again->tokens, first->tokens) && !due(again->tokens, clock_.now())) {
        return adopt(std::move(again->tokens));
      }
    }
    if (stop.stop_requested()) {
      return {RefreshResult::failed, first->tokens, clock_.now(), reason::kLeaseUnavailable, "cancelled", {}, {}};
    }
    if (clock_.now() >= deadline) {
      return failure(reason::kLeaseUnavailable, "another holder kept the refresh lease", first->tokens);
    }
    clock_.sleep_for(options_.lease_poll_interval);
  }

  LeaseHold hold(lease_);
  auto latest = store_.read();
  if (!latest) {
    return failure(reason::kStoreUnavailable,
                   std::string("store read failed: ") + std::string(to_string(latest.error())), first->tokens);
  }

  if (pending_) {
    if (latest->tokens.refresh_token.equals(pending_->consumed)) {
      Pending pending = std::move(*pending_);
      if (auto done = persist(std::move(pending.tokens), pending.consumed, latest->resource_version)) return *done;
      return failure(reason::kStoreUnavailable, "refreshed tokens not persisted yet", latest->tokens);
    }
    log::warn("oauth pending tokens dropped: the store moved on", {{"lease", boost::json::value(lease_.name())}});
    pending_.reset();
  }

  if (!due(latest->tokens, clock_.now())) {
    if (!same_tokens(latest->tokens, first->tokens)) return adopt(std::move(latest->tokens));
    auto next = refresh_time(latest->tokens);
    return {RefreshResult::not_due, std::move(latest->tokens), next, reason::kRefreshed, "", {}, {}};
  }
  if (!latest->tokens.has_refresh_token()) {
    return failure(reason::kReauthorizationRequired, "no refresh token stored", std::move(latest->tokens));
  }

  const auto sent = clock_.now();
  auto fresh = provider_.refresh(latest->tokens.refresh_token);
  if (!fresh) {
    const auto why = fresh.error().needs_reauthorization() ? reason::kReauthorizationRequired : reason::kRefreshFailed;
    return failure(why, fresh.error().message(), std::move(latest->tokens), fresh.error());
  }
  TokenSet merged = merge_refreshed(latest->tokens, std::move(*fresh));
  if (auto done = persist(std::move(merged), latest->tokens.refresh_token, latest->resource_version)) {
    if (done->result == RefreshResult::refreshed && latest->tokens.expires_at)
      done->lead = std::chrono::duration_cast<std::chrono::milliseconds>(*latest->tokens.expires_at - sent);
    return *done;
  }
  return failure(reason::kStoreUnavailable, "refreshed tokens not persisted yet", std::move(latest->tokens));
}

}  // namespace dragops::oauth
