#include "refresh_gate.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace dragops::sidecar {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kExpiry = Clock::from_time_t(1'800'000'000);

RefreshGate gate_with(std::chrono::milliseconds min_skew = 2s, std::chrono::milliseconds max_hold = 2s) {
  return RefreshGate(RefreshGateOptions{min_skew, max_hold});
}

// Whether a wake-up for the refresher is pending (sleep_until returns at once either way).
bool refresher_woken(RefreshGate& gate) { return gate.sleep_until(std::stop_token{}, std::chrono::steady_clock::now()); }

// The refresher looked at the token expiring at kExpiry: due 2.4 s before it here.
void looked_at(RefreshGate& gate, bool failed = false) {
  gate.set_active(true);
  gate.attempt_started(kExpiry - 10s);
  gate.attempt_finished(kExpiry, kExpiry - 2400ms, failed, kExpiry - 10s);
}

TEST(RefreshGate, ServesATokenThatIsNotDueHereYet) {
  auto gate = gate_with();
  looked_at(gate);
  EXPECT_FALSE(gate.hold(kExpiry, kExpiry - 2401ms, gate.version()));
}

TEST(RefreshGate, HoldsATokenDueHereAndWakesTheRefresher) {
  auto gate = gate_with();
  looked_at(gate);
  const auto hold = gate.hold(kExpiry, kExpiry - 2400ms, gate.version());
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->until, kExpiry - 400ms) << "at most max_hold (2 s)";
  EXPECT_TRUE(refresher_woken(gate));
}

TEST(RefreshGate, NeverHoldsPastTheTokensExpiry) {
  auto gate = gate_with();
  looked_at(gate);
  const auto hold = gate.hold(kExpiry, kExpiry - 500ms, gate.version());
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->until, kExpiry);
  EXPECT_FALSE(gate.hold(kExpiry, kExpiry, gate.version())) << "expired: the handler answers 503, nothing to wait for";
}

TEST(RefreshGate, HoldsNoLongerThanMaxHoldAfterTheAttemptBegan) {
  auto gate = gate_with();
  looked_at(gate);
  gate.attempt_started(kExpiry - 2300ms);   // a slow provider
  const auto hold = gate.hold(kExpiry, kExpiry - 1s, gate.version());
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->until, kExpiry - 300ms);
  EXPECT_FALSE(gate.hold(kExpiry, kExpiry - 300ms, gate.version())) << "later requests get the old token at once";
}

TEST(RefreshGate, ServesTheOldTokenWhileTheLastAttemptHasFailed) {
  auto gate = gate_with();
  looked_at(gate, /*failed=*/true);
  EXPECT_FALSE(gate.hold(kExpiry, kExpiry - 1s, gate.version()));
  EXPECT_FALSE(refresher_woken(gate)) << "nothing asks the backing-off refresher to run";
}

TEST(RefreshGate, NeverHoldsWhileNothingHereRefreshes) {
  auto gate = gate_with();
  gate.set_active(false);
  EXPECT_FALSE(gate.hold(kExpiry, kExpiry - 100ms, gate.version()));
}

TEST(RefreshGate, WaitsForTheWatchWhenTheRefresherAlreadyHoldsNewerTokens) {
  auto gate = gate_with();
  gate.set_active(true);
  gate.attempt_started(kExpiry - 2s);
  gate.attempt_finished(kExpiry + 6s, kExpiry + 4s, false, kExpiry - 1900ms);   // refreshed (or adopted)
  EXPECT_TRUE(gate.hold(kExpiry, kExpiry - 1800ms, gate.version())) << "the cache still has the old token";
  EXPECT_FALSE(gate.hold(kExpiry, kExpiry - 2s, gate.version())) << "not short of the skew: no need to wait";
}

TEST(RefreshGate, LetsTheRefresherLookFirstAtATokenShortOfTheSkewThatNobodyLookedAt) {
  auto gate = gate_with();
  EXPECT_FALSE(gate.hold(kExpiry, kExpiry - 2s, gate.version())) << "it has the skew left";
  ASSERT_TRUE(gate.hold(kExpiry, kExpiry - 1s, gate.version()));
  EXPECT_TRUE(refresher_woken(gate));
  // The refresher looked but learnt nothing about this token: later requests are not held again.
  gate.set_active(true);
  gate.attempt_started(kExpiry - 1s);
  gate.attempt_finished(std::nullopt, std::nullopt, false, kExpiry - 1s);
  EXPECT_FALSE(gate.hold(kExpiry, kExpiry - 900ms, gate.version()));
}

TEST(RefreshGate, DoesNotWakeARefresherThatIsAlreadyLooking) {
  auto gate = gate_with();
  looked_at(gate);
  gate.attempt_started(kExpiry - 2400ms);
  EXPECT_TRUE(gate.hold(kExpiry, kExpiry - 2300ms, gate.version()));
  gate.attempt_finished(kExpiry + 6s, kExpiry + 4s, false, kExpiry - 2200ms);
  EXPECT_FALSE(refresher_woken(gate)) << "a second attempt would only cost a store read";
}

TEST(RefreshGate, EndsAWaitWhenTheStoreChanges) {
  auto gate = gate_with();
  looked_at(gate);
  const auto seen = gate.version();
  const auto hold = gate.hold(kExpiry, kExpiry - 1s, seen);
  ASSERT_TRUE(hold);
  std::jthread watch([&] { gate.store_changed(); });   // the watch delivering the refreshed store
  EXPECT_TRUE(gate.wait(*hold, 10s));
  EXPECT_NE(gate.version(), seen);
}

TEST(RefreshGate, DoesNotWaitWhenSomethingMovedSinceTheCacheWasRead) {
  auto gate = gate_with();
  looked_at(gate);
  const auto seen = gate.version();
  gate.store_changed();   // between the cache read and hold()
  const auto hold = gate.hold(kExpiry, kExpiry - 1s, seen);
  ASSERT_TRUE(hold);
  EXPECT_TRUE(gate.wait(*hold, 0s));
}

TEST(RefreshGate, WakesAnIdleRefresherWhenTheStoreAppears) {
  auto gate = gate_with();
  gate.set_active(false);
  gate.store_changed();
  EXPECT_TRUE(refresher_woken(gate));
  gate.set_active(true);
  gate.store_changed();
  EXPECT_FALSE(refresher_woken(gate)) << "an active refresher keeps its own schedule";
}

}  // namespace
}  // namespace dragops::sidecar
