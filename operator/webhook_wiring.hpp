#pragma once
// The place where the admission webhook (src/inject) is started next to the controller.
// main() calls start_webhook once, after the Kubernetes client exists and before leader
// election (every replica serves the webhook; only the leader reconciles). The returned handle
// stops the webhook when destroyed.

#include "kube/api.hpp"
#include "kube/config.hpp"
#include "operator/options.hpp"

#include <memory>

namespace dragops::op {

class BackgroundService {
 public:
  virtual ~BackgroundService() = default;
  virtual bool ready() const = 0;
};

// nullptr when --webhook-addr is empty or the webhook is not built in. config makes the
// Connection/Secret admission's own client (SubjectAccessReviews with a short timeout, so that
// they end well inside the webhook's timeout).
std::unique_ptr<BackgroundService> start_webhook(const Options& options, kube::Api& api, const kube::Config& config);

}  // namespace dragops::op
