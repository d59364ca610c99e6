// RefreshGate: which requests for an OAuth token wait for the operator's refresh, and for how long.
#include "refresh_gate.hpp"

#include <gtest/gtest.h>

namespace dragops::sidecar {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kNow = Clock::from_time_t(1'800'000'000);

TEST(RefreshGate, DoesNotHoldATokenTheOperatorIsNotLateWith) {
  RefreshGate gate;
  EXPECT_FALSE(gate.hold(kNow + seconds(100), kNow + milliseconds(1), kNow, gate.version()));
}

TEST(RefreshGate, HoldsAnOverdueTokenForAtMostMaxHoldAndNeverPastItsExpiry) {
  RefreshGate gate(RefreshGateOptions{seconds(2)});
  auto hold = gate.hold(kNow + seconds(10), kNow - seconds(1), kNow, gate.version());
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->until, kNow + seconds(2));
  RefreshGate short_lived(RefreshGateOptions{seconds(2)});
  auto capped = short_lived.hold(kNow + milliseconds(500), kNow - seconds(1), kNow, short_lived.version());
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->until, kNow + milliseconds(500));
}

TEST(RefreshGate, HoldsAnExpiredTokenForMaxHoldSoThatARefreshCanStillLand) {
  RefreshGate gate(RefreshGateOptions{seconds(2)});
  auto hold = gate.hold(kNow - seconds(1), kNow - seconds(5), kNow, gate.version());
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->until, kNow + seconds(2));
}

TEST(RefreshGate, WaitsForOneTokenSetAtMostMaxHoldInAll) {
  RefreshGate gate(RefreshGateOptions{seconds(2)});
  const auto expires = kNow + seconds(30);
  ASSERT_TRUE(gate.hold(expires, kNow, kNow, gate.version()));
  auto later = gate.hold(expires, kNow, kNow + seconds(1), gate.version());
  ASSERT_TRUE(later);
  EXPECT_EQ(later->until, kNow + seconds(2));   // counted from the first hold
  EXPECT_FALSE(gate.hold(expires, kNow, kNow + seconds(2), gate.version()));
  EXPECT_FALSE(gate.hold(expires, kNow, kNow + seconds(20), gate.version()));
  // Another token set (the refresh landed, and is itself overdue later) is held afresh.
  EXPECT_TRUE(gate.hold(kNow + seconds(90), kNow + seconds(25), kNow + seconds(25), gate.version()));
}

TEST(RefreshGate, AStoreChangeEndsTheWait) {
  RefreshGate gate(RefreshGateOptions{seconds(2)});
  auto hold = gate.hold(kNow + seconds(1), kNow, kNow, gate.version());
  ASSERT_TRUE(hold);
  gate.store_changed();
  EXPECT_TRUE(gate.wait(*hold, seconds(5)));   // returns at once: the version moved
  EXPECT_EQ(gate.waiting(), 0u);
}

TEST(RefreshGate, AWaitWithoutAChangeEndsAtItsDeadline) {
  RefreshGate gate(RefreshGateOptions{seconds(2)});
  auto hold = gate.hold(kNow + seconds(1), kNow, kNow, gate.version());
  ASSERT_TRUE(hold);
  EXPECT_FALSE(gate.wait(*hold, milliseconds(10)));
}

}  // namespace
}  // namespace dragops::sidecar
