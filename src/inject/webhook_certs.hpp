#pragma once
// The webhook certificate shared by all operator replicas, kept in the Secret
// --webhook-cert-secret (tls.crt, tls.key, ca.crt, ca.key):
//   - created by whichever replica gets there first (create; AlreadyExists -> read the winner's),
//   - renewed at two thirds of its lifetime with an optimistic-concurrency update (Conflict ->
//     read the winner's), so two replicas never disagree on the CA,
//   - the CA lives ten times longer than the serving certificate; when it is renewed, ca.crt keeps
//     the old CA after the new one until the old expires, so the caBundle trusts both meanwhile,
//   - the caBundle of every webhook in the MutatingWebhookConfiguration follows ca.crt.

#include "inject/certificates.hpp"

#include "kube/api.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace dragops::inject {

struct WebhookCertificates {
  CertificatePair ca;           // the signing CA (first certificate of ca.crt) and its key
  CertificatePair serving;      // tls.crt, tls.key
  std::string ca_bundle;        // ca.crt: the current CA, then any older CA still valid
};

enum class CertificateAction { keep, renew_serving, renew_all };

// Pure: what to do with the stored certificates now.
CertificateAction decide_certificates(const WebhookCertificates& stored, std::string_view dns_name,
                                      std::chrono::system_clock::time_point now);

boost::json::object build_certificate_secret(std::string_view namespace_, std::string_view name,
                                             const WebhookCertificates& certificates);
boost::system::result<WebhookCertificates, std::string> parse_certificate_secret(const boost::json::object& secret);

// A webhook configuration whose caBundle the operator keeps current.
struct WebhookConfigRef {
  kube::Gvr gvr;   // mutatingwebhookconfigurations or validatingwebhookconfigurations
  std::string name;
};

struct CertificateSettings {
  std::string namespace_;
  std::string secret_name;
  std::string service;
  std::string webhook_config;
  std::chrono::seconds serving_lifetime{std::chrono::hours(24 * 365)};
  std::vector<WebhookConfigRef> extra_configs;   // patched like webhook_config
};

class CertificateManager {
 public:
  CertificateManager(kube::Api& api, CertificateSettings settings,
                     std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); });

  // Reads, creates or renews the shared Secret; returns what every replica must serve.
  boost::system::result<WebhookCertificates, std::string> ensure();
  // Sets caBundle on every webhook of the configurations that does not carry it yet.
  // NotFound (chart not installed yet) is an error the caller retries.
  boost::system::result<void, std::string> patch_ca_bundle(std::string_view ca_bundle_pem);

 private:
  boost::system::result<void, std::string> patch_ca_bundle_of(const WebhookConfigRef& config, std::string_view ca_bundle_pem);

  boost::system::result<WebhookCertificates, std::string> issue(const WebhookCertificates* previous);

  kube::Api& api_;
  CertificateSettings settings_;
  std::function<std::chrono::system_clock::time_point()> now_;
};

}  // namespace dragops::inject
