#include "operator/webhook_wiring.hpp"

#include "common/log.hpp"
#include "inject/webhook_server.hpp"

#include <boost/json/string_view.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace dragops::op {

namespace {

class WebhookService final : public BackgroundService {
 public:
  WebhookService(kube::Api& api, inject::WebhookOptions options) : server_(api, std::move(options)) {
    // Retried until it works: the certificate Secret needs the API server, which may not be up yet.
    starter_ = std::jthread([this](std::stop_token stop) {
      std::mutex mutex;
      std::condition_variable_any cv;
      while (!stop.stop_requested()) {
        auto started = server_.start();
        if (started) {
          started_ = true;
          return;
        }
        log::error("webhook not started; retrying", {{"reason", boost::json::string_view(started.error())}});
        std::unique_lock lock(mutex);
        cv.wait_for(lock, stop, std::chrono::seconds(5), [] { return false; });
      }
    });
  }
  ~WebhookService() override {
    starter_.request_stop();
    if (starter_.joinable()) starter_.join();
    server_.stop();
  }
  bool ready() const override { return started_; }

 private:
  inject::WebhookServer server_;
  std::atomic<bool> started_{false};
  std::jthread starter_;
};

}  // namespace

std::unique_ptr<BackgroundService> start_webhook(const Options& options, kube::Api& api) {
  if (options.webhook_addr.empty()) return nullptr;
  inject::WebhookOptions webhook;
  webhook.listen = options.webhook_addr;
  webhook.namespace_ = options.namespace_;
  webhook.service = options.webhook_service;
  webhook.webhook_config = options.webhook_config;
  webhook.cert_secret = options.webhook_cert_secret;
  webhook.cert_mode = options.webhook_cert_mode == "external" ? inject::CertMode::external : inject::CertMode::operator_managed;
  webhook.cert_dir = options.webhook_cert_dir;
  webhook.inject.sidecar_image = options.sidecar_image;
  webhook.inject.cpu_request = options.sidecar_cpu_request;
  webhook.inject.memory_request = options.sidecar_memory_request;
  webhook.inject.memory_limit = options.sidecar_memory_limit;
  return std::make_unique<WebhookService>(api, std::move(webhook));
}

}  // namespace dragops::op
