#pragma once
// The key objects: the root key Secret, the authoritative per-namespace data key ring (sealed
// under the root ring, in the operator's namespace), and its projected plaintext copy that is
// mounted into sidecars of that namespace.

#include "crypto/envelope.hpp"
#include "crypto/keyring.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace dragops::store {

// Secret dragops-root-key (type dragops.io/root-key), data.keyring = the serialised root ring.
boost::json::object build_root_key_secret(std::string_view operator_namespace, const crypto::Keyring& root);

// Reads data.keyring of a root-key or projected Secret as a plaintext serialised ring.
boost::system::result<crypto::Keyring, std::string> load_plain_keyring(const boost::json::object& secret);

// The AAD of the authoritative ring of app_namespace.
crypto::Context keyring_context(std::string_view operator_namespace, std::string_view app_namespace,
                                std::string_view root_uid);

// Secret dragops-keyring-<app ns> in the operator namespace, data.keyring = envelope.
boost::json::object build_authoritative_keyring_secret(std::string_view operator_namespace,
                                                       std::string_view app_namespace, std::string_view root_uid,
                                                       const crypto::Keyring& root, const crypto::Keyring& data);
boost::system::result<crypto::Keyring, std::string> open_authoritative_keyring(const boost::json::object& secret,
                                                                               std::string_view app_namespace,
                                                                               std::string_view root_uid,
                                                                               const crypto::Keyring& root);

// Secret dragops-data-keys in app_namespace, data.keyring = the serialised ring in plaintext.
boost::json::object build_projected_keyring_secret(std::string_view app_namespace, const crypto::Keyring& data);

// Wipes the base64 key material inside a built key Secret before it is dropped.
void wipe_data(boost::json::object& secret);

}  // namespace dragops::store
