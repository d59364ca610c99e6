#pragma once
// The health port (DRAGOPS_HEALTH_LISTEN): /healthz (the process serves), /readyz (the key ring is
// loaded and every allowed item is synced or known absent), /metrics. No credential is ever here.

#include "metrics.hpp"
#include "store_cache.hpp"

#include "http/server_types.hpp"

#include <functional>

namespace dragops::sidecar {

class HealthHandler {
 public:
  HealthHandler(const StoreCache& cache, SidecarMetrics& metrics, std::function<Clock::time_point()> now);
  http::Response operator()(const http::Request& request) const;

 private:
  const StoreCache& cache_;
  SidecarMetrics& metrics_;
  std::function<Clock::time_point()> now_;
};

}  // namespace dragops::sidecar
