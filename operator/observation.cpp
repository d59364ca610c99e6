#include "operator/observation.hpp"

#include "crypto/base64.hpp"
#include "operator/reasons.hpp"
#include "store/json_access.hpp"

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

boost::system::result<Resource, std::string> parse_resource(const json::object& object, store::Kind kind) {
  const auto* metadata = object_at(object, "metadata");
  if (!metadata) return {boost::system::in_place_error, std::string("metadata is missing")};
  Resource resource;
  resource.owner = {kind, std::string(string_at(*metadata, "namespace")), std::string(string_at(*metadata, "name")),
                    std::string(string_at(*metadata, "uid"))};
  if (resource.owner.name.empty() || resource.owner.uid.empty())
    return {boost::system::in_place_error, std::string("metadata.name or metadata.uid is missing")};
  if (auto it = metadata->find("generation"); it != metadata->end() && it->value().is_int64())
    resource.generation = it->value().get_int64();
  resource.deleting = !string_at(*metadata, "deletionTimestamp").empty();
  if (auto it = metadata->find("finalizers"); it != metadata->end() && it->value().is_array())
    for (const auto& f : it->value().get_array())
      if (f.is_string() && f.get_string() == kFinalizer) resource.has_finalizer = true;
  if (const auto* spec = object_at(object, "spec"))
    if (auto it = spec->find("revoked"); it != spec->end() && it->value().is_bool()) resource.revoked = it->value().get_bool();
  resource.status = parse_status(object);
  return resource;
}

ConnectionSpec parse_connection_spec(const json::object& object) {
  ConnectionSpec spec;
  const auto* s = object_at(object, "spec");
  if (!s) return spec;
  spec.pack = string_at(*s, "pack");
  if (const auto* ref = object_at(*s, "credentialsRef")) spec.credentials_ref = string_at(*ref, "name");
  if (const auto* oauth = object_at(*s, "oauth")) {
    if (const auto* ref = object_at(*oauth, "clientRef")) spec.client_ref = string_at(*ref, "name");
    if (auto it = oauth->find("scopes"); it != oauth->end() && it->value().is_array())
      for (const auto& scope : it->value().get_array())
        if (scope.is_string()) spec.scopes.emplace_back(scope.get_string());
  }
  if (const auto* sealed = object_at(*s, "sealedCredentials"))
    for (const auto& [item, value] : *sealed)
      if (const auto* text = value.if_string()) spec.sealed_credentials.emplace(std::string(item), std::string(*text));
  return spec;
}

SecretSpec parse_secret_spec(const json::object& object) {
  SecretSpec spec;
  const auto* s = object_at(object, "spec");
  const auto* environments = s ? object_at(*s, "environments") : nullptr;
  if (!environments) return spec;
  for (const auto& [environment, source] : *environments) {
    const auto* source_object = source.if_object();
    const auto* ref = source_object ? object_at(*source_object, "secretKeyRef") : nullptr;
    const auto* sealed = source_object ? source_object->if_contains("sealedValue") : nullptr;
    if (sealed && sealed->is_string()) spec.sealed_values.emplace(std::string(environment), std::string(sealed->get_string()));
    if (sealed && !ref) continue;
    SecretKeyRef key_ref;
    if (ref) key_ref = {std::string(string_at(*ref, "name")), std::string(string_at(*ref, "key"))};
    spec.environments.emplace(std::string(environment), std::move(key_ref));
  }
  return spec;
}

std::vector<std::string> referenced_secrets(const json::object& object, store::Kind kind) {
  std::vector<std::string> names;
  if (kind == store::Kind::connection) {
    auto spec = parse_connection_spec(object);
    if (!spec.credentials_ref.empty()) names.push_back(spec.credentials_ref);
    if (!spec.client_ref.empty() && spec.client_ref != spec.credentials_ref) names.push_back(spec.client_ref);
  } else {
    for (auto& [environment, ref] : parse_secret_spec(object).environments)
      if (!ref.name.empty() && std::find(names.begin(), names.end(), ref.name) == names.end()) names.push_back(ref.name);
  }
  return names;
}

std::vector<std::string> sealed_input_texts(const json::object& object, store::Kind kind) {
  SealedTexts sealed = kind == store::Kind::connection ? std::move(parse_connection_spec(object).sealed_credentials)
                                                       : std::move(parse_secret_spec(object).sealed_values);
  std::vector<std::string> texts;
  for (auto& [item, text] : sealed) texts.push_back(std::move(text));
  return texts;
}

SecretData decode_secret_data(const json::object& secret) {
  SecretData out;
  if (const auto* data = object_at(secret, "data")) {
    for (const auto& [key, value] : *data) {
      const auto* text = value.if_string();
      if (!text) continue;
      if (auto bytes = crypto::base64_decode_secret(*text)) out.insert_or_assign(std::string(key), std::move(*bytes));
    }
  }
  // stringData is write-only on a real server; honoured for servers that echo it.
  if (const auto* string_data = object_at(secret, "stringData")) {
    for (const auto& [key, value] : *string_data)
      if (const auto* text = value.if_string())
        out.insert_or_assign(std::string(key), crypto::SecretBytes::from_string(*text));
  }
  return out;
}

}  // namespace dragops::op
