#pragma once
// The sealing keys' two objects in the operator's namespace:
//   - Secret dragops-sealing-keys (type dragops.io/sealing-keys): data.keys = the serialised key
//     set as an envelope sealed under the root ring (AAD: operator namespace, kind SealingKeys,
//     name dragops-sealing-keys, the root-key Secret's UID, item keys), like the data-key rings;
//   - ConfigMap dragops-sealing-key: the newest public key, its id, and the ids still accepted.

#include "crypto/envelope.hpp"
#include "crypto/keyring.hpp"
#include "operator/sealing/sealing_key_set.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::op::sealing {

crypto::Context sealing_keys_context(std::string_view operator_namespace, std::string_view root_uid);

boost::json::object build_sealing_keys_secret(std::string_view operator_namespace, std::string_view root_uid,
                                              const crypto::Keyring& root, const SealingKeySet& keys);
boost::system::result<SealingKeySet, std::string> open_sealing_keys_secret(const boost::json::object& secret,
                                                                           std::string_view root_uid,
                                                                           const crypto::Keyring& root);

// What is published: the key to seal to, and every key id the operator still opens.
struct PublishedKey {
  std::string key_id;                         // of the newest key, 16 hex digits
  std::string public_key;                     // base64 of the 65-byte uncompressed point
  std::vector<std::string> accepted_key_ids;  // newest first

  friend bool operator==(const PublishedKey&, const PublishedKey&) = default;
};

PublishedKey published_key(const SealingKeySet& keys);
boost::json::object build_public_key_config_map(std::string_view operator_namespace, const PublishedKey& key);
// nullopt when the ConfigMap lacks a field or its public key does not match its id.
std::optional<PublishedKey> parse_public_key_config_map(const boost::json::object& config_map);
// The body of GET /v1/sealing-key: {"keyId", "publicKey", "acceptedKeyIds": [...]}.
boost::json::object to_json(const PublishedKey& key);

}  // namespace dragops::op::sealing
