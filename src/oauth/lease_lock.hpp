#pragma once
// A coordination.k8s.io/v1 Lease used as a mutex across pods, with optimistic concurrency:
// creating it (AlreadyExists: someone was first) or updating it at the resourceVersion we read
// (Conflict: someone moved first). A Lease whose renewTime + leaseDurationSeconds has passed is
// free to take over, so a holder that died cannot block refreshes for longer than the duration.
// The holder must finish its critical section well within the duration (the coordinator's
// provider call has a timeout far below it).
//
// What another holder wrote is trusted only within bounds (docs/oauth.md, "The Lease's
// bound"): a leaseDurationSeconds above max_trusted_duration counts as max_trusted_duration, and
// a renewTime more than max_clock_skew in the future makes the Lease free. So whoever can write
// the Lease (a huge duration, a renewTime in the year 3000) stalls a refresh by at most
// max_clock_skew + max_trusted_duration after its last write.

#include "kube/api.hpp"
#include "oauth/clock.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace dragops::oauth {

// `dragops-refresh-<connection>` (names over 253 characters are cut and suffixed with a hash).
std::string refresh_lease_name(std::string_view connection);

struct LeaseOptions {
  std::string holder_identity;  // unique per process: pod name + a random suffix
  std::chrono::seconds lease_duration{30};
  std::chrono::seconds max_trusted_duration{30};   // the longest another holder's duration counts
  std::chrono::seconds max_clock_skew{5};          // a renewTime further ahead is not trusted
};

// Whether a Lease held by someone else still counts as held at `now`, within the bounds above.
bool lease_still_held(std::optional<std::chrono::system_clock::time_point> renew_time, std::int64_t duration_seconds,
                      std::chrono::system_clock::time_point now,
                      const LeaseOptions& options);

class LeaseLock {
 public:
  LeaseLock(kube::Api& api, const Clock& clock, std::string ns, std::string name, LeaseOptions options);

  // One attempt; true if this holder owns the Lease now. Conflicts and AlreadyExists are a
  // plain false (someone else moved first), other API errors are returned.
  kube::Result<bool> try_acquire();
  // Gives the Lease up if we hold it (holderIdentity cleared); a conflict means it is not ours
  // any more, which is fine.
  kube::Result<void> release();

  const std::string& name() const { return name_; }

 private:
  boost::json::object lease_spec(std::int64_t transitions) const;

  kube::Api& api_;
  const Clock& clock_;
  std::string namespace_;
  std::string name_;
  LeaseOptions options_;
};

}  // namespace dragops::oauth
