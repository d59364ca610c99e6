#include "kube/leader_election.hpp"

#include "fake_api.hpp"
#include "kube/time_format.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>

namespace dragops::kube {
namespace {

using namespace std::chrono_literals;
using testing::FakeApi;
using testing::eventually;

struct Fixture {
  FakeApi api;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();

  LeaderElectionConfig config(const std::string& identity) {
    LeaderElectionConfig c;
    c.lease_namespace = "ops";
    c.lease_name = "dragops-operator";
    c.identity = identity;
    c.clock = clock;
    c.random = [] { return 0.0; };
    return c;
  }
  LeaseRecord record() { return lease_record_of(*api.get(gvr::leases(), "ops", "dragops-operator")); }
};

TEST(LeaderElection, CreatesTheLeaseWhenThereIsNone) {
  Fixture f;
  LeaderElector a(f.api, f.config("a"));
  ASSERT_TRUE(a.try_acquire_or_renew());
  EXPECT_TRUE(a.is_leader());
  const auto record = f.record();
  EXPECT_EQ(record.holder_identity, "a");
  EXPECT_EQ(record.lease_duration_seconds, 15);
  EXPECT_EQ(record.lease_transitions, 0);
  EXPECT_TRUE(std::regex_match(record.renew_time, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
      << record.renew_time;
  EXPECT_EQ(record.acquire_time, record.renew_time);
}

TEST(LeaderElection, RenewingKeepsAcquireTimeAndTransitions) {
  Fixture f;
  LeaderElector a(f.api, f.config("a"));
  ASSERT_TRUE(a.try_acquire_or_renew());
  const auto first = f.record();
  f.clock->advance(2s);
  ASSERT_TRUE(a.try_acquire_or_renew());
  const auto second = f.record();
  EXPECT_EQ(second.acquire_time, first.acquire_time);
  EXPECT_EQ(second.lease_transitions, 0);
  EXPECT_EQ(parse_time(second.renew_time).value() - parse_time(first.renew_time).value(), 2s);
}

TEST(LeaderElection, WaitsForAnUnrenewedLeaseToExpireBeforeTakingOver) {
  Fixture f;
  LeaderElector a(f.api, f.config("a"));
  LeaderElector b(f.api, f.config("b"));
  std::vector<std::string> b_saw;
  ASSERT_TRUE(a.try_acquire_or_renew());
  EXPECT_FALSE(b.try_acquire_or_renew());
  EXPECT_EQ(b.leader(), "a");
  f.clock->advance(14s);
  EXPECT_FALSE(b.try_acquire_or_renew()) << "14 s after b first saw the record: not yet expired";
  f.clock->advance(1s);
  ASSERT_TRUE(b.try_acquire_or_renew());
  const auto record = f.record();
  EXPECT_EQ(record.holder_identity, "b");
  EXPECT_EQ(record.lease_transitions, 1);
  EXPECT_EQ(record.acquire_time, record.renew_time);
}

TEST(LeaderElection, ARenewalSeenByTheCandidateRestartsItsCountdown) {
  Fixture f;
  LeaderElector a(f.api, f.config("a"));
  LeaderElector b(f.api, f.config("b"));
  ASSERT_TRUE(a.try_acquire_or_renew());
  EXPECT_FALSE(b.try_acquire_or_renew());
  f.clock->advance(10s);
  ASSERT_TRUE(a.try_acquire_or_renew());
  EXPECT_FALSE(b.try_acquire_or_renew());
  f.clock->advance(10s);
  EXPECT_FALSE(b.try_acquire_or_renew()) << "only 10 s since b saw the renewal";
}

TEST(LeaderElection, LosesARaceToAConcurrentWriter) {
  Fixture f;
  LeaderElector a(f.api, f.config("a"));
  LeaderElector b(f.api, f.config("b"));
  LeaderElector c(f.api, f.config("c"));
  ASSERT_TRUE(a.try_acquire_or_renew());
  EXPECT_FALSE(b.try_acquire_or_renew());
  EXPECT_FALSE(c.try_acquire_or_renew());
  f.clock->advance(16s);
  // c writes between b's read and b's write: b's resourceVersion is stale.
  f.api.before_next_update = [&] { ASSERT_TRUE(c.try_acquire_or_renew()); };
  EXPECT_FALSE(b.try_acquire_or_renew());
  EXPECT_EQ(f.record().holder_identity, "c");
  EXPECT_FALSE(b.is_leader());
}

TEST(LeaderElection, ReleaseLetsTheNextCandidateInAtOnce) {
  Fixture f;
  LeaderElector a(f.api, f.config("a"));
  LeaderElector b(f.api, f.config("b"));
  ASSERT_TRUE(a.try_acquire_or_renew());
  EXPECT_FALSE(b.try_acquire_or_renew());
  ASSERT_TRUE(a.release());
  const auto released = f.record();
  EXPECT_EQ(released.holder_identity, "");
  EXPECT_EQ(released.lease_duration_seconds, 1);
  ASSERT_TRUE(b.try_acquire_or_renew());
  EXPECT_EQ(f.record().lease_transitions, 1);
}

TEST(LeaderElection, RunLeadsUntilRenewalFailsPastTheDeadline) {
  Fixture f;
  auto config = f.config("a");
  std::atomic<bool> started{false}, work_stopped{false}, stopped{false};
  config.on_started_leading = [&](std::stop_token token) {
    started = true;
    while (!token.stop_requested()) std::this_thread::sleep_for(1ms);
    work_stopped = true;
  };
  config.on_stopped_leading = [&] { stopped = true; };
  LeaderElector a(f.api, config);
  std::jthread runner([&](std::stop_token stop) { a.run(stop); });
  ASSERT_TRUE(eventually([&] { return started.load(); }));

  // Someone else takes the lease over; a's renewals now fail.
  auto lease = *f.api.get(gvr::leases(), "ops", "dragops-operator");
  auto record = lease_record_of(lease);
  record.holder_identity = "intruder";
  write_lease_record(lease, record);
  ASSERT_TRUE(f.api.update(gvr::leases(), "ops", lease));
  for (int i = 0; i < 12 && !stopped; ++i) {
    f.clock->advance(1s);
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(eventually([&] { return stopped.load(); }));
  EXPECT_TRUE(work_stopped.load());
  EXPECT_FALSE(a.is_leader());
  EXPECT_EQ(f.record().holder_identity, "intruder");
}

TEST(LeaderElection, ACleanStopReleasesTheLease) {
  Fixture f;
  auto config = f.config("a");
  std::atomic<bool> started{false};
  config.on_started_leading = [&](std::stop_token) { started = true; };
  LeaderElector a(f.api, config);
  std::jthread runner([&](std::stop_token stop) { a.run(stop); });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  runner.request_stop();
  runner.join();
  EXPECT_EQ(f.record().holder_identity, "");
}

TEST(LeaderElection, RejectsInconsistentDurations) {
  LeaderElectionConfig c;
  c.lease_namespace = "ops";
  c.lease_name = "l";
  c.identity = "a";
  EXPECT_EQ(validate(c), "");
  c.renew_deadline = 15s;
  EXPECT_NE(validate(c).find("leaseDuration must be greater than renewDeadline"), std::string::npos);
  c.renew_deadline = 2s;
  EXPECT_NE(validate(c).find("retryPeriod*JitterFactor"), std::string::npos);
  c.renew_deadline = 10s;
  c.identity.clear();
  EXPECT_NE(validate(c).find("identity"), std::string::npos);
  FakeApi api;
  EXPECT_THROW(LeaderElector(api, c), std::invalid_argument);
}

TEST(TimeFormat, WritesAndReadsMicroTime) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)) + 123456us;
  EXPECT_EQ(format_micro_time(t), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(format_time(t), "2023-11-14T22:13:20Z");
  EXPECT_EQ(parse_time("2023-11-14T22:13:20.123456Z"), t);
  EXPECT_EQ(parse_time("2023-11-14T22:13:20Z"), t - 123456us);
  EXPECT_EQ(parse_time("yesterday"), std::nullopt);
}

}  // namespace
}  // namespace dragops::kube
