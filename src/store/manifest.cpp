#include "store/manifest.hpp"

#include "crypto/envelope.hpp"
#include "store/json_access.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>

namespace dragops::store {
namespace json = boost::json;
using namespace json_access;

namespace {

constexpr std::int64_t kManifestFormat = 1;

bool hidden_from_pods(std::string_view auth_type, std::string_view item) {
  return auth_type == "oauth2" && (item == "refresh_token" || item.starts_with("oauth_"));
}

}  // namespace

bool Manifest::serves(std::string_view item) const { return std::binary_search(served.begin(), served.end(), item); }

std::vector<std::string> served_items(std::string_view auth_type, const Envelopes& envelopes) {
  std::vector<std::string> out;
  for (const auto& [item, envelope] : envelopes)
    if (!hidden_from_pods(auth_type, item)) out.push_back(item);
  return out;   // a std::map's keys: sorted and unique
}

Manifest manifest_of(const Store& store) {
  return Manifest{store.pack,        store.auth_type, store.token_field, store.expires_at, store.obtained_at,
                  served_items(store.auth_type, store.envelopes), store.serial};
}

std::vector<std::uint8_t> seal_manifest(const crypto::Keyring& keyring, const Owner& owner, const Manifest& manifest) {
  json::array served;
  for (const auto& item : manifest.served) served.emplace_back(item);
  json::object body{{"format", kManifestFormat},
                    {"kind", to_string(owner.kind)},
                    {"namespace", owner.namespace_},
                    {"name", owner.name},
                    {"uid", owner.uid},
                    {"pack", manifest.pack},
                    {"authType", manifest.auth_type},
                    {"tokenField", manifest.token_field},
                    {"expiresAt", manifest.expires_at},
                    {"obtainedAt", manifest.obtained_at},
                    {"served", std::move(served)},
                    {"serial", manifest.serial}};
  const auto text = json::serialize(body);
  return crypto::seal(keyring, context_for(owner, kManifestItem),
                      {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

boost::system::result<Manifest, std::string> open_manifest(const crypto::Keyring& keyring, const Owner& owner,
                                                           std::span<const std::uint8_t> envelope) {
  using Result = boost::system::result<Manifest, std::string>;
  if (envelope.empty()) return Failure{"no sealed manifest"};
  auto opened = crypto::open(keyring, context_for(owner, kManifestItem), envelope);
  if (!opened) return Failure{"the manifest does not open: " + std::string(crypto::to_string(opened.error()))};
  boost::system::error_code ec;
  auto parsed = json::parse(opened->view(), ec);
  const auto* body = ec ? nullptr : parsed.if_object();
  if (!body) return Failure{"the manifest is not a JSON object"};
  const auto* format = body->if_contains("format");
  if (!format || !format->is_int64() || format->get_int64() != kManifestFormat) return Failure{"unknown manifest format"};
  // The AAD already binds these; checked again so that a manifest never describes another object.
  if (string_at(*body, "kind") != to_string(owner.kind) || string_at(*body, "namespace") != owner.namespace_ ||
      string_at(*body, "name") != owner.name || string_at(*body, "uid") != owner.uid)
    return Failure{"the manifest names another object"};
  Manifest manifest;
  manifest.pack = std::string(string_at(*body, "pack"));
  manifest.auth_type = std::string(string_at(*body, "authType"));
  manifest.token_field = std::string(string_at(*body, "tokenField"));
  manifest.expires_at = std::string(string_at(*body, "expiresAt"));
  manifest.obtained_at = std::string(string_at(*body, "obtainedAt"));
  const auto* served = body->if_contains("served");
  if (!served || !served->is_array()) return Failure{"the manifest has no served list"};
  for (const auto& item : served->get_array()) {
    if (!item.is_string()) return Failure{"the manifest's served list holds a non-string"};
    manifest.served.emplace_back(item.get_string());
  }
  std::sort(manifest.served.begin(), manifest.served.end());
  manifest.served.erase(std::unique(manifest.served.begin(), manifest.served.end()), manifest.served.end());
  const auto* serial = body->if_contains("serial");
  if (serial && serial->is_uint64()) manifest.serial = serial->get_uint64();
  else if (serial && serial->is_int64() && serial->get_int64() >= 0) manifest.serial = static_cast<std::uint64_t>(serial->get_int64());
  else return Failure{"the manifest has no serial"};
  return Result(boost::system::in_place_value, std::move(manifest));
}

boost::system::result<Manifest, OpenFailure> authenticate(Store& store, const crypto::Keyring& keyring) {
  auto manifest = open_manifest(keyring, store.owner, store.manifest);
  if (!manifest) return {boost::system::in_place_error, OpenFailure{std::string(kManifestItem), manifest.error()}};
  store.pack = manifest->pack;
  store.auth_type = manifest->auth_type;
  store.expires_at = manifest->expires_at;
  store.obtained_at = manifest->obtained_at;
  store.token_field = manifest->token_field;
  store.serial = manifest->serial;
  return std::move(*manifest);
}

std::uint64_t next_serial(std::uint64_t previous) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  return std::max<std::uint64_t>(previous + 1, now > 0 ? static_cast<std::uint64_t>(now) : 0);
}

std::string controller_uid(const json::object& secret, Kind kind) {
  const auto* metadata = object_at(secret, "metadata");
  const auto* references = metadata ? metadata->if_contains("ownerReferences") : nullptr;
  if (!references || !references->is_array()) return {};
  for (const auto& reference : references->get_array()) {
    const auto* r = reference.if_object();
    if (!r) continue;
    const auto* controller = r->if_contains("controller");
    if (!controller || !controller->is_bool() || !controller->get_bool()) continue;
    if (string_at(*r, "apiVersion") != kGroupVersion || string_at(*r, "kind") != to_string(kind)) return {};
    return std::string(string_at(*r, "uid"));
  }
  return {};
}

}  // namespace dragops::store
