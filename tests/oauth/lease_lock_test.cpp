#include "oauth/lease_lock.hpp"

#include "fake_api.hpp"
#include "fakes.hpp"
#include "oauth/time_format.hpp"

#include <gtest/gtest.h>

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;
using testing::FakeApi;
using testing::FakeClock;

std::string holder_of(FakeApi& api) {
  auto lease = api.get(kube::gvr::leases(), "team-a", "dragops-refresh-github");
  if (!lease) return "<none>";
  return std::string(lease->at("spec").at("holderIdentity").as_string());
}

TEST(RefreshLeaseName, PrefixesTheConnectionAndStaysAValidName) {
  EXPECT_EQ(refresh_lease_name("github"), "dragops-refresh-github");
  const std::string long_name = refresh_lease_name(std::string(250, 'a'));
  EXPECT_EQ(long_name.size(), 253u);
  EXPECT_NE(refresh_lease_name(std::string(250, 'a')), refresh_lease_name(std::string(249, 'a') + "b"));
}

TEST(LeaseLock, CreatesTheLeaseWhenNoneExists) {
  FakeApi api;
  FakeClock clock;
  LeaseLock lock(api, clock, "team-a", "dragops-refresh-github", {"pod-a", 30s});
  const auto acquired = lock.try_acquire();
  ASSERT_TRUE(acquired);
  EXPECT_TRUE(*acquired);
  const auto lease = api.get(kube::gvr::leases(), "team-a", "dragops-refresh-github");
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->at("spec").at("holderIdentity").as_string(), "pod-a");
  EXPECT_EQ(lease->at("spec").at("leaseDurationSeconds").as_int64(), 30);
  EXPECT_EQ(parse_rfc3339(lease->at("spec").at("renewTime").as_string()), clock.now());
}

TEST(LeaseLock, LetsOnlyOneOfTwoHoldersIn) {
  FakeApi api;
  FakeClock clock;
  LeaseLock a(api, clock, "team-a", "dragops-refresh-github", {"pod-a", 30s});
  LeaseLock b(api, clock, "team-a", "dragops-refresh-github", {"pod-b", 30s});
  EXPECT_TRUE(*a.try_acquire());
  EXPECT_FALSE(*b.try_acquire());
  EXPECT_TRUE(*a.try_acquire()) << "the holder may take it again";
  ASSERT_TRUE(a.release());
  EXPECT_EQ(holder_of(api), "");
  EXPECT_TRUE(*b.try_acquire());
  EXPECT_EQ(holder_of(api), "pod-b");
}

TEST(LeaseLock, TakesOverALeaseWhoseHolderStoppedRenewing) {
  FakeApi api;
  FakeClock clock;
  LeaseLock a(api, clock, "team-a", "dragops-refresh-github", {"pod-a", 30s});
  LeaseLock b(api, clock, "team-a", "dragops-refresh-github", {"pod-b", 30s});
  ASSERT_TRUE(*a.try_acquire());
  clock.advance(29s);
  EXPECT_FALSE(*b.try_acquire());
  clock.advance(1s);
  EXPECT_TRUE(*b.try_acquire());
  const auto lease = api.get(kube::gvr::leases(), "team-a", "dragops-refresh-github");
  EXPECT_EQ(lease->at("spec").at("leaseTransitions").as_int64(), 1);
}

TEST(LeaseLock, DoesNotReleaseALeaseItLost) {
  FakeApi api;
  FakeClock clock;
  LeaseLock a(api, clock, "team-a", "dragops-refresh-github", {"pod-a", 30s});
  LeaseLock b(api, clock, "team-a", "dragops-refresh-github", {"pod-b", 30s});
  ASSERT_TRUE(*a.try_acquire());
  clock.advance(31s);
  ASSERT_TRUE(*b.try_acquire());
  ASSERT_TRUE(a.release());
  EXPECT_EQ(holder_of(api), "pod-b");
}

TEST(LeaseLock, ReportsAnUnreachableApiAsAnError) {
  FakeApi api;
  FakeClock clock;
  api.set_down(true);
  LeaseLock a(api, clock, "team-a", "dragops-refresh-github", {"pod-a", 30s});
  const auto acquired = a.try_acquire();
  ASSERT_FALSE(acquired);
  EXPECT_TRUE(acquired.error().transport());
}

}  // namespace
}  // namespace dragops::oauth

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;
using testing::FakeApi;
using testing::FakeClock;

// A Lease as someone with write rights on it left it (an attacker, a broken client).
void plant_lease(FakeApi& api, std::string_view renew_time, std::int64_t duration_seconds) {
  boost::json::object lease{{"apiVersion", "coordination.k8s.io/v1"},
                            {"kind", "Lease"},
                            {"metadata", boost::json::object{{"name", "dragops-refresh-github"}, {"namespace", "team-a"}}},
                            {"spec", boost::json::object{{"holderIdentity", "squatter"},
                                                         {"leaseDurationSeconds", duration_seconds},
                                                         {"renewTime", renew_time}}}};
  ASSERT_TRUE(api.create(kube::gvr::leases(), "team-a", lease));
}

TEST(LeaseStillHeld, TrustsAnotherHoldersDurationOnlyUpToTheBound) {
  const LeaseOptions options{"me", 30s, 30s, 5s};
  const auto renewed = std::chrono::system_clock::from_time_t(1'800'000'000);
  EXPECT_TRUE(lease_still_held(renewed, 10, renewed + 9s, options));
  EXPECT_FALSE(lease_still_held(renewed, 10, renewed + 10s, options));
  EXPECT_TRUE(lease_still_held(renewed, 1'000'000'000, renewed + 29s, options));
  EXPECT_FALSE(lease_still_held(renewed, 1'000'000'000, renewed + 30s, options));
  EXPECT_FALSE(lease_still_held(std::nullopt, 30, renewed, options));
  EXPECT_FALSE(lease_still_held(renewed, 0, renewed, options));
}

TEST(LeaseStillHeld, DoesNotTrustARenewTimeInTheFutureBeyondTheClockSkew) {
  const LeaseOptions options{"me", 30s, 30s, 5s};
  const auto now = std::chrono::system_clock::from_time_t(1'800'000'000);
  EXPECT_TRUE(lease_still_held(now + 4s, 30, now, options));   // a holder whose clock is a bit ahead
  EXPECT_FALSE(lease_still_held(now + 6s, 30, now, options));
  EXPECT_FALSE(lease_still_held(now + std::chrono::hours(24 * 365 * 100), 30, now, options));
}

TEST(LeaseLock, TakesOverALeasePlantedWithAHugeDurationAfterTheBound) {
  FakeApi api;
  FakeClock clock;
  plant_lease(api, format_micro_time(clock.now()), 1'000'000'000);
  LeaseLock lock(api, clock, "team-a", "dragops-refresh-github", {"operator", 30s, 30s, 5s});
  EXPECT_FALSE(*lock.try_acquire());
  clock.advance(29s);
  EXPECT_FALSE(*lock.try_acquire());
  clock.advance(1s);
  EXPECT_TRUE(*lock.try_acquire());
}

TEST(LeaseLock, TakesOverALeasePlantedWithARenewTimeFarInTheFutureAtOnce) {
  FakeApi api;
  FakeClock clock;
  plant_lease(api, "2999-01-01T00:00:00.000000Z", 30);
  LeaseLock lock(api, clock, "team-a", "dragops-refresh-github", {"operator", 30s, 30s, 5s});
  EXPECT_TRUE(*lock.try_acquire());
}

}  // namespace
}  // namespace dragops::oauth
