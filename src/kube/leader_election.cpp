#include "kube/leader_election.hpp"

#include "common/log.hpp"
#include "kube/time_format.hpp"

#include <stdexcept>
#include <thread>

namespace dragops::kube {

namespace json = boost::json;

namespace {

constexpr double kJitterFactor = 1.2;  // client-go's JitterFactor

std::string string_field(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

int int_field(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_int64() ? static_cast<int>(value->as_int64()) : 0;
}

int whole_seconds(std::chrono::milliseconds d) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(d + std::chrono::milliseconds(999)).count());
}

}  // namespace

LeaseRecord lease_record_of(const json::object& lease) {
  LeaseRecord record;
  const auto* spec = lease.if_contains("spec");
  if (!spec || !spec->is_object()) return record;
  const auto& s = spec->as_object();
  record.holder_identity = string_field(s, "holderIdentity");
  record.lease_duration_seconds = int_field(s, "leaseDurationSeconds");
  record.acquire_time = string_field(s, "acquireTime");
  record.renew_time = string_field(s, "renewTime");
  record.lease_transitions = int_field(s, "leaseTransitions");
  return record;
}

void write_lease_record(json::object& lease, const LeaseRecord& record) {
  json::object spec;
  if (auto* existing = lease.if_contains("spec"); existing && existing->is_object()) spec = existing->as_object();
  spec["holderIdentity"] = record.holder_identity;
  spec["leaseDurationSeconds"] = record.lease_duration_seconds;
  spec["acquireTime"] = record.acquire_time;
  spec["renewTime"] = record.renew_time;
  spec["leaseTransitions"] = record.lease_transitions;
  lease["spec"] = std::move(spec);
}

std::string validate(const LeaderElectionConfig& config) {
  if (config.lease_name.empty()) return "leader election needs a lease name";
  if (config.lease_namespace.empty()) return "leader election needs a lease namespace";
  if (config.identity.empty()) return "leader election needs an identity";
  if (config.lease_duration <= config.renew_deadline) return "leaseDuration must be greater than renewDeadline";
  if (config.renew_deadline.count() <= kJitterFactor * static_cast<double>(config.retry_period.count())) {
    return "renewDeadline must be greater than retryPeriod*JitterFactor (1.2)";
  }
  if (config.retry_period.count() < 1) return "retryPeriod must be positive";
  return {};
}

LeaderElector::LeaderElector(Api& api, LeaderElectionConfig config)
    : api_(api), config_(std::move(config)), clock_(config_.clock ? config_.clock : real_clock()) {
  if (auto problem = validate(config_); !problem.empty()) throw std::invalid_argument(problem);
  if (!config_.random) config_.random = default_random();
}

bool LeaderElector::is_leader() const {
  std::lock_guard lock(mutex_);
  return observed_record_ && observed_record_->holder_identity == config_.identity;
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mutex_);
  return observed_record_ ? observed_record_->holder_identity : std::string();
}

// Remembers a record and when it was seen to change; reports a new holder.
void LeaderElector::observe(const LeaseRecord& record) {
  std::string new_leader;
  {
    std::lock_guard lock(mutex_);
    if (!observed_record_ || !(*observed_record_ == record)) {
      observed_record_ = record;
      observed_time_ = clock_->now();
    }
    if (record.holder_identity != reported_leader_) {
      reported_leader_ = record.holder_identity;
      new_leader = record.holder_identity;
    }
  }
  if (!new_leader.empty() && config_.on_new_leader) config_.on_new_leader(new_leader);
}

bool LeaderElector::try_acquire_or_renew() {
  const auto now_wall = format_micro_time(clock_->wall_now());
  const Gvr leases = gvr::leases();
  auto current = api_.get(leases, config_.lease_namespace, config_.lease_name);
  if (!current) {
    if (!current.error().not_found()) {
      log::warn("leader election cannot read the lease",
                {{"lease", json::value(config_.lease_name)}, {"code", current.error().code},
                 {"reason", json::value(current.error().reason)}});
      return false;
    }
    LeaseRecord record{config_.identity, whole_seconds(config_.lease_duration), now_wall, now_wall, 0};
    json::object lease{{"apiVersion", "coordination.k8s.io/v1"},
                       {"kind", "Lease"},
                       {"metadata", json::object{{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}}};
    write_lease_record(lease, record);
    auto created = api_.create(leases, config_.lease_namespace, lease);
    if (!created) return false;
    observe(record);
    return true;
  }

  const auto old_record = lease_record_of(*current);
  observe(old_record);
  const bool held_by_me = old_record.holder_identity == config_.identity;
  {
    std::lock_guard lock(mutex_);
    const auto lease_length = old_record.lease_duration_seconds > 0
                                  ? std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::seconds(old_record.lease_duration_seconds))
                                  : std::chrono::duration_cast<Clock::duration>(config_.lease_duration);
    if (!old_record.holder_identity.empty() && !held_by_me && observed_time_ + lease_length > clock_->now()) {
      return false;  // someone else holds an unexpired lease
    }
  }

  LeaseRecord record = old_record;
  record.holder_identity = config_.identity;
  record.lease_duration_seconds = whole_seconds(config_.lease_duration);
  record.renew_time = now_wall;
  if (!held_by_me) {
    record.acquire_time = now_wall;
    record.lease_transitions = old_record.lease_transitions + 1;
  }
  auto lease = *current;
  write_lease_record(lease, record);
  auto updated = api_.update(leases, config_.lease_namespace, lease);
  if (!updated) {
    if (!updated.error().conflict()) {
      log::warn("leader election cannot update the lease",
                {{"lease", json::value(config_.lease_name)}, {"code", updated.error().code},
                 {"reason", json::value(updated.error().reason)}});
    }
    return false;
  }
  observe(record);
  return true;
}

bool LeaderElector::release() {
  const Gvr leases = gvr::leases();
  auto current = api_.get(leases, config_.lease_namespace, config_.lease_name);
  if (!current) return false;
  auto record = lease_record_of(*current);
  if (record.holder_identity != config_.identity) return true;
  const auto now_wall = format_micro_time(clock_->wall_now());
  LeaseRecord released{"", 1, now_wall, now_wall, record.lease_transitions};
  auto lease = *current;
  write_lease_record(lease, released);
  if (!api_.update(leases, config_.lease_namespace, lease)) return false;
  observe(released);
  return true;
}

void LeaderElector::run(std::stop_token stop) {
  struct StoppedLeading {
    const LeaderElectionConfig& config;
    ~StoppedLeading() {
      if (config.on_stopped_leading) config.on_stopped_leading();
    }
  } stopped_leading{config_};

  // Acquire: try every retry_period, jittered by up to 1.2x (wait.JitterUntil).
  for (;;) {
    if (stop.stop_requested()) return;
    if (try_acquire_or_renew()) break;
    const auto jitter = std::chrono::milliseconds(static_cast<long long>(
        config_.random() * kJitterFactor * static_cast<double>(config_.retry_period.count())));
    if (!sleep_for(*clock_, config_.retry_period + jitter, stop)) return;
  }
  log::info("leader election: leading", {{"lease", json::value(config_.lease_name)},
                                         {"identity", json::value(config_.identity)}});

  std::stop_source leading;
  std::jthread work;
  if (config_.on_started_leading) {
    work = std::jthread([this, token = leading.get_token()] { config_.on_started_leading(token); });
  }

  // Renew every retry_period; a renewal may retry until renew_deadline before giving up.
  for (;;) {
    if (!sleep_for(*clock_, config_.retry_period, stop)) break;
    const auto deadline = clock_->now() + config_.renew_deadline;
    bool renewed = false;
    while (!stop.stop_requested()) {
      if (try_acquire_or_renew()) {
        renewed = true;
        break;
      }
      if (clock_->now() >= deadline) break;
      if (!sleep_for(*clock_, config_.retry_period, stop)) break;
    }
    if (stop.stop_requested()) break;
    if (!renewed) {
      log::warn("leader election: failed to renew the lease in time; leadership lost",
                {{"lease", json::value(config_.lease_name)}});
      break;
    }
  }
  leading.request_stop();
  if (work.joinable()) work.join();
  if (stop.stop_requested() && config_.release_on_cancel && is_leader()) {
    if (release()) {
      log::info("leader election: lease released", {{"lease", json::value(config_.lease_name)}});
    }
  }
  std::lock_guard lock(mutex_);
  if (observed_record_ && observed_record_->holder_identity == config_.identity && !stop.stop_requested()) {
    observed_record_->holder_identity.clear();  // no longer consider ourselves leader
  }
}

}  // namespace dragops::kube
