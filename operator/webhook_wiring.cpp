#include "operator/webhook_wiring.hpp"

#include "common/log.hpp"

namespace dragops::op {

std::unique_ptr<BackgroundService> start_webhook(const Options& options, kube::Api&) {
  // Wiring of src/inject's webhook server goes here (owned by the webhook's author).
  if (!options.webhook_addr.empty()) log::info("webhook not started by this build", {{"addr", boost::json::value(options.webhook_addr)}});
  return nullptr;
}

}  // namespace dragops::op
