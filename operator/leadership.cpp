#include "operator/leadership.hpp"

#include "common/log.hpp"
#include "store/json_access.hpp"

#include <boost/json/serialize.hpp>

#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;
using Steady = std::chrono::steady_clock;

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

class Elector {
 public:
  Elector(kube::Api& api, const Options& options)
      : api_(api),
        options_(options),
        identity_(options.identity.empty() ? default_identity() : options.identity) {}

  // true: we hold the Lease now.
  bool try_acquire_or_renew() {
    const auto now = std::chrono::system_clock::now();
    auto current = api_.get(kube::gvr::leases(), options_.namespace_, options_.leader_election_id);
    if (!current) {
      if (!current.error().not_found()) return false;
      auto created = api_.create(kube::gvr::leases(), options_.namespace_, lease_object(now, now, 0));
      if (!created) return false;
      observe(*created);
      return true;
    }
    observe(*current);
    const auto* spec = object_at(*current, "spec");
    const std::string holder = spec ? std::string(string_at(*spec, "holderIdentity")) : "";
    const bool mine = holder == identity_;
    if (!holder.empty() && !mine && Steady::now() - observed_at_ < options_.lease_duration) return false;

    std::int64_t transitions = 0;
    std::string acquire_time = format_micro_time(now);
    if (spec) {
      if (auto it = spec->find("leaseTransitions"); it != spec->end() && it->value().is_int64())
        transitions = it->value().get_int64();
      if (mine) acquire_time = string_at(*spec, "acquireTime");
    }
    auto next = lease_object(now, now, mine ? transitions : transitions + 1);
    next["spec"].as_object()["acquireTime"] = acquire_time;
    next["metadata"].as_object()["resourceVersion"] = meta_string(*current, "resourceVersion");
    auto updated = api_.update(kube::gvr::leases(), options_.namespace_, next);
    if (!updated) return false;
    observe(*updated);
    return true;
  }

  void release() {
    auto current = api_.get(kube::gvr::leases(), options_.namespace_, options_.leader_election_id);
    if (!current) return;
    const auto* spec = object_at(*current, "spec");
    if (!spec || string_at(*spec, "holderIdentity") != identity_) return;
    auto released = *current;
    auto& s = released["spec"].as_object();
    s["holderIdentity"] = "";
    s["leaseDurationSeconds"] = 1;
    s["renewTime"] = format_micro_time(std::chrono::system_clock::now());
    if (api_.update(kube::gvr::leases(), options_.namespace_, released))
      log::info("leader lease released", {{"identity", json::value(identity_)}});
  }

  const std::string& identity() const { return identity_; }

 private:
  json::object lease_object(std::chrono::system_clock::time_point acquire, std::chrono::system_clock::time_point renew,
                            std::int64_t transitions) const {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.lease_duration).count();
    return json::object{{"apiVersion", "coordination.k8s.io/v1"},
                        {"kind", "Lease"},
                        {"metadata", json::object{{"name", options_.leader_election_id}, {"namespace", options_.namespace_}}},
                        {"spec", json::object{{"holderIdentity", identity_},
                                              {"leaseDurationSeconds", std::max<std::int64_t>(1, seconds)},
                                              {"acquireTime", format_micro_time(acquire)},
                                              {"renewTime", format_micro_time(renew)},
                                              {"leaseTransitions", transitions}}}};
  }

  // Remembers when the record last changed, on our own clock.
  void observe(const json::object& lease) {
    const auto* spec = object_at(lease, "spec");
    std::string record = spec ? std::string(string_at(*spec, "holderIdentity")) + "|" + std::string(string_at(*spec, "renewTime")) : "";
    if (record != observed_record_) {
      observed_record_ = std::move(record);
      observed_at_ = Steady::now();
    }
  }

  kube::Api& api_;
  const Options& options_;
  std::string identity_;
  std::string observed_record_;
  Steady::time_point observed_at_ = Steady::now();
};

// Sleeps for d or until stop; false if stopped.
bool pause(std::chrono::milliseconds d, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  return !cv.wait_for(lock, stop, d, [] { return false; }) && !stop.stop_requested();
}

}  // namespace

int run_with_leadership(kube::Api& api, const Options& options, std::stop_token stop,
                        const std::function<void(std::stop_token)>& lead) {
  Elector elector(api, options);
  log::info("waiting for leadership", {{"lease", json::value(options.leader_election_id)},
                                       {"identity", json::value(elector.identity())}});
  while (!stop.stop_requested()) {
    if (elector.try_acquire_or_renew()) break;
    if (!pause(options.retry_period, stop)) return 0;
  }
  if (stop.stop_requested()) return 0;
  log::info("became leader", {{"identity", json::value(elector.identity())}});

  std::stop_source leading;
  std::jthread worker([&] { lead(leading.get_token()); });
  bool lost = false;
  auto last_renew = Steady::now();
  while (!stop.stop_requested()) {
    if (!pause(options.retry_period, stop)) break;
    if (elector.try_acquire_or_renew()) {
      last_renew = Steady::now();
    } else if (Steady::now() - last_renew > options.renew_deadline) {
      log::error("leadership lost", {{"identity", json::value(elector.identity())}});
      lost = true;
      break;
    }
  }
  leading.request_stop();
  worker.join();   // reconciles in flight finish before the Lease is let go
  if (!lost) elector.release();
  return lost ? 1 : 0;
}

}  // namespace dragops::op
