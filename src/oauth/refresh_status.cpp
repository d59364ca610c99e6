#include "oauth/refresh_status.hpp"

#include "oauth/time_format.hpp"

#include <algorithm>

namespace dragops::oauth {

ServeDecision decide_serving(const TokenSet& tokens, SystemTime now, std::optional<SystemTime> next_attempt) {
  if (!tokens.access_token.empty() && !tokens.expired_at(now)) return {true, std::chrono::seconds(0)};
  std::chrono::seconds wait{1};
  if (next_attempt && *next_attempt > now) {
    wait = std::chrono::ceil<std::chrono::seconds>(*next_attempt - now);
  }
  return {false, std::max(wait, std::chrono::seconds(1))};
}

RefreshedCondition refreshed_condition(const RefreshOutcome& outcome) {
  if (outcome.result != RefreshResult::failed) {
    std::string message = "tokens are current";
    if (outcome.tokens.expires_at) message += "; access token expires at " + format_rfc3339(*outcome.tokens.expires_at);
    return {"True", std::string(reason::kRefreshed), std::move(message)};
  }
  std::string message = outcome.message;
  if (outcome.next_check) message += "; next attempt at " + format_rfc3339(*outcome.next_check);
  return {"False", std::string(outcome.reason.empty() ? reason::kRefreshFailed : outcome.reason), std::move(message)};
}

}  // namespace dragops::oauth
