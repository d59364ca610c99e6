#pragma once
// Keeps one StoreCache entry current: lists the one store Secret (fieldSelector
// metadata.name=<store name>, so RBAC with resourceNames suffices), then watches it from that
// resourceVersion. ADDED/MODIFIED replace the entry, DELETED marks it absent (revocation reaches
// the handler within one event). While the API server cannot be reached the entry is marked
// unconfirmed, and the handler serves it only until DRAGOPS_STALE_AFTER has passed.

#include "store_cache.hpp"

#include "kube/api.hpp"

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>

namespace dragops::sidecar {

struct WatchTiming {
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  int watch_timeout_seconds = 300;   // server-side; the watch is renewed after it
};

class StoreWatcher {
 public:
  StoreWatcher(kube::Api& api, StoreCache& cache, std::string pod_namespace, Kind kind, std::string name,
               WatchTiming timing = {}, std::function<Clock::time_point()> now = [] { return Clock::now(); });
  ~StoreWatcher();

  void start();
  void stop();

 private:
  void run(std::stop_token stop);
  // One list + watch; returns when the watch ends. false: the API server could not be reached.
  bool list_and_watch(std::stop_token stop);
  void apply(const std::string& type, boost::json::object object);

  kube::Api& api_;
  StoreCache& cache_;
  std::string namespace_;
  Kind kind_;
  std::string name_;
  std::string store_name_;
  WatchTiming timing_;
  std::function<Clock::time_point()> now_;
  std::jthread thread_;
};

}  // namespace dragops::sidecar
