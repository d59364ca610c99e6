#include "operator/leadership.hpp"

#include "common/log.hpp"
#include "kube/leader_election.hpp"

#include <ctime>
#include <stdexcept>
#include <unistd.h>

namespace dragops::op {
namespace json = boost::json;

std::string format_micro_time(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(time);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time - seconds).count();
  const std::time_t t = std::chrono::system_clock::to_time_t(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[48];
  const auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%06lldZ", static_cast<long long>(micros));
  return text;
}

namespace {

std::string default_identity() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "_" + std::to_string(getpid());
}

}  // namespace

int run_with_leadership(kube::Api& api, const Options& options, std::stop_token stop,
                        const std::function<void(std::stop_token)>& lead) {
  kube::LeaderElectionConfig config;
  config.lease_namespace = options.namespace_;
  config.lease_name = options.leader_election_id;
  config.identity = options.identity.empty() ? default_identity() : options.identity;
  config.lease_duration = options.lease_duration;
  config.renew_deadline = options.renew_deadline;
  config.retry_period = options.retry_period;
  config.release_on_cancel = true;
  config.on_started_leading = lead;
  config.on_new_leader = [](const std::string& identity) {
    log::info("leader observed", {{"identity", json::value(identity)}});
  };
  if (auto problem = kube::validate(config); !problem.empty())
    throw std::invalid_argument("leader election: " + problem);
  log::info("waiting for leadership", {{"lease", json::value(config.lease_name)}, {"identity", json::value(config.identity)}});
  kube::LeaderElector elector(api, config);
  elector.run(stop);   // lead() has returned (in-flight reconciles drained) before the lease is released
  if (stop.stop_requested()) return 0;
  log::error("leadership lost; exiting so that a fresh process campaigns again");
  return 1;
}

}  // namespace dragops::op
