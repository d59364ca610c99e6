#include "inject/webhook_certs.hpp"

#include "common/log.hpp"
#include "crypto/base64.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

namespace dragops::inject {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

namespace {

template <class T>
using Result = boost::system::result<T, std::string>;
template <class T>
Result<T> fail(std::string message) {
  return Result<T>(boost::system::in_place_error, std::move(message));
}

std::string b64(std::string_view text) {
  return crypto::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

constexpr std::string_view kEndCertificate = "-----END CERTIFICATE-----";

// The PEM blocks of a bundle, each with its END line.
std::vector<std::string> split_pem(std::string_view bundle) {
  std::vector<std::string> blocks;
  for (;;) {
    auto begin = bundle.find("-----BEGIN CERTIFICATE-----");
    auto end = bundle.find(kEndCertificate);
    if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) return blocks;
    blocks.emplace_back(bundle.substr(begin, end + kEndCertificate.size() - begin));
    blocks.back() += "\n";
    bundle.remove_prefix(end + kEndCertificate.size());
  }
}

constexpr int kCaLifetimeFactor = 10;

}  // namespace

CertificateAction decide_certificates(const WebhookCertificates& stored, std::string_view dns_name, Clock::time_point now) {
  auto ca = validity_of(stored.ca.certificate_pem);
  if (!ca || needs_renewal(*ca, now)) return CertificateAction::renew_all;
  auto serving = validity_of(stored.serving.certificate_pem);
  if (!serving || needs_renewal(*serving, now) || !certificate_covers(stored.serving.certificate_pem, dns_name)) {
    return CertificateAction::renew_serving;
  }
  return CertificateAction::keep;
}

json::object build_certificate_secret(std::string_view namespace_, std::string_view name, const WebhookCertificates& c) {
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata",
       {{"name", name}, {"namespace", namespace_}, {"labels", {{"app.kubernetes.io/managed-by", "dragops-operator"}}}}},
      {"type", "kubernetes.io/tls"},
      {"data",
       {{"tls.crt", b64(c.serving.certificate_pem)},
        {"tls.key", b64(c.serving.private_key_pem)},
        {"ca.crt", b64(c.ca_bundle)},
        {"ca.key", b64(c.ca.private_key_pem)}}}};
}

Result<WebhookCertificates> parse_certificate_secret(const json::object& secret) {
  auto data = secret.find("data");
  if (data == secret.end() || !data->value().is_object()) return fail<WebhookCertificates>("the Secret has no data");
  auto field = [&](std::string_view key) -> std::optional<std::string> {
    const auto& d = data->value().get_object();
    auto it = d.find(key);
    if (it == d.end() || !it->value().is_string()) return std::nullopt;
    auto bytes = crypto::base64_decode(it->value().get_string());
    if (!bytes) return std::nullopt;
    return std::string(bytes->begin(), bytes->end());
  };
  auto tls_crt = field("tls.crt"), tls_key = field("tls.key"), ca_crt = field("ca.crt"), ca_key = field("ca.key");
  if (!tls_crt || !tls_key || !ca_crt || !ca_key) {
    return fail<WebhookCertificates>("the Secret lacks one of tls.crt, tls.key, ca.crt, ca.key");
  }
  auto blocks = split_pem(*ca_crt);
  if (blocks.empty()) return fail<WebhookCertificates>("ca.crt holds no certificate");
  return WebhookCertificates{{blocks.front(), *ca_key}, {*tls_crt, *tls_key}, *ca_crt};
}

CertificateManager::CertificateManager(kube::Api& api, CertificateSettings settings, std::function<Clock::time_point()> now)
    : api_(api), settings_(std::move(settings)), now_(std::move(now)) {}

Result<WebhookCertificates> CertificateManager::issue(const WebhookCertificates* previous) {
  const auto now = now_();
  const auto names = service_dns_names(settings_.service, settings_.namespace_);
  WebhookCertificates next;
  const bool keep_ca = previous && decide_certificates(*previous, names[2], now) == CertificateAction::renew_serving;
  if (keep_ca) {
    next.ca = previous->ca;
    next.ca_bundle = previous->ca_bundle;
  } else {
    auto ca = issue_ca("dragops-webhook-ca", now, settings_.serving_lifetime * kCaLifetimeFactor);
    if (!ca) return fail<WebhookCertificates>(ca.error());
    next.ca = *ca;
    next.ca_bundle = ca->certificate_pem;
    // Keep trusting older CAs that are still valid while every replica moves over.
    if (previous) {
      for (const auto& block : split_pem(previous->ca_bundle)) {
        if (auto v = validity_of(block); v && v->not_after > now) next.ca_bundle += block;
      }
    }
  }
  auto serving = issue_serving(next.ca, names, now, settings_.serving_lifetime);
  if (!serving) return fail<WebhookCertificates>(serving.error());
  next.serving = *serving;
  return next;
}

Result<WebhookCertificates> CertificateManager::ensure() {
  const auto dns_name = service_dns_names(settings_.service, settings_.namespace_)[2];
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto current = api_.get(kube::gvr::secrets(), settings_.namespace_, settings_.secret_name);
    if (!current && current.error().not_found()) {
      auto issued = issue(nullptr);
      if (!issued) return issued;
      auto created = api_.create(kube::gvr::secrets(), settings_.namespace_,
                                 build_certificate_secret(settings_.namespace_, settings_.secret_name, *issued));
      if (created) {
        log::info("webhook certificate created", {{"secret", json::string_view(settings_.secret_name)}});
        return issued;
      }
      if (created.error().already_exists()) continue;   // another replica won: use its certificate
      return fail<WebhookCertificates>("cannot create Secret " + settings_.secret_name + ": " + created.error().message);
    }
    if (!current) return fail<WebhookCertificates>("cannot read Secret " + settings_.secret_name + ": " + current.error().message);

    auto stored = parse_certificate_secret(*current);
    CertificateAction action = stored ? decide_certificates(*stored, dns_name, now_()) : CertificateAction::renew_all;
    if (action == CertificateAction::keep) return stored;
    auto issued = issue(stored ? &*stored : nullptr);
    if (!issued) return issued;
    json::object updated = build_certificate_secret(settings_.namespace_, settings_.secret_name, *issued);
    updated["metadata"].as_object()["resourceVersion"] = current->at("metadata").at("resourceVersion");
    auto written = api_.update(kube::gvr::secrets(), settings_.namespace_, updated);
    if (written) {
      log::info("webhook certificate renewed", {{"secret", json::string_view(settings_.secret_name)},
                                                {"ca_renewed", action == CertificateAction::renew_all}});
      return issued;
    }
    if (written.error().conflict()) continue;   // another replica renewed first: read its certificate
    return fail<WebhookCertificates>("cannot update Secret " + settings_.secret_name + ": " + written.error().message);
  }
  return fail<WebhookCertificates>("Secret " + settings_.secret_name + " keeps changing under us");
}

Result<void> CertificateManager::patch_ca_bundle(std::string_view ca_bundle_pem) {
  // The injector's last: once it carries the caBundle, every configuration does (scripts and
  // readiness checks look at that one).
  for (const auto& config : settings_.extra_configs)
    if (auto patched = patch_ca_bundle_of(config, ca_bundle_pem); !patched) return patched;
  return patch_ca_bundle_of({kube::gvr::mutating_webhooks(), settings_.webhook_config}, ca_bundle_pem);
}

Result<void> CertificateManager::patch_ca_bundle_of(const WebhookConfigRef& ref, std::string_view ca_bundle_pem) {
  const std::string kind = ref.gvr.resource == "validatingwebhookconfigurations" ? "ValidatingWebhookConfiguration"
                                                                                 : "MutatingWebhookConfiguration";
  auto config = api_.get(ref.gvr, "", ref.name);
  if (!config) {
    return Result<void>(boost::system::in_place_error, "cannot read " + kind + " " + ref.name + ": " + config.error().message);
  }
  const std::string bundle = b64(ca_bundle_pem);
  json::array ops;
  if (auto webhooks = config->find("webhooks"); webhooks != config->end() && webhooks->value().is_array()) {
    const auto& list = webhooks->value().get_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto* webhook = list[i].if_object();
      if (!webhook) continue;
      const auto* client = webhook->contains("clientConfig") ? webhook->at("clientConfig").if_object() : nullptr;
      const std::string base = "/webhooks/" + std::to_string(i) + "/clientConfig";
      if (!client) {
        ops.push_back(json::object{{"op", "add"}, {"path", base}, {"value", {{"caBundle", bundle}}}});
        continue;
      }
      auto current = client->find("caBundle");
      if (current != client->end() && current->value().is_string() && current->value().get_string() == bundle) continue;
      ops.push_back(json::object{{"op", "add"}, {"path", base + "/caBundle"}, {"value", bundle}});
    }
  }
  if (ops.empty()) return {};
  auto patched = api_.patch(ref.gvr, "", ref.name, kube::PatchType::json, json::serialize(ops));
  if (!patched) {
    return Result<void>(boost::system::in_place_error, "cannot patch the caBundle of " + kind + " " + ref.name + ": " +
                                                           patched.error().message);
  }
  log::info("webhook caBundle patched", {{"configuration", json::string_view(ref.name)}, {"kind", json::string_view(kind)},
                                         {"webhooks", static_cast<std::int64_t>(ops.size())}});
  return {};
}

}  // namespace dragops::inject
