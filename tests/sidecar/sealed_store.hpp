#pragma once
// Store objects for the sidecar's tests, as the operator writes them (store::build_store_object):
// one envelope per item and the sealed manifest. The annotations dragops.io/pack, auth-type,
// expires-at and token-field become the manifest's fields (and stay as annotations, which the
// sidecar must not trust); any other annotation (dragops.io/revoked) is kept as it is.

#include "store_cache.hpp"

#include "store/manifest.hpp"
#include "store/store_object.hpp"

#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace dragops::sidecar::testing {

inline boost::json::object sealed_store(const crypto::Keyring& ring, Kind kind, const std::string& name,
                                        const std::vector<std::pair<std::string, std::string>>& items,
                                        const boost::json::object& annotations = {}, std::uint64_t serial = 1,
                                        std::string uid = {}, std::string obtained_at = {}) {
  namespace json = boost::json;
  auto text = [&](std::string_view key) {
    const auto* value = annotations.if_contains(key);
    return value && value->is_string() ? std::string(value->get_string()) : std::string();
  };
  store::Store s;
  s.owner = {kind == Kind::connection ? store::Kind::connection : store::Kind::secret, "team-a", name,
             uid.empty() ? "uid-" + name : std::move(uid)};
  s.key_version = ring.primary();
  s.pack = text("dragops.io/pack");
  s.auth_type = text("dragops.io/auth-type");
  s.expires_at = text("dragops.io/expires-at");
  s.token_field = text("dragops.io/token-field");
  s.serial = serial;
  s.obtained_at = std::move(obtained_at);
  store::Plaintexts values;
  for (const auto& [item, value] : items) values.emplace(item, crypto::SecretBytes::from_string(value));
  s.envelopes = store::seal_items(ring, s.owner, values);
  auto object = store::build_store_object(s, ring);
  auto& out = object["metadata"].as_object()["annotations"].as_object();
  for (const auto& [key, value] : annotations) out[key] = value;
  return object;
}

}  // namespace dragops::sidecar::testing
