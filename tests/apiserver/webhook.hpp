#pragma once
// Admission webhooks: MutatingWebhookConfigurations (and ValidatingWebhookConfigurations)
// stored in the server are called over TLS with AdmissionReview v1 for matching requests.
// clientConfig.url is used as is; clientConfig.service is called at the Service's ClusterIP and
// the service port (kube's default service resolver, service_ips.hpp) and verified against
// caBundle as `<name>.<namespace>.svc`.

#include "apiserver/store.hpp"

#include <chrono>
#include <string>

namespace dragops::apiserver {

struct HttpsCallResult {
  int status = 0;          // 0: no HTTP answer
  std::string body;
  std::string error;       // transport error, when status is 0
};

// One HTTPS POST with its own io_context, bounded by `timeout` from connect to last byte.
HttpsCallResult https_post(const std::string& host, unsigned short port, const std::string& target,
                           const std::string& server_name, const std::string& ca_pem, const std::string& body,
                           std::chrono::milliseconds timeout);

class WebhookAdmission : public Admission {
 public:
  explicit WebhookAdmission(Store& store) : store_(store) {}
  Result<boost::json::object> mutate(const AdmissionRequest& request, boost::json::object object) override;
  Result<void> validate(const AdmissionRequest& request, const boost::json::object& object) override;

 private:
  Result<boost::json::object> call(const AdmissionRequest& request, boost::json::object object, bool validating);

  Store& store_;
};

}  // namespace dragops::apiserver
