#include "store/store_object.hpp"

#include "crypto/base64.hpp"
#include "store/manifest.hpp"
#include "store/json_access.hpp"

#include <charconv>

namespace dragops::store {
namespace json = boost::json;
using namespace json_access;

namespace {

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

boost::system::result<OpenedConnection, OpenFailure> failed_connection(std::string item, std::string message) {
  return {boost::system::in_place_error, OpenFailure{std::move(item), std::move(message)}};
}

}  // namespace

crypto::Context context_for(const Owner& owner, std::string_view item) {
  return crypto::Context{owner.namespace_, std::string(to_string(owner.kind)), owner.name, owner.uid, std::string(item)};
}

Envelopes seal_items(const crypto::Keyring& keyring, const Owner& owner, const Plaintexts& values) {
  Envelopes out;
  for (const auto& [item, value] : values) out.emplace(item, crypto::seal(keyring, context_for(owner, item), value.span()));
  return out;
}

json::object build_store_object(const Store& store, const crypto::Keyring& keyring) {
  json::object labels{{kManagedByLabel, kManagedByValue},
                      {kKindLabel, to_string(store.owner.kind)},
                      {kNameLabel, store.owner.name}};
  json::object annotations{{kUidAnnotation, store.owner.uid},
                           {kKeyVersionAnnotation, std::to_string(store.key_version)},
                           {kGenerationAnnotation, std::to_string(store.generation)}};
  if (!store.pack.empty()) annotations[kPackAnnotation] = store.pack;
  if (!store.auth_type.empty()) annotations[kAuthTypeAnnotation] = store.auth_type;
  if (!store.expires_at.empty()) annotations[kExpiresAtAnnotation] = store.expires_at;
  if (!store.token_field.empty()) annotations[kTokenFieldAnnotation] = store.token_field;

  json::object owner_reference{{"apiVersion", kGroupVersion},
                               {"kind", to_string(store.owner.kind)},
                               {"name", store.owner.name},
                               {"uid", store.owner.uid},
                               {"controller", true},
                               {"blockOwnerDeletion", true}};
  json::object data;
  const auto prefix = item_prefix(store.owner.kind);
  for (const auto& [item, envelope] : store.envelopes)
    data[std::string(prefix) + item] = crypto::base64_encode(envelope);
  data[kManifestDataKey] = crypto::base64_encode(seal_manifest(keyring, store.owner, manifest_of(store)));

  return json::object{{"apiVersion", "v1"},
                      {"kind", "Secret"},
                      {"metadata", json::object{{"name", store_name(store.owner.kind, store.owner.name)},
                                                {"namespace", store.owner.namespace_},
                                                {"labels", std::move(labels)},
                                                {"annotations", std::move(annotations)},
                                                {"ownerReferences", json::array{std::move(owner_reference)}}}},
                      {"type", kSealedType},
                      {"data", std::move(data)}};
}

boost::system::result<Store, std::string> parse_store(const json::object& secret) {
  if (string_at(secret, "type") != kSealedType) return Failure{"type is not " + std::string(kSealedType)};
  Store store;
  if (!kind_from_string(label(secret, kKindLabel), store.owner.kind))
    return Failure{"label " + std::string(kKindLabel) + " is not Connection or Secret"};
  store.owner.namespace_ = meta_string(secret, "namespace");
  store.owner.name = label(secret, kNameLabel);
  // Not the dragops.io/uid annotation (informational): the controller ownerReference, whose
  // owner the garbage collector checks.
  store.owner.uid = controller_uid(secret, store.owner.kind);
  if (store.owner.name.empty()) return Failure{"label " + std::string(kNameLabel) + " is missing"};
  if (store.owner.uid.empty()) return Failure{"no controller ownerReference to a dragops.io " + std::string(to_string(store.owner.kind))};
  if (!parse_int(annotation(secret, kKeyVersionAnnotation), store.key_version))
    return Failure{"annotation " + std::string(kKeyVersionAnnotation) + " is not a version number"};
  if (auto generation = annotation(secret, kGenerationAnnotation); !generation.empty())
    if (!parse_int(generation, store.generation))
      return Failure{"annotation " + std::string(kGenerationAnnotation) + " is not a number"};
  store.pack = annotation(secret, kPackAnnotation);
  store.auth_type = annotation(secret, kAuthTypeAnnotation);
  store.expires_at = annotation(secret, kExpiresAtAnnotation);

  const auto prefix = item_prefix(store.owner.kind);
  if (const auto* data = object_at(secret, "data")) {
    for (const auto& [key, value] : *data) {
      if (key == kManifestDataKey) {
        const auto* text = value.if_string();
        auto bytes = text ? crypto::base64_decode(*text) : std::nullopt;
        if (!bytes) return Failure{"data key " + std::string(key) + " is not base64"};
        store.manifest = std::move(*bytes);
        continue;
      }
      if (!key.starts_with(prefix)) continue;   // tolerate keys added by others
      const auto* text = value.if_string();
      auto bytes = text ? crypto::base64_decode(*text) : std::nullopt;
      if (!bytes) return Failure{"data key " + std::string(key) + " is not base64"};
      store.envelopes.emplace(std::string(key.substr(prefix.size())), std::move(*bytes));
    }
  }
  return store;
}

boost::system::result<Plaintexts, OpenFailure> open_items(const Store& store, const crypto::Keyring& keyring) {
  Plaintexts out;
  for (const auto& [item, envelope] : store.envelopes) {
    auto opened = crypto::open(keyring, context_for(store.owner, item), envelope);
    if (!opened)
      return {boost::system::in_place_error, OpenFailure{item, std::string(crypto::to_string(opened.error()))}};
    out.emplace(item, std::move(*opened));
  }
  return out;
}

boost::system::result<OpenedConnection, OpenFailure> open_connection(const json::object& secret,
                                                                     const crypto::Keyring& keyring) {
  auto store = parse_store(secret);
  if (!store) return failed_connection("", store.error());
  if (store->owner.kind != Kind::connection) return failed_connection("", "not a Connection store");
  if (auto manifest = authenticate(*store, keyring); !manifest) return {boost::system::in_place_error, manifest.error()};
  auto fields = open_items(*store, keyring);
  if (!fields) return {boost::system::in_place_error, fields.error()};
  return OpenedConnection{store->owner.name, store->pack, store->auth_type, std::move(*fields), store->expires_at};
}

boost::system::result<OpenedSecret, OpenFailure> open_secret(const json::object& secret, const crypto::Keyring& keyring,
                                                             std::string_view environment) {
  auto fail = [](std::string item, std::string message) -> boost::system::result<OpenedSecret, OpenFailure> {
    return {boost::system::in_place_error, OpenFailure{std::move(item), std::move(message)}};
  };
  auto store = parse_store(secret);
  if (!store) return fail("", store.error());
  if (store->owner.kind != Kind::secret) return fail("", "not a Secret store");
  auto manifest = authenticate(*store, keyring);
  if (!manifest) return fail(manifest.error().item, manifest.error().message);
  auto it = store->envelopes.find(environment);
  if (it == store->envelopes.end() || !manifest->serves(environment))
    return fail(std::string(environment), "no value for this environment");
  auto value = crypto::open(keyring, context_for(store->owner, environment), it->second);
  if (!value) return fail(std::string(environment), std::string(crypto::to_string(value.error())));
  return OpenedSecret{store->owner.name, std::string(environment), std::move(*value)};
}

}  // namespace dragops::store
