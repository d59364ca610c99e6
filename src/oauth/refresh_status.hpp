#pragma once
// What the sidecar and the operator do with a RefreshOutcome, as pure functions:
// - serving: an access token is served only while it has not expired; otherwise 503 with a
//   Retry-After that points at the next refresh attempt;
// - the Connection's `Refreshed` condition: status, reason and a message that names the next
//   attempt (no token values).

#include "oauth/refresh_coordinator.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace dragops::oauth {

struct ServeDecision {
  bool serve = false;
  std::chrono::seconds retry_after{0};  // for a 503, at least 1 s
};

ServeDecision decide_serving(const TokenSet& tokens, SystemTime now, std::optional<SystemTime> next_attempt);

struct RefreshedCondition {
  std::string status;  // "True" | "False"
  std::string reason;  // a reason:: constant
  std::string message;
};

RefreshedCondition refreshed_condition(const RefreshOutcome& outcome);

}  // namespace dragops::oauth
