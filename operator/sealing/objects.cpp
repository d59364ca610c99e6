#include "operator/sealing/objects.hpp"

#include "crypto/base64.hpp"
#include "store/json_access.hpp"
#include "store/names.hpp"
#include "store/sealed_input.hpp"

#include <boost/json/array.hpp>

#include <sstream>

namespace dragops::op::sealing {
namespace json = boost::json;
using namespace store::json_access;

namespace {
constexpr std::string_view kContextKind = "SealingKeys";
}  // namespace

crypto::Context sealing_keys_context(std::string_view operator_namespace, std::string_view root_uid) {
  return crypto::Context{std::string(operator_namespace), std::string(kContextKind), std::string(store::kSealingKeysName),
                         std::string(root_uid), std::string(store::kSealingKeysDataKey)};
}

json::object build_sealing_keys_secret(std::string_view operator_namespace, std::string_view root_uid,
                                       const crypto::Keyring& root, const SealingKeySet& keys) {
  const auto serialised = keys.serialise();
  const auto envelope = crypto::seal(root, sealing_keys_context(operator_namespace, root_uid), serialised.span());
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata", json::object{{"name", store::kSealingKeysName},
                                {"namespace", operator_namespace},
                                {"labels", json::object{{store::kManagedByLabel, store::kManagedByValue}}}}},
      {"type", store::kSealingKeysType},
      {"data", json::object{{store::kSealingKeysDataKey, crypto::base64_encode(envelope)}}}};
}

boost::system::result<SealingKeySet, std::string> open_sealing_keys_secret(const json::object& secret,
                                                                           std::string_view root_uid,
                                                                           const crypto::Keyring& root) {
  const auto* data = object_at(secret, "data");
  const auto encoded = data ? string_at(*data, store::kSealingKeysDataKey) : std::string_view{};
  const auto envelope = crypto::base64_decode(encoded);
  if (encoded.empty() || !envelope) return Failure{"data.keys is missing or not base64"};
  const auto serialised = crypto::open(root, sealing_keys_context(meta_string(secret, "namespace"), root_uid), *envelope);
  if (!serialised) return Failure{"data.keys does not open: " + std::string(crypto::to_string(serialised.error()))};
  auto keys = SealingKeySet::load(serialised->span());
  if (!keys) return Failure{"data.keys: " + keys.error()};
  return std::move(*keys);
}

PublishedKey published_key(const SealingKeySet& keys) {
  PublishedKey out;
  const auto& newest = keys.newest();
  out.key_id = store::key_id_hex(newest.id);
  out.public_key = crypto::base64_encode(newest.pair.public_key);
  auto infos = keys.infos();
  for (auto it = infos.rbegin(); it != infos.rend(); ++it) out.accepted_key_ids.push_back(store::key_id_hex(it->id));
  return out;
}

json::object build_public_key_config_map(std::string_view operator_namespace, const PublishedKey& key) {
  std::string accepted;
  for (const auto& id : key.accepted_key_ids) accepted += (accepted.empty() ? "" : " ") + id;
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", json::object{{"name", store::kSealingKeyConfigMapName},
                                {"namespace", operator_namespace},
                                {"labels", json::object{{store::kManagedByLabel, store::kManagedByValue}}}}},
      {"data", json::object{{store::kPublicKeyDataKey, key.public_key},
                            {store::kKeyIdDataKey, key.key_id},
                            {store::kAcceptedKeyIdsDataKey, accepted}}}};
}

std::optional<PublishedKey> parse_public_key_config_map(const json::object& config_map) {
  const auto* data = object_at(config_map, "data");
  if (!data) return std::nullopt;
  PublishedKey key;
  key.public_key = string_at(*data, store::kPublicKeyDataKey);
  key.key_id = string_at(*data, store::kKeyIdDataKey);
  const auto bytes = crypto::base64_decode(key.public_key);
  if (!bytes) return std::nullopt;
  const auto public_key = crypto::hpke::public_key_from_bytes(*bytes);
  if (!public_key || store::key_id_hex(crypto::key_id_of(*public_key)) != key.key_id) return std::nullopt;
  std::istringstream accepted{std::string(string_at(*data, store::kAcceptedKeyIdsDataKey))};
  for (std::string id; accepted >> id;) key.accepted_key_ids.push_back(id);
  return key;
}

json::object to_json(const PublishedKey& key) {
  json::array accepted;
  for (const auto& id : key.accepted_key_ids) accepted.emplace_back(id);
  return json::object{{"keyId", key.key_id}, {"publicKey", key.public_key}, {"acceptedKeyIds", std::move(accepted)}};
}

}  // namespace dragops::op::sealing
