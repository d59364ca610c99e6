#include "inject/webhook_server.hpp"

#include "inject/admission.hpp"
#include "inject/webhook_certs.hpp"

#include "common/log.hpp"
#include "http/server.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace dragops::inject {

namespace json = boost::json;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

http::Response json_error(int status, std::string_view code, std::string_view message) {
  http::Response response;
  response.status = status;
  response.set_header("Content-Type", "application/json");
  response.body = json::serialize(json::object{{"error", {{"code", code}, {"message", message}}}});
  return response;
}

}  // namespace

struct WebhookServer::Impl {
  kube::Api& api;
  WebhookOptions options;
  CertificateManager certificates;
  std::unique_ptr<http::Server> server;
  std::string serving_pem;      // what the listener serves now
  bool ca_bundle_current = false;
  std::jthread maintenance;
  Impl(kube::Api& a, WebhookOptions o)
      : api(a),
        options(std::move(o)),
        certificates(api, CertificateSettings{options.namespace_, options.cert_secret, options.service,
                                              options.webhook_config,
                                              std::chrono::duration_cast<std::chrono::seconds>(options.certificate_lifetime),
                                              options.extra_configs}) {}

  http::Response handle(const http::Request& request) {
    std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
    if (path == "/healthz") {
      http::Response ok;
      ok.body = "ok\n";
      return ok;
    }
    for (const auto& [route, handler] : options.routes)
      if (path == route) return handler(request);
    if (path != "/mutate-pods") return json_error(404, "not_found", "the webhook serves POST /mutate-pods");
    if (request.method != "POST") return json_error(405, "method_not_allowed", "POST an AdmissionReview");
    // The checks end a second before kube-apiserver stops waiting (its ?timeout=), so that the
    // pod gets our reason rather than a timeout.
    std::optional<UseReview> use;
    if (options.use_check) {
      use = UseReview{options.use_check,
                      std::chrono::steady_clock::now() + check_budget(request.target, options.use_check_timeout)};
    }
    auto outcome = review_admission(request.body, options.inject, use ? &*use : nullptr);
    if (!outcome) return json_error(400, "bad_request", outcome.error());
    // The answer is all admission does: no write to the cluster (sideEffects: None). The
    // sidecar's Role comes from the operator, from the injected pods that exist.
    const auto& decision = outcome->decision;
    if (decision.action != PatchDecision::Action::skip) {
      log::info("admission", {{"namespace", json::string_view(outcome->namespace_)},
                              {"action", decision.action == PatchDecision::Action::patch ? "injected" : "denied"},
                              {"message", json::string_view(decision.message)},
                              {"dry_run", outcome->dry_run}});
    }
    http::Response response;
    response.set_header("Content-Type", "application/json");
    response.body = json::serialize(outcome->review);
    return response;
  }

  boost::system::result<http::TlsPem, std::string> current_pem() {
    if (options.cert_mode == CertMode::external) {
      http::TlsPem pem{read_text(options.cert_dir + "/tls.crt"), read_text(options.cert_dir + "/tls.key")};
      if (pem.certificate_chain.empty() || pem.private_key.empty()) {
        return boost::system::result<http::TlsPem, std::string>(boost::system::in_place_error,
                                                               "cannot read tls.crt and tls.key in " + options.cert_dir);
      }
      return pem;
    }
    auto ensured = certificates.ensure();
    if (!ensured) return boost::system::result<http::TlsPem, std::string>(boost::system::in_place_error, ensured.error());
    if (!ca_bundle_current || ensured->serving.certificate_pem != serving_pem) {
      auto patched = certificates.patch_ca_bundle(ensured->ca_bundle);
      ca_bundle_current = static_cast<bool>(patched);
      if (!patched) log::warn("caBundle not patched yet; will retry", {{"reason", json::string_view(patched.error())}});
    }
    return http::TlsPem{ensured->serving.certificate_pem, ensured->serving.private_key_pem};
  }

  void maintain(std::stop_token stop) {
    std::mutex mutex;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      auto period = options.certificate_check_interval;
      if (options.cert_mode == CertMode::external) period = std::min(period, std::chrono::seconds(10));
      if (!ca_bundle_current && options.cert_mode == CertMode::operator_managed) period = std::min(period, std::chrono::seconds(5));
      {
        std::unique_lock lock(mutex);
        cv.wait_for(lock, stop, period, [] { return false; });
      }
      if (stop.stop_requested()) return;
      auto pem = current_pem();
      if (!pem) {
        log::warn("webhook certificate check failed; serving the current one", {{"reason", json::string_view(pem.error())}});
        continue;
      }
      if (pem->certificate_chain == serving_pem) continue;
      if (auto set = server->set_certificate(*pem); !set) {
        log::warn("new webhook certificate rejected; serving the current one", {{"reason", json::string_view(set.error())}});
        continue;
      }
      serving_pem = pem->certificate_chain;
      log::info("webhook certificate reloaded");
    }
  }
};

WebhookServer::WebhookServer(kube::Api& api, WebhookOptions options) : impl_(std::make_unique<Impl>(api, std::move(options))) {}

WebhookServer::~WebhookServer() { stop(); }

boost::system::result<void, std::string> WebhookServer::start() {
  auto pem = impl_->current_pem();
  if (!pem) return boost::system::result<void, std::string>(boost::system::in_place_error, pem.error());
  http::ServerOptions server_options;
  server_options.listen = {impl_->options.listen};
  server_options.max_body_bytes = kMaxAdmissionReviewBytes;
  server_options.max_connections = kMaxWebhookConnections;
  server_options.max_header_bytes = 16 * 1024;
  // Four: a Connection's access review waits on the API server for up to the webhook timeout.
  server_options.threads = 4;
  server_options.tls = *pem;
  impl_->serving_pem = pem->certificate_chain;
  impl_->server = std::make_unique<http::Server>(server_options, [impl = impl_.get()](const http::Request& r) { return impl->handle(r); });
  if (auto started = impl_->server->start(); !started) return started;
  impl_->maintenance = std::jthread([impl = impl_.get()](std::stop_token stop) { impl->maintain(stop); });
  log::info("webhook serving", {{"port", port()}});
  return {};
}

void WebhookServer::stop() {
  if (!impl_) return;
  if (impl_->maintenance.joinable()) {
    impl_->maintenance.request_stop();
    impl_->maintenance.join();
  }
  if (impl_->server) impl_->server->stop();
}

std::uint16_t WebhookServer::port() const {
  if (!impl_->server) return 0;
  auto ports = impl_->server->ports();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace dragops::inject
