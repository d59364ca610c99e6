#include "oauth/refresh_status.hpp"

#include <gtest/gtest.h>

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;

const SystemTime kNow = SystemTime(std::chrono::seconds(1'800'000'000));

TokenSet expiring_at(SystemTime at) {
  TokenSet tokens;
  tokens.access_token = crypto::SecretBytes::from_string("at-1");
  tokens.obtained_at = at - 3600s;
  tokens.expires_at = at;
  return tokens;
}

TEST(DecideServing, ServesATokenUntilTheMomentItExpires) {
  EXPECT_TRUE(decide_serving(expiring_at(kNow + 1s), kNow, std::nullopt).serve);
  EXPECT_FALSE(decide_serving(expiring_at(kNow), kNow, std::nullopt).serve);
}

TEST(DecideServing, AnswersAnExpiredTokenWithRetryAfterTheNextAttempt) {
  struct Row {
    std::optional<SystemTime> next_attempt;
    std::chrono::seconds retry_after;
  };
  for (const Row& row : {Row{kNow + 1500ms, 2s}, Row{kNow + 30s, 30s}, Row{kNow - 5s, 1s}, Row{std::nullopt, 1s},
                         Row{kNow + 10ms, 1s}}) {
    const auto decision = decide_serving(expiring_at(kNow - 1s), kNow, row.next_attempt);
    EXPECT_FALSE(decision.serve);
    EXPECT_EQ(decision.retry_after, row.retry_after);
  }
}

TEST(DecideServing, ServesATokenWithoutExpiryAndNeverAnEmptyOne) {
  TokenSet forever;
  forever.access_token = crypto::SecretBytes::from_string("gho_x");
  EXPECT_TRUE(decide_serving(forever, kNow, std::nullopt).serve);
  EXPECT_FALSE(decide_serving(TokenSet{}, kNow, std::nullopt).serve);
}

TEST(RefreshedCondition, SaysWhyAndWhenTheNextAttemptIs) {
  RefreshOutcome failed;
  failed.result = RefreshResult::failed;
  failed.reason = reason::kRefreshFailed;
  failed.message = "provider answered HTTP 503";
  failed.next_check = SystemTime(std::chrono::seconds(1'767'323'045));
  const auto condition = refreshed_condition(failed);
  EXPECT_EQ(condition.status, "False");
  EXPECT_EQ(condition.reason, "RefreshFailed");
  EXPECT_EQ(condition.message, "provider answered HTTP 503; next attempt at 2026-01-02T03:04:05Z");

  RefreshOutcome ok;
  ok.result = RefreshResult::refreshed;
  ok.tokens = expiring_at(SystemTime(std::chrono::seconds(1'767'323'045)));
  const auto good = refreshed_condition(ok);
  EXPECT_EQ(good.status, "True");
  EXPECT_EQ(good.reason, "Refreshed");
  EXPECT_EQ(good.message, "tokens are current; access token expires at 2026-01-02T03:04:05Z");
}

}  // namespace
}  // namespace dragops::oauth
