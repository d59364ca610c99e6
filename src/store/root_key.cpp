#include "store/root_key.hpp"

#include "crypto/base64.hpp"
#include "crypto/secret_bytes.hpp"
#include "store/json_access.hpp"
#include "store/keyring_objects.hpp"
#include "store/names.hpp"

namespace dragops::store {
namespace json = boost::json;
using namespace json_access;

namespace {

std::string_view data_string(const json::object& secret, std::string_view key) {
  const auto* data = object_at(secret, "data");
  return data ? string_at(*data, key) : std::string_view{};
}

std::string describe(const crypto::KeyWrapperInfo& info) {
  return "PKCS#11 key \"" + info.key + "\" on token \"" + info.token + "\"";
}

}  // namespace

RootKeyForm root_key_form(const json::object& secret) {
  const bool plain = !data_string(secret, kKeyringDataKey).empty();
  const bool wrapped = !data_string(secret, kWrappedKeyringDataKey).empty();
  if (plain == wrapped) return RootKeyForm::invalid;
  return plain ? RootKeyForm::plain : RootKeyForm::wrapped;
}

crypto::KeyWrapperInfo root_key_wrapping(const json::object& secret) {
  return crypto::KeyWrapperInfo{std::string(annotation(secret, kRootKeyWrappingAnnotation)),
                                std::string(annotation(secret, kPkcs11MechanismAnnotation)),
                                std::string(annotation(secret, kPkcs11TokenAnnotation)),
                                std::string(annotation(secret, kPkcs11KeyAnnotation))};
}

std::vector<std::uint8_t> root_key_aad(std::string_view operator_namespace) {
  const std::string text = "dragops.io/root-key/v1\n" + std::string(operator_namespace);
  return {text.begin(), text.end()};
}

boost::system::result<json::object, std::string> build_root_key(std::string_view operator_namespace,
                                                                const crypto::Keyring& ring,
                                                                crypto::KeyWrapper* wrapper) {
  if (!wrapper) return build_root_key_secret(operator_namespace, ring);
  const auto serialised = ring.serialise();
  auto wrapped = wrapper->wrap(serialised.span(), root_key_aad(operator_namespace));
  if (!wrapped) return Failure{"the root key cannot be wrapped: " + wrapped.error()};
  const auto info = wrapper->info();
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata", json::object{{"name", kRootKeyName},
                                {"namespace", operator_namespace},
                                {"labels", json::object{{kManagedByLabel, kManagedByValue}}},
                                {"annotations", json::object{{kRootKeyWrappingAnnotation, info.scheme},
                                                             {kPkcs11MechanismAnnotation, info.mechanism},
                                                             {kPkcs11TokenAnnotation, info.token},
                                                             {kPkcs11KeyAnnotation, info.key}}}}},
      {"type", kRootKeyType},
      {"data", json::object{{kWrappedKeyringDataKey, crypto::base64_encode(*wrapped)}}}};
}

boost::system::result<crypto::Keyring, std::string> load_root_key(const json::object& secret,
                                                                  crypto::KeyWrapper* wrapper) {
  switch (root_key_form(secret)) {
    case RootKeyForm::invalid:
      return Failure{"the root key Secret must hold exactly one of data.keyring (plain) and data.wrappedKeyring (PKCS#11)"};
    case RootKeyForm::plain:
      return load_plain_keyring(secret);
    case RootKeyForm::wrapped: break;
  }
  const auto recorded = root_key_wrapping(secret);
  if (!wrapper)
    return Failure{"the root key is wrapped by " + describe(recorded) +
                   "; start the operator with --pkcs11-module, --pkcs11-token-label and --pkcs11-key-label"};
  const auto bytes = crypto::base64_decode(data_string(secret, kWrappedKeyringDataKey));
  if (!bytes) return Failure{"data.wrappedKeyring is not base64"};
  auto serialised = wrapper->unwrap(*bytes, root_key_aad(meta_string(secret, "namespace")));
  if (!serialised) {
    std::string note;
    if (!recorded.key.empty() && recorded.key != wrapper->info().key) note = " (it was wrapped by " + describe(recorded) + ")";
    return Failure{"the root key " + serialised.error() + note};
  }
  auto ring = crypto::Keyring::load(serialised->view());
  if (!ring) return Failure{"the unwrapped root key: " + ring.error()};
  return std::move(*ring);
}

}  // namespace dragops::store
