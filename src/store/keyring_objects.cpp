#include "store/keyring_objects.hpp"

#include "crypto/base64.hpp"
#include "crypto/secret_bytes.hpp"
#include "store/json_access.hpp"
#include "store/names.hpp"

namespace dragops::store {
namespace json = boost::json;
using namespace json_access;

namespace {

json::object key_secret(std::string_view name, std::string_view ns, std::string_view type, std::string_view encoded,
                        json::object extra_labels = {}) {
  json::object labels{{kManagedByLabel, kManagedByValue}};
  for (auto& [key, value] : extra_labels) labels[key] = value;
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Secret"},
                      {"metadata", json::object{{"name", name}, {"namespace", ns}, {"labels", std::move(labels)}}},
                      {"type", type},
                      {"data", json::object{{kKeyringDataKey, encoded}}}};
}

json::object plain_ring_secret(std::string_view name, std::string_view ns, std::string_view type,
                               const crypto::Keyring& ring) {
  const auto serialised = ring.serialise();
  std::string encoded = crypto::base64_encode(serialised.span());
  auto secret = key_secret(name, ns, type, encoded);
  crypto::wipe(encoded.data(), encoded.size());
  return secret;
}

std::optional<std::vector<std::uint8_t>> data_bytes(const json::object& secret) {
  const auto* data = object_at(secret, "data");
  if (!data) return std::nullopt;
  auto encoded = string_at(*data, kKeyringDataKey);
  if (encoded.empty()) return std::nullopt;
  return crypto::base64_decode(encoded);
}

}  // namespace

json::object build_root_key_secret(std::string_view operator_namespace, const crypto::Keyring& root) {
  return plain_ring_secret(kRootKeyName, operator_namespace, kRootKeyType, root);
}

boost::system::result<crypto::Keyring, std::string> load_plain_keyring(const json::object& secret) {
  const auto* data = object_at(secret, "data");
  auto encoded = data ? string_at(*data, kKeyringDataKey) : std::string_view{};
  if (encoded.empty()) return Failure{"data.keyring is missing"};
  auto serialised = crypto::base64_decode_secret(encoded);
  if (!serialised) return Failure{"data.keyring is not base64"};
  auto ring = crypto::Keyring::load(serialised->view());
  if (!ring) return Failure{"data.keyring: " + ring.error()};
  return std::move(*ring);
}

crypto::Context keyring_context(std::string_view operator_namespace, std::string_view app_namespace,
                                std::string_view root_uid) {
  return crypto::Context{std::string(operator_namespace), "Keyring", std::string(app_namespace), std::string(root_uid),
                         std::string(kKeyringDataKey)};
}

json::object build_authoritative_keyring_secret(std::string_view operator_namespace, std::string_view app_namespace,
                                                std::string_view root_uid, const crypto::Keyring& root,
                                                const crypto::Keyring& data) {
  const auto serialised = data.serialise();
  const auto envelope = crypto::seal(root, keyring_context(operator_namespace, app_namespace, root_uid), serialised.span());
  auto secret = key_secret(authoritative_keyring_name(app_namespace), operator_namespace, kKeyringType,
                           crypto::base64_encode(envelope));
  secret["metadata"].as_object()["annotations"] = json::object{{"dragops.io/namespace", app_namespace}};
  return secret;
}

boost::system::result<crypto::Keyring, std::string> open_authoritative_keyring(const json::object& secret,
                                                                               std::string_view app_namespace,
                                                                               std::string_view root_uid,
                                                                               const crypto::Keyring& root) {
  auto envelope = data_bytes(secret);
  if (!envelope) return Failure{"data.keyring is missing or not base64"};
  auto operator_namespace = meta_string(secret, "namespace");
  auto serialised = crypto::open(root, keyring_context(operator_namespace, app_namespace, root_uid), *envelope);
  if (!serialised) return Failure{"data.keyring does not open: " + std::string(crypto::to_string(serialised.error()))};
  auto ring = crypto::Keyring::load(serialised->view());
  if (!ring) return Failure{"data.keyring: " + ring.error()};
  return std::move(*ring);
}

json::object build_projected_keyring_secret(std::string_view app_namespace, const crypto::Keyring& data) {
  return plain_ring_secret(kProjectedKeyringName, app_namespace, kKeyringType, data);
}

void wipe_data(json::object& secret) {
  auto it = secret.find("data");
  if (it == secret.end() || !it->value().is_object()) return;
  for (auto& [key, value] : it->value().as_object()) {
    if (auto* text = value.if_string()) crypto::wipe(text->data(), text->size());
  }
}

}  // namespace dragops::store
