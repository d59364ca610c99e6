#pragma once
// The operator's plain HTTP endpoints: /metrics on --metrics-addr, /healthz and /readyz on
// --health-addr. The handlers are plain functions (tested without a socket).

#include "http/server_types.hpp"
#include "operator/metrics.hpp"

#include <functional>

namespace dragops::op {

struct HealthProbes {
  std::function<bool()> live;    // /healthz
  std::function<bool()> ready;   // /readyz: caches synced and the root key loaded
};

http::Response handle_metrics(const Metrics& metrics, const http::Request& request);
http::Response handle_health(const HealthProbes& probes, const http::Request& request);

}  // namespace dragops::op
