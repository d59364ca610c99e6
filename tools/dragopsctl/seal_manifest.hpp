#pragma once
// Manifests with plaintext in, sealed manifests out (safe to commit), for dragopsctl seal -f and
// kubectl dragops create. A plaintext credential of a Connection is written as
// spec.credentials.<field> and of a dragops Secret as spec.environments.<env>.value; each becomes
// spec.sealedCredentials.<field> / spec.environments.<env>.sealedValue, sealed to the cluster's
// public key and bound to the document's namespace, kind, name and field or environment.
// Errors name the document and the field, never a value.

#include "crypto/hpke.hpp"
#include "crypto/secret_bytes.hpp"
#include "store/names.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::dragopsctl {

struct SealedManifests {
  std::string text;                  // YAML, documents separated by ---
  std::size_t values = 0;            // values sealed
  std::vector<std::string> notes;    // what was passed through unchanged, and why
};

// default_namespace: for documents without metadata.namespace ("" : they must name one); it is
// written into them, since the sealed values are bound to it.
boost::system::result<SealedManifests, std::string> seal_manifests(std::string_view yaml,
                                                                   const crypto::hpke::PublicKey& key,
                                                                   std::string_view default_namespace);

// A new Connection (pack set) or dragops Secret (pack empty) whose values are sealed.
struct NewResource {
  store::Kind kind = store::Kind::connection;
  std::string namespace_;
  std::string name;
  std::string pack;                                                // Connection only
  std::map<std::string, crypto::SecretBytes, std::less<>> values;   // field or environment -> plaintext
};
boost::system::result<boost::json::object, std::string> sealed_resource(const NewResource& resource,
                                                                        const crypto::hpke::PublicKey& key);

// YAML text of a JSON object (one document, no leading ---).
std::string to_yaml(const boost::json::object& object);

}  // namespace dragops::dragopsctl
