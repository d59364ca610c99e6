#include "sealing_key.hpp"

#include "crypto/base64.hpp"
#include "crypto/sealed_value.hpp"
#include "kube/config.hpp"
#include "kube/http_api.hpp"
#include "store/names.hpp"
#include "store/sealed_input.hpp"

#include <boost/json/parse.hpp>

namespace dragops::dragopsctl {
namespace json = boost::json;

namespace {

using Error = std::string;

template <class T>
boost::system::result<T, Error> failure(Error message) {
  return {boost::system::in_place_error, std::move(message)};
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

boost::system::result<SealingPublicKey, Error> from_parts(std::string_view encoded, std::string_view claimed_id) {
  const auto bytes = crypto::base64_decode(encoded);
  if (!bytes) return failure<SealingPublicKey>("the public key is not base64");
  const auto key = crypto::hpke::public_key_from_bytes(*bytes);
  if (!key) return failure<SealingPublicKey>("the public key is not a P-256 public key (65-byte uncompressed point)");
  SealingPublicKey out{*key, store::key_id_hex(crypto::key_id_of(*key))};
  if (!claimed_id.empty() && claimed_id != out.key_id)
    return failure<SealingPublicKey>("the public key's id is " + out.key_id + ", not " + std::string(claimed_id) +
                                     " as published");
  return out;
}

boost::system::result<kube::Config, Error> load_config(const ClusterOptions& options) {
  auto config = options.kubeconfig.empty() ? kube::load_kubeconfig_from_env(options.context)
                                           : kube::load_kubeconfig(options.kubeconfig, options.context);
  if (!config) return failure<kube::Config>("kubeconfig: " + config.error().message);
  return std::move(*config);
}

}  // namespace

boost::system::result<SealingPublicKey, Error> parse_public_key(std::string_view text) {
  const auto trimmed = trim(text);
  if (trimmed.starts_with('{')) {
    boost::system::error_code ec;
    const auto value = json::parse(trimmed, ec);
    const auto* object = ec ? nullptr : value.if_object();
    const auto* key = object ? object->if_contains("publicKey") : nullptr;
    if (!key || !key->is_string()) return failure<SealingPublicKey>("the JSON has no string \"publicKey\"");
    const auto* id = object->if_contains("keyId");
    return from_parts(key->get_string(), id && id->is_string() ? std::string_view(id->get_string()) : std::string_view{});
  }
  return from_parts(trimmed, {});
}

boost::system::result<std::string, Error> kubeconfig_namespace(const ClusterOptions& options) {
  auto config = load_config(options);
  if (!config) return failure<std::string>(config.error());
  return {boost::system::in_place_value, config->default_namespace.empty() ? std::string("default") : config->default_namespace};
}

boost::system::result<ClusterKey, Error> fetch_cluster_key(const ClusterOptions& options) {
  auto config = load_config(options);
  if (!config) return failure<ClusterKey>(config.error());
  auto api = kube::HttpApi::create(*config);
  if (!api) return failure<ClusterKey>("kubernetes client: " + api.error().message);
  const std::string where = "ConfigMap " + options.operator_namespace + "/" + std::string(store::kSealingKeyConfigMapName);
  auto object = (*api)->get(kube::gvr::config_maps(), options.operator_namespace, store::kSealingKeyConfigMapName);
  if (!object) {
    const auto& status = object.error();
    if (status.not_found())
      return failure<ClusterKey>(where + " not found: no sealing key is published there (is the operator running, and "
                                         "is --operator-namespace right?)");
    return failure<ClusterKey>("cannot read " + where + ": " +
                               (status.code ? std::to_string(status.code) + " " + status.reason : "no answer") +
                               (status.message.empty() ? "" : ": " + status.message));
  }
  const auto* data = object->if_contains("data");
  const auto* fields = data ? data->if_object() : nullptr;
  const auto* key = fields ? fields->if_contains(store::kPublicKeyDataKey) : nullptr;
  const auto* id = fields ? fields->if_contains(store::kKeyIdDataKey) : nullptr;
  if (!key || !key->is_string()) return failure<ClusterKey>(where + " has no data.publicKey");
  auto parsed = from_parts(key->get_string(), id && id->is_string() ? std::string_view(id->get_string()) : std::string_view{});
  if (!parsed) return failure<ClusterKey>(where + ": " + parsed.error());
  return ClusterKey{std::move(*parsed), config->default_namespace.empty() ? "default" : config->default_namespace};
}

}  // namespace dragops::dragopsctl
