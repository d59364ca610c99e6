#pragma once
// Leader election for the operator, on kube::LeaderElector (client-go semantics, one Lease
// --leader-election-id in --namespace). On stop it lets lead() finish (in-flight reconciles
// drain) and then releases the Lease (empty holder), so a successor takes over at once.

#include "kube/api.hpp"
#include "operator/options.hpp"

#include <functional>
#include <stop_token>

namespace dragops::op {

// Runs lead(leading) while this process holds the Lease; leading is stopped when leadership is
// lost or stop is requested. Returns 0 after a clean stop, 1 when leadership was lost (the
// process should exit and restart, as controller-runtime does).
int run_with_leadership(kube::Api& api, const Options& options, std::stop_token stop,
                        const std::function<void(std::stop_token)>& lead);

// RFC 3339 with microseconds (metav1.MicroTime).
std::string format_micro_time(std::chrono::system_clock::time_point time);

}  // namespace dragops::op
