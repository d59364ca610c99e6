#include "oauth/refresh_policy.hpp"

#include "oauth/time_format.hpp"
#include "oauth/token_items.hpp"
#include "oauth/token_set.hpp"

#include <gtest/gtest.h>

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;

const SystemTime kT0 = SystemTime(std::chrono::seconds(1'800'000'000));

// What the operator seals for a Connection bootstrapped from a credentialsRef Secret (access_token,
// refresh_token, expires_at), read back as the refreshers read it: nobody knows when the access
// token was issued, so its lifetime is unknown.
TokenSet bootstrapped(SystemTime expires_at) {
  TokenItems items;
  items.emplace(std::string(kAccessTokenItem), crypto::SecretBytes::from_string("at-bootstrap"));
  items.emplace(std::string(kRefreshTokenItem), crypto::SecretBytes::from_string("rt-bootstrap"));
  auto tokens = token_set_from_items(items, format_rfc3339(expires_at));
  EXPECT_TRUE(tokens);
  return tokens ? std::move(*tokens) : TokenSet{};
}

TEST(RefreshSkew, IsTheLargerOf60SecondsAnd10PercentCappedAtHalfTheLifetime) {
  const RefreshPolicy policy;
  struct Row {
    Millis lifetime;
    Millis skew;
  };
  for (const Row& row : {Row{3600s, 360s}, Row{600s, 60s}, Row{1200s, 120s}, Row{86400s, 8640s}, Row{120s, 60s},
                         Row{100s, 50s}, Row{5s, 2500ms}, Row{0s, 0s}}) {
    EXPECT_EQ(refresh_skew(policy, row.lifetime), row.skew) << row.lifetime.count();
  }
}

TEST(RefreshSkew, FollowsAConfiguredMinimumAndFraction) {
  RefreshPolicy policy;
  policy.min_skew = 10s;
  policy.skew_fraction = 0.25;
  EXPECT_EQ(refresh_skew(policy, 3600s), 900s);
  EXPECT_EQ(refresh_skew(policy, 20s), 10s);
}

TEST(RefreshAt, SubtractsSkewAndUpToAQuarterOfItAsJitter) {
  const RefreshPolicy policy;
  struct Row {
    Millis lifetime;
    double random;
    Millis before_expiry;
  };
  for (const Row& row : {Row{3600s, 0.0, 360s}, Row{3600s, 0.5, 405s}, Row{3600s, 0.999, 449'910ms},
                         Row{5s, 0.0, 2500ms}, Row{5s, 1.0, 3125ms}}) {
    const auto at = refresh_at(policy, kT0, kT0 + row.lifetime, row.random);
    ASSERT_TRUE(at);
    EXPECT_EQ(kT0 + row.lifetime - *at, row.before_expiry) << row.lifetime.count() << " " << row.random;
  }
}

TEST(RefreshAt, NeverRefreshesATokenWithoutExpiryOnATimer) {
  EXPECT_FALSE(refresh_at(RefreshPolicy{}, kT0, std::nullopt, 0.5));
}

TEST(RefreshAt, RefreshesATokenThatWasAlreadyExpiredAtOnce) {
  EXPECT_EQ(refresh_at(RefreshPolicy{}, kT0, kT0 - 1s, 0.5), kT0 - 1s);
}

TEST(RefreshAt, RefreshesATokenOfUnknownLifetimeAtOnce) {
  // An hour left, but how long the token lived is unknown: due at once, before any skew could be
  // cut into, whatever the jitter.
  const TokenSet tokens = bootstrapped(kT0 + 3600s);
  for (double random : {0.0, 0.5, 1.0}) {
    const auto at = refresh_at(RefreshPolicy{}, tokens.obtained_at, tokens.expires_at, random);
    ASSERT_TRUE(at);
    EXPECT_LE(*at, kT0) << "due " << std::chrono::duration_cast<Millis>(*at - kT0).count()
                        << " ms after the bootstrap, random " << random;
  }
}

TEST(RefreshAt, IsDueAtOnceWithoutAnIssueTime) {
  EXPECT_EQ(refresh_at(RefreshPolicy{}, std::nullopt, kT0 + 3600s, 0.5), kDueAtOnce);
  EXPECT_FALSE(refresh_at(RefreshPolicy{}, std::nullopt, std::nullopt, 0.5)) << "no expiry: never on a timer";
}

TEST(RefreshAt, NeverLeavesAShortTokenOfUnknownLifetimeToItsLastSecondsBeforeRefreshing) {
  // The issue's case: a 6 s token bootstrapped with the sidecars' 2 s minimum skew.
  RefreshPolicy policy;
  policy.min_skew = 2s;
  const TokenSet tokens = bootstrapped(kT0 + 6s);
  const auto at = refresh_at(policy, tokens.obtained_at, tokens.expires_at, 0.0);
  ASSERT_TRUE(at);
  EXPECT_LE(*at, *tokens.expires_at - policy.min_skew) << "refreshed with less than the skew left";
}

TEST(BackoffDelay, DoublesFromOneSecondUpToFiveMinutesWithEqualJitter) {
  const RefreshPolicy policy;
  struct Row {
    int failures;
    double random;
    Millis delay;
  };
  for (const Row& row : {Row{1, 1.0, 1s}, Row{1, 0.0, 500ms}, Row{2, 1.0, 2s}, Row{3, 1.0, 4s}, Row{4, 0.5, 6s},
                         Row{9, 1.0, 256s}, Row{10, 1.0, 300s}, Row{50, 1.0, 300s}, Row{50, 0.0, 150s},
                         Row{0, 1.0, 1s}}) {
    EXPECT_EQ(backoff_delay(policy, row.failures, row.random), row.delay) << row.failures << " " << row.random;
  }
}

TEST(BackoffDelay, WaitsAtLeastTheProvidersRetryAfterWithinTheCap) {
  const RefreshPolicy policy;
  EXPECT_EQ(backoff_delay(policy, 1, 1.0, 30s), 30s);
  EXPECT_EQ(backoff_delay(policy, 1, 1.0, 3600s), 300s);
  EXPECT_EQ(backoff_delay(policy, 5, 1.0, 1s), 16s);
}

TEST(MergeRefreshed, KeepsTheOldRefreshTokenWhenTheAnswerHasNone) {
  TokenSet old_tokens;
  old_tokens.access_token = crypto::SecretBytes::from_string("at-old");
  old_tokens.refresh_token = crypto::SecretBytes::from_string("rt-old");
  old_tokens.scope = "a b";
  TokenSet fresh;
  fresh.access_token = crypto::SecretBytes::from_string("at-new");
  const TokenSet merged = merge_refreshed(old_tokens, fresh);
  EXPECT_EQ(merged.access_token.view(), "at-new");
  EXPECT_EQ(merged.refresh_token.view(), "rt-old");
  EXPECT_EQ(merged.scope, "a b");
}

TEST(MergeRefreshed, TakesARotatedRefreshToken) {
  TokenSet old_tokens;
  old_tokens.refresh_token = crypto::SecretBytes::from_string("rt-old");
  TokenSet fresh;
  fresh.access_token = crypto::SecretBytes::from_string("at-new");
  fresh.refresh_token = crypto::SecretBytes::from_string("rt-new");
  fresh.scope = "a";
  const TokenSet merged = merge_refreshed(old_tokens, fresh);
  EXPECT_EQ(merged.refresh_token.view(), "rt-new");
  EXPECT_EQ(merged.scope, "a");
}

}  // namespace
}  // namespace dragops::oauth
