#include "oauth/refresh_coordinator.hpp"

#include "fake_api.hpp"
#include "fakes.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

namespace dragops::oauth {
namespace {

using namespace std::chrono_literals;
using testing::FakeApi;
using testing::FakeClock;
using testing::RotatingProvider;
using testing::ScaledClock;

// A store whose reads and writes can run a hook first (another pod acting in between).
class HookedStore final : public TokenStore {
 public:
  explicit HookedStore(TokenSet initial) : inner_(std::move(initial)) {}
  boost::system::result<StoredTokens, StoreError> read() override {
    ++reads_;
    if (before_read) before_read(reads_);
    return inner_.read();
  }
  boost::system::result<std::string, StoreError> write(const TokenSet& tokens, std::string_view rv) override {
    ++writes_;
    if (before_write) before_write(writes_);
    return inner_.write(tokens, rv);
  }
  InMemoryTokenStore& inner() { return inner_; }
  std::function<void(int)> before_read;
  std::function<void(int)> before_write;

 private:
  InMemoryTokenStore inner_;
  int reads_ = 0;
  int writes_ = 0;
};

CoordinatorOptions options(std::string holder) {
  CoordinatorOptions o;
  o.lease.holder_identity = std::move(holder);
  return o;
}

std::function<double()> half() {
  return [] { return 0.5; };
}

struct Rig {
  FakeClock clock;
  FakeApi api;
  RotatingProvider provider{clock, 3600s};
  HookedStore store{provider.issue_initial()};
  RefreshCoordinator coordinator{store, provider, api, clock, half(), "team-a", "github", options("pod-a")};

  std::string stored_refresh() { return std::string(store.inner().read()->tokens.refresh_token.view()); }
  std::string stored_access() { return std::string(store.inner().read()->tokens.access_token.view()); }
  std::string lease_holder() {
    auto lease = api.get(kube::gvr::leases(), "team-a", "dragops-refresh-github");
    return lease ? std::string(lease->at("spec").at("holderIdentity").as_string()) : "<none>";
  }
};

TEST(RefreshCoordinator, LeavesTokensAloneUntilTheyAreDue) {
  Rig rig;
  const auto outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::not_due);
  EXPECT_EQ(rig.provider.refresh_calls(), 0);
  // 3600 s lifetime: skew 360 s, jitter 0.5 * 0.25 * 360 s = 45 s.
  EXPECT_EQ(outcome.next_check, rig.clock.now() + 3600s - 405s);
  EXPECT_EQ(rig.lease_holder(), "<none>") << "no Lease traffic while nothing is due";
}

TEST(RefreshCoordinator, RefreshesWhenDueAndPersistsTheRotatedRefreshTokenBeforeReturningIt) {
  Rig rig;
  std::string stored_when_returned;
  rig.clock.advance(3600s - 405s);
  const auto outcome = rig.coordinator.refresh_if_due();
  ASSERT_EQ(outcome.result, RefreshResult::refreshed) << outcome.message;
  EXPECT_EQ(outcome.tokens.access_token.view(), "at-2");
  EXPECT_EQ(rig.stored_refresh(), "rt-2");
  EXPECT_EQ(rig.stored_access(), "at-2");
  EXPECT_EQ(rig.provider.refreshes(), 1);
  EXPECT_EQ(rig.lease_holder(), "") << "the Lease is released after the write";
  EXPECT_EQ(rig.coordinator.refresh_if_due().result, RefreshResult::not_due);
}

TEST(RefreshCoordinator, SaysHowLongBeforeTheOldTokensExpiryItRefreshed) {
  Rig rig;
  rig.clock.advance(3600s - 405s);
  const auto outcome = rig.coordinator.refresh_if_due();
  ASSERT_EQ(outcome.result, RefreshResult::refreshed) << outcome.message;
  EXPECT_EQ(outcome.lead, 405s);
  EXPECT_FALSE(rig.coordinator.refresh_if_due().lead) << "nothing refreshed, no lead";
}

TEST(RefreshCoordinator, KeepsTheOldRefreshTokenWhenTheProviderSendsNone) {
  Rig rig;
  rig.provider.set_rotate(false);
  rig.clock.advance(3600s);
  ASSERT_EQ(rig.coordinator.refresh_if_due().result, RefreshResult::refreshed);
  EXPECT_EQ(rig.stored_refresh(), "rt-1");
  EXPECT_EQ(rig.stored_access(), "at-2");
  rig.clock.advance(3600s);
  ASSERT_EQ(rig.coordinator.refresh_if_due().result, RefreshResult::refreshed);
  EXPECT_EQ(rig.stored_access(), "at-3");
}

TEST(RefreshCoordinator, AdoptsTokensAnotherPodWroteWhileItWaitedForTheLease) {
  Rig rig;
  rig.clock.advance(3600s);
  // Between our first read and the one under the Lease, another pod refreshes and writes.
  rig.store.before_read = [&](int n) {
    if (n != 2) return;
    auto current = rig.store.inner().read().value();
    auto fresh = rig.provider.refresh(current.tokens.refresh_token).value();
    ASSERT_TRUE(rig.store.inner().write(merge_refreshed(current.tokens, std::move(fresh)), current.resource_version));
  };
  const auto outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::adopted);
  EXPECT_EQ(outcome.tokens.access_token.view(), "at-2");
  EXPECT_EQ(rig.provider.refresh_calls(), 1) << "only the other pod called the provider";
  EXPECT_EQ(rig.provider.reuse_detected(), 0);
}

TEST(RefreshCoordinator, WaitsForAnotherHolderAndAdoptsItsTokens) {
  Rig rig;
  rig.clock.advance(3600s);
  LeaseLock other(rig.api, rig.clock, "team-a", "dragops-refresh-github", {"pod-b", 30s});
  ASSERT_TRUE(*other.try_acquire());
  // pod-b finishes its refresh while we poll the Lease (our 3rd store read is during polling).
  rig.store.before_read = [&](int n) {
    if (n != 3) return;
    auto current = rig.store.inner().read().value();
    auto fresh = rig.provider.refresh(current.tokens.refresh_token).value();
    ASSERT_TRUE(rig.store.inner().write(merge_refreshed(current.tokens, std::move(fresh)), current.resource_version));
  };
  const auto outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::adopted);
  EXPECT_EQ(rig.provider.refresh_calls(), 1);
  EXPECT_EQ(rig.lease_holder(), "pod-b") << "we never held it";
}

TEST(RefreshCoordinator, TakesOverFromAHolderThatDied) {
  Rig rig;
  CoordinatorOptions o = options("pod-a");
  o.lease_wait_timeout = 60s;
  RefreshCoordinator coordinator(rig.store, rig.provider, rig.api, rig.clock, half(), "team-a", "github", o);
  rig.clock.advance(3600s - 405s);
  LeaseLock dead(rig.api, rig.clock, "team-a", "dragops-refresh-github", {"pod-dead", 30s});
  ASSERT_TRUE(*dead.try_acquire());
  const auto started = rig.clock.now();
  const auto outcome = coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::refreshed) << outcome.message;
  EXPECT_GE(rig.clock.now() - started, 30s);
  EXPECT_LT(rig.clock.now() - started, 31s);
}

TEST(RefreshCoordinator, GivesUpWaitingForALiveHolderAfterTheWaitTimeout) {
  Rig rig;
  CoordinatorOptions o = options("pod-a");
  o.lease_wait_timeout = 10s;
  RefreshCoordinator coordinator(rig.store, rig.provider, rig.api, rig.clock, half(), "team-a", "github", o);
  rig.clock.advance(3600s - 405s);
  LeaseLock other(rig.api, rig.clock, "team-a", "dragops-refresh-github", {"pod-b", 30s});
  ASSERT_TRUE(*other.try_acquire());
  const auto outcome = coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::failed);
  EXPECT_EQ(outcome.reason, reason::kLeaseUnavailable);
  EXPECT_EQ(rig.provider.refresh_calls(), 0);
  EXPECT_EQ(outcome.tokens.access_token.view(), "at-1") << "the old, still valid token stays available";
}

TEST(RefreshCoordinator, RewritesAfterAnUnrelatedConcurrentUpdateOfTheStoreObject) {
  Rig rig;
  rig.clock.advance(3600s);
  rig.store.before_write = [&](int n) {
    if (n == 1) rig.store.inner().touch();  // e.g. the operator changed a label
  };
  const auto outcome = rig.coordinator.refresh_if_due();
  ASSERT_EQ(outcome.result, RefreshResult::refreshed) << outcome.message;
  EXPECT_EQ(rig.stored_refresh(), "rt-2") << "the rotated refresh token must not be lost";
}

TEST(RefreshCoordinator, AdoptsTheWinnersTokensWhenItsWriteLosesToOtherTokens) {
  Rig rig;
  rig.clock.advance(3600s);
  rig.store.before_write = [&](int n) {
    if (n != 1) return;
    auto current = rig.store.inner().read().value();
    TokenSet other = current.tokens;
    other.access_token = crypto::SecretBytes::from_string("at-other");
    other.refresh_token = crypto::SecretBytes::from_string("rt-other");
    other.expires_at = rig.clock.now() + 3600s;
    other.obtained_at = rig.clock.now();
    ASSERT_TRUE(rig.store.inner().write(other, current.resource_version));
  };
  const auto outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::adopted);
  EXPECT_EQ(outcome.tokens.access_token.view(), "at-other");
}

TEST(RefreshCoordinator, BacksOffAfterAProviderFailureAndRecovers) {
  Rig rig;
  rig.provider.fail_next(2);
  rig.clock.advance(3600s - 405s);
  auto outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::failed);
  EXPECT_EQ(outcome.reason, reason::kRefreshFailed);
  ASSERT_TRUE(outcome.error);
  EXPECT_TRUE(outcome.error->retryable());
  EXPECT_EQ(outcome.next_check, rig.clock.now() + 750ms);  // 1 s base, equal jitter at 0.5
  EXPECT_EQ(outcome.tokens.access_token.view(), "at-1");
  EXPECT_EQ(rig.lease_holder(), "") << "released on failure too";

  EXPECT_EQ(rig.coordinator.refresh_if_due().result, RefreshResult::failed);
  EXPECT_EQ(rig.provider.refresh_calls(), 1) << "no attempt before the backoff has passed";

  rig.clock.advance(750ms);
  outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::failed);
  EXPECT_EQ(outcome.next_check, rig.clock.now() + 1500ms);
  EXPECT_EQ(rig.coordinator.consecutive_failures(), 2);

  rig.clock.advance(1500ms);
  outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::refreshed);
  EXPECT_EQ(rig.coordinator.consecutive_failures(), 0);
}

TEST(RefreshCoordinator, DropsItsBackoffWhenAnotherHolderHasRefreshedSince) {
  // The operator after an outage: it backed off while the provider was down, the sidecars
  // refreshed once it was back, then the pods went away. The new tokens are due on their own
  // schedule, not after the backoff the old ones earned (which let them lapse).
  FakeClock clock;
  FakeApi api;
  RotatingProvider provider(clock, 60s);
  HookedStore store(provider.issue_initial());
  CoordinatorOptions o = options("operator");
  o.policy.min_skew = 10s;            // 60 s tokens: due 10 s + 1.25 s jitter before expiry
  o.policy.backoff_base = 120s;       // one failure: next attempt in 90 s
  RefreshCoordinator coordinator(store, provider, api, clock, half(), "team-a", "github", o);
  clock.advance(60s - 11250ms);
  provider.fail_next(1);
  const auto failed = coordinator.refresh_if_due();
  ASSERT_EQ(failed.result, RefreshResult::failed);
  EXPECT_EQ(failed.next_check, clock.now() + 90s);
  // Another holder refreshes once the provider is back.
  auto current = store.inner().read().value();
  auto fresh = provider.refresh(current.tokens.refresh_token).value();
  ASSERT_TRUE(store.inner().write(merge_refreshed(current.tokens, std::move(fresh)), current.resource_version));
  clock.advance(60s - 11250ms);   // its tokens are due now, 41.25 s before our old backoff ends
  const auto outcome = coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::refreshed) << outcome.message;
  EXPECT_EQ(outcome.lead, 11250ms);
  EXPECT_EQ(coordinator.consecutive_failures(), 0);
}

TEST(RefreshCoordinator, AsksForReauthorizationWhenTheGrantIsGone) {
  Rig rig;
  ASSERT_TRUE(rig.provider.revoke(crypto::SecretBytes::from_string("x"), "refresh_token"));
  rig.clock.advance(3600s);
  const auto outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::failed);
  EXPECT_EQ(outcome.reason, reason::kReauthorizationRequired);
  EXPECT_TRUE(outcome.tokens.expired_at(rig.clock.now())) << "the caller must answer 503, not serve it";
}

TEST(RefreshCoordinator, NeverServesRefreshedTokensItCouldNotPersistAndPersistsThemLater) {
  Rig rig;
  rig.clock.advance(3600s - 405s);
  rig.store.before_write = [&](int) { rig.store.inner().set_unavailable(true); };
  auto outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::failed);
  EXPECT_EQ(outcome.reason, reason::kStoreUnavailable);
  EXPECT_EQ(outcome.tokens.access_token.view(), "at-1") << "the unpersisted at-2 must not be served";
  EXPECT_TRUE(rig.coordinator.has_pending_write());

  rig.store.before_write = nullptr;
  rig.store.inner().set_unavailable(false);
  rig.clock.advance(10s);
  outcome = rig.coordinator.refresh_if_due();
  ASSERT_EQ(outcome.result, RefreshResult::refreshed) << outcome.message;
  EXPECT_EQ(outcome.tokens.access_token.view(), "at-2");
  EXPECT_EQ(rig.stored_refresh(), "rt-2");
  EXPECT_EQ(rig.provider.refresh_calls(), 1) << "the pending tokens are written, not fetched again";
  EXPECT_EQ(rig.provider.reuse_detected(), 0);
}

TEST(RefreshCoordinator, RefreshesATokenSetBootstrappedWithOnlyARefreshToken) {
  FakeClock clock;
  FakeApi api;
  RotatingProvider provider(clock, 3600s);
  TokenSet bootstrap = provider.issue_initial();
  bootstrap.access_token.clear();
  bootstrap.expires_at.reset();
  InMemoryTokenStore store(bootstrap);
  RefreshCoordinator coordinator(store, provider, api, clock, half(), "team-a", "github", options("pod-a"));
  const auto outcome = coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::refreshed);
  EXPECT_FALSE(outcome.tokens.access_token.empty());
}

TEST(RefreshCoordinator, SaysItAwaitsAuthorizationWhileNoTokensAreStored) {
  FakeClock clock;
  FakeApi api;
  RotatingProvider provider(clock, 3600s);
  InMemoryTokenStore empty;
  RefreshCoordinator coordinator(empty, provider, api, clock, half(), "team-a", "github", options("pod-a"));
  const auto outcome = coordinator.refresh_if_due();
  EXPECT_EQ(outcome.result, RefreshResult::failed);
  EXPECT_EQ(outcome.reason, reason::kAwaitingAuthorization);
  EXPECT_EQ(provider.refresh_calls(), 0);
}

TEST(RefreshCoordinator, KeepsTokenValuesOutOfItsMessages) {
  Rig rig;
  rig.provider.fail_next(1);
  rig.clock.advance(3600s);
  const auto outcome = rig.coordinator.refresh_if_due();
  EXPECT_EQ(outcome.message.find("rt-"), std::string::npos);
  EXPECT_EQ(outcome.message.find("at-"), std::string::npos);
}

// 10 pods with 2 threads each, all refreshing one connection continuously over 20 token
// lifetimes, on a clock 1000x faster than real time. The provider revokes the grant on any
// refresh-token reuse, exactly like oidc-provider, so a single double use fails the test.
TEST(RefreshCoordinatorRace, TwentyThreadsNeverUseARefreshTokenTwice) {
  constexpr int kPods = 10;
  constexpr int kThreadsPerPod = 2;
  constexpr auto kLifetime = 300s;
  constexpr int kLifetimes = 20;
  ScaledClock clock(1000);
  FakeApi api;
  RotatingProvider provider(clock, kLifetime);
  provider.set_latency(2s);  // 2 ms real: long enough for the others to read the same token
  InMemoryTokenStore store(provider.issue_initial());
  std::vector<std::unique_ptr<RefreshCoordinator>> pods;
  for (int i = 0; i < kPods; ++i) {
    CoordinatorOptions o = options("pod-" + std::to_string(i));
    o.lease_poll_interval = 50ms;
    // Real-time hiccups of this loaded machine are multiplied by 1000 on this clock: keep the
    // Lease and the wait long in fake time so that scheduling noise cannot expire them.
    o.lease.lease_duration = 3600s;
    o.lease_wait_timeout = 3600s;
    pods.push_back(std::make_unique<RefreshCoordinator>(store, provider, api, clock, [] { return 0.37; }, "team-a",
                                                        "github", o));
  }
  const auto end = clock.now() + kLifetime * kLifetimes;
  std::atomic<int> served{0}, served_inactive{0}, failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kPods * kThreadsPerPod; ++i) {
    threads.emplace_back([&, i] {
      auto& pod = *pods[i % kPods];
      while (clock.now() < end) {
        const auto outcome = pod.refresh_if_due();
        if (outcome.result == RefreshResult::failed) ++failures;
        if (!outcome.tokens.expired_at(clock.now())) {
          ++served;
          const auto check = provider.introspect(outcome.tokens.access_token, "access_token");
          if (!check || !check->active) ++served_inactive;
        }
        clock.sleep_for(1s);
      }
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(provider.reuse_detected(), 0);
  EXPECT_FALSE(provider.revoked());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(served_inactive.load(), 0);
  EXPECT_GT(served.load(), 1000);
  const double per_lifetime = static_cast<double>(provider.refreshes()) / kLifetimes;
  std::printf("[ race ] %d threads, %d lifetimes: %d refreshes (%.2f per lifetime), %d tokens served\n",
              kPods * kThreadsPerPod, kLifetimes, provider.refreshes(), per_lifetime, served.load());
  EXPECT_GE(per_lifetime, 0.9);
  EXPECT_LE(per_lifetime, 1.6);
}

}  // namespace
}  // namespace dragops::oauth
