#pragma once
// The mutating admission webhook the operator serves: HTTPS on --webhook-addr, AdmissionReview v1
// on POST /mutate-pods (and /healthz), its serving certificate managed in a Secret shared by all
// replicas (or read from files in external mode) and the MutatingWebhookConfiguration's caBundle
// kept current. It writes nothing else: the sidecars' Roles are the operator's (sidecar_access).
//
// Usage from operator/main.cpp:
//   inject::WebhookServer webhook(api, options);
//   if (auto started = webhook.start(); !started) { log::error(...); return 1; }
//   ... webhook.stop();

#include "http/server_types.hpp"
#include "inject/options.hpp"
#include "inject/use_check.hpp"
#include "inject/webhook_certs.hpp"
#include "kube/api.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace dragops::inject {

// The largest AdmissionReview the webhook reads. kube-apiserver accepts request bodies up to
// 3 MiB (its MaxRequestBodyBytes), and an AdmissionReview carries the object and, for an UPDATE
// (pods/ephemeralcontainers), the old object as well: 2 x 3 MiB, plus 1 MiB for the request's
// options, userInfo and JSON framing. Larger bodies get 413 before the handler sees them.
inline constexpr std::size_t kMaxAdmissionReviewBytes = 7 * 1024 * 1024;
// Open connections to the webhook at most (http::ServerOptions::max_connections): room for the
// keep-alive pools of a few API servers. A connection buffers at most one review, so this also
// bounds what request bodies can take (64 x 7 MiB in the worst case; a real pod's review is a
// few KiB, and the operator's memory limit stops a deliberate flood first).
inline constexpr std::size_t kMaxWebhookConnections = 64;

enum class CertMode { operator_managed, external };

struct WebhookOptions {
  std::string listen = ":9443";                       // --webhook-addr
  std::string namespace_ = "dragops-system";          // --namespace (where the cert Secret lives)
  std::string service = "dragops-webhook";            // --webhook-service
  std::string webhook_config = "dragops-sidecar-injector";   // --webhook-config
  std::string cert_secret = "dragops-webhook-cert";   // --webhook-cert-secret
  CertMode cert_mode = CertMode::operator_managed;    // --webhook-cert-mode
  std::string cert_dir = "/etc/dragops/webhook-certs";   // --webhook-cert-dir (external: tls.crt, tls.key)
  InjectOptions inject;
  // Asked for each name a pod wants (UseScope::service_account); empty: every ServiceAccount of
  // the namespace may use every name (UseScope::namespace_).
  UseCheck use_check;
  std::chrono::milliseconds use_check_timeout{4'000};   // the longest one check may take (its client's timeout)
  std::chrono::hours certificate_lifetime{24 * 365};
  std::chrono::seconds certificate_check_interval{300};   // renew check / external file reload
  // More POST paths served beside /mutate-pods (the operator's Connection/Secret admission,
  // operator/admission/), and the webhook configurations whose caBundle follows the certificate
  // like --webhook-config's.
  std::vector<std::pair<std::string, std::function<http::Response(const http::Request&)>>> routes;
  std::vector<WebhookConfigRef> extra_configs;
};

class WebhookServer {
 public:
  WebhookServer(kube::Api& api, WebhookOptions options);
  ~WebhookServer();   // stops
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Ensures the certificate (creating or reading the shared Secret), patches the caBundle,
  // binds the listener and starts the renewal thread. The error says what failed.
  boost::system::result<void, std::string> start();
  void stop();

  std::uint16_t port() const;   // bound port (for --webhook-addr :0 in tests)

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dragops::inject
