#pragma once
// Leader election over a coordination.k8s.io/v1 Lease, with client-go's semantics
// (k8s.io/client-go/tools/leaderelection):
//
// - A candidate takes the lease when it does not exist, has no holder, or its holder has not
//   renewed it for lease_duration as observed on THIS candidate's clock (clocks of different
//   machines are never compared: the observed time is when the record last changed locally).
// - The leader renews every retry_period; if it cannot renew for renew_deadline it gives up
//   leadership (on_stopped_leading). Writes use the lease's resourceVersion (optimistic
//   concurrency), so two candidates never both win one round.
// - acquireTime and leaseTransitions change only when the holder changes; times are MicroTime.
// - On a clean stop while leading, the lease is released (holderIdentity cleared,
//   leaseDurationSeconds 1), as ReleaseOnCancel does, so a successor need not wait.
// - Defaults 15 s / 10 s / 2 s; lease_duration > renew_deadline > 1.2 * retry_period.
//
// Callbacks: on_started_leading runs on its own thread with a stop_token that fires when
// leadership ends; on_stopped_leading runs when run() returns (as client-go, also when this
// candidate never led); on_new_leader when the observed holder changes.

#include "kube/api.hpp"
#include "kube/backoff.hpp"
#include "kube/clock.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

namespace dragops::kube {

struct LeaseRecord {
  std::string holder_identity;
  int lease_duration_seconds = 0;
  std::string acquire_time;  // MicroTime
  std::string renew_time;    // MicroTime
  int lease_transitions = 0;

  friend bool operator==(const LeaseRecord&, const LeaseRecord&) = default;
};

LeaseRecord lease_record_of(const boost::json::object& lease);
void write_lease_record(boost::json::object& lease, const LeaseRecord& record);

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
  bool release_on_cancel = true;
  std::function<void(std::stop_token)> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;
  std::shared_ptr<Clock> clock;  // null: the real clock
  RandomSource random;           // jitter of the acquire period; null: seeded
};

// "" when the configuration is usable, else what is wrong with it.
std::string validate(const LeaderElectionConfig& config);

class LeaderElector {
 public:
  // Throws std::invalid_argument when validate() finds a problem (startup code).
  LeaderElector(Api& api, LeaderElectionConfig config);

  // Blocks: acquires, leads while renewing, and returns when leadership is lost or stop is
  // requested (releasing the lease if configured).
  void run(std::stop_token stop);

  bool is_leader() const;
  std::string leader() const;  // the holder last observed, "" if none

  // One acquire-or-renew round; true when this candidate holds the lease afterwards.
  bool try_acquire_or_renew();
  // Clears holderIdentity if this candidate holds the lease.
  bool release();

 private:
  void observe(const LeaseRecord& record);

  Api& api_;
  LeaderElectionConfig config_;
  std::shared_ptr<Clock> clock_;
  mutable std::mutex mutex_;
  std::optional<LeaseRecord> observed_record_;
  Clock::time_point observed_time_{};
  std::string observed_resource_version_;
  std::string reported_leader_;
};

}  // namespace dragops::kube
