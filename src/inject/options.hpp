#pragma once
// What the injector puts into a pod: the sidecar image and resources (operator flags / chart
// values) and the sidecar's own settings.

#include <string>

namespace dragops::inject {

struct InjectOptions {
  std::string sidecar_image = "dragops/dragops-sidecar:0.1.0";
  std::string image_pull_policy = "IfNotPresent";
  std::string cpu_request = "10m";
  std::string memory_request = "16Mi";
  std::string memory_limit = "32Mi";
  std::string stale_after = "300s";     // DRAGOPS_STALE_AFTER in the sidecar
  int api_port = 8900;                  // loopback API
  int health_port = 8901;               // /healthz /readyz /metrics
};

}  // namespace dragops::inject
