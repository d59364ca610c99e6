#pragma once
// Admission webhooks: MutatingWebhookConfigurations (and ValidatingWebhookConfigurations)
// stored in the server are called over TLS with AdmissionReview v1 for matching requests.
// clientConfig.url is used as is; clientConfig.service is called at the Service's ClusterIP and
// the service port (kube's default service resolver, service_ips.hpp) and verified against
// caBundle as `<name>.<namespace>.svc`.

#include "apiserver/store.hpp"

#include <chrono>
#include <string>

namespace boost::asio {
class io_context;
}

namespace dragops::apiserver {

struct HttpsCallResult {
  int status = 0;          // 0: no HTTP answer
  std::string body;
  std::string error;       // transport error, when status is 0
};

// One HTTPS POST, bounded by `timeout` from connect to last byte. Without `shared` it runs on
// its own io_context. With the server's io_context it runs there and keeps serving the server's
// other requests while it waits, as kube-apiserver does: a webhook may call back into the API
// server (the operator's Connection admission makes a SubjectAccessReview) before it answers.
HttpsCallResult https_post(const std::string& host, unsigned short port, const std::string& target,
                           const std::string& server_name, const std::string& ca_pem, const std::string& body,
                           std::chrono::milliseconds timeout, boost::asio::io_context* shared = nullptr);

class WebhookAdmission : public Admission {
 public:
  explicit WebhookAdmission(Store& store) : store_(store) {}
  // The server's io_context: webhook calls then wait on it (https_post), serving other requests.
  void serve_while_waiting(boost::asio::io_context* io) { io_ = io; }
  Result<boost::json::object> mutate(const AdmissionRequest& request, boost::json::object object) override;
  Result<void> validate(const AdmissionRequest& request, const boost::json::object& object) override;

 private:
  Result<boost::json::object> call(const AdmissionRequest& request, boost::json::object object, bool validating);

  Store& store_;
  boost::asio::io_context* io_ = nullptr;
};

}  // namespace dragops::apiserver
