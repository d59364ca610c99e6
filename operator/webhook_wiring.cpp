#include "operator/webhook_wiring.hpp"

#include "common/log.hpp"
#include "inject/webhook_server.hpp"
#include "kube/http_api.hpp"
#include "operator/admission/resource_webhook.hpp"

#include <boost/json/string_view.hpp>

#include <atomic>
#include <stdexcept>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace dragops::op {

namespace {

// One SubjectAccessReview may take this long; the handler stops starting new ones one second
// before the webhook's timeout.
constexpr std::chrono::milliseconds kAccessReviewTimeout{4'000};

class WebhookService final : public BackgroundService {
 public:
  WebhookService(kube::Api& api, inject::WebhookOptions options, std::unique_ptr<kube::Api> review_api,
                 std::unique_ptr<admission::AccessReviewer> reviewer)
      : review_api_(std::move(review_api)), reviewer_(std::move(reviewer)), server_(api, with_routes(std::move(options))) {
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
  inject::WebhookOptions with_routes(inject::WebhookOptions options) {
    if (!reviewer_) return options;
    for (auto path : {admission::kMutatePath, admission::kValidatePath}) {
      options.routes.emplace_back(std::string(path), [this, path](const http::Request& request) {
        return admission::handle_resource_admission(path, request, *reviewer_);
      });
    }
    return options;
  }

  std::unique_ptr<kube::Api> review_api_;
  std::unique_ptr<admission::AccessReviewer> reviewer_;
  inject::WebhookServer server_;
  std::atomic<bool> started_{false};
  std::jthread starter_;
};

}  // namespace

std::unique_ptr<BackgroundService> start_webhook(const Options& options, kube::Api& api, const kube::Config& config) {
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
  // Access reviews (SubjectAccessReviews) go through their own client, whose requests time out
  // before the webhook's.
  kube::HttpApiOptions review_options;
  review_options.request_timeout = kAccessReviewTimeout;
  auto created = kube::HttpApi::create(config, review_options);
  if (!created) throw std::runtime_error("kubernetes client for access reviews: " + created.error().message);
  std::unique_ptr<kube::Api> review_api = std::move(*created);
  if (inject::parse_use_scope(options.use_scope) == inject::UseScope::service_account)
    webhook.use_check = inject::api_use_check(*review_api);
  webhook.use_check_timeout = kAccessReviewTimeout;
  std::unique_ptr<admission::AccessReviewer> reviewer;
  if (!options.resource_webhook_config.empty()) {
    reviewer = std::make_unique<admission::SubjectAccessReviewer>(*review_api);
    const kube::Gvr mutating{"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations"};
    const kube::Gvr validating{"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"};
    webhook.extra_configs = {{mutating, options.resource_webhook_config}, {validating, options.resource_webhook_config}};
  }
  return std::make_unique<WebhookService>(api, std::move(webhook), std::move(review_api), std::move(reviewer));
}

}  // namespace dragops::op
