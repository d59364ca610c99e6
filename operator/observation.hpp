#pragma once
// What a reconcile pass observed about one Connection or dragops Secret: the resource itself,
// its pack, the core Secrets it references, the existing store (opened), and the key state.
// Gathered by observe.cpp from the informer caches and the key manager; consumed by decide.

#include "crypto/keyring.hpp"
#include "operator/status.hpp"
#include "packs/pack.hpp"
#include "packs/validate.hpp"
#include "store/sealed_input.hpp"
#include "store/store_object.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dragops::op {

// The parts of a Connection/Secret that every decision needs.
struct Resource {
  store::Owner owner;
  std::int64_t generation = 0;
  bool deleting = false;        // metadata.deletionTimestamp set
  bool has_finalizer = false;
  bool revoked = false;
  Status status;
};

struct SecretKeyRef {
  std::string name;
  std::string key;
};

// Sealed input as written in the spec: item -> the sealed value's base64 text (ciphertext).
using SealedTexts = std::map<std::string, std::string, std::less<>>;

struct ConnectionSpec {
  std::string pack;
  std::string credentials_ref;   // "" : absent
  std::string client_ref;        // spec.oauth.clientRef.name, "" : absent
  std::vector<std::string> scopes;   // spec.oauth.scopes
  SealedTexts sealed_credentials;    // spec.sealedCredentials: field (or token item) -> sealed value
};

struct SecretSpec {
  // Every environment with a secretKeyRef (or with no source at all: an empty ref).
  std::map<std::string, SecretKeyRef> environments;
  SealedTexts sealed_values;         // environment -> spec.environments.<env>.sealedValue
};

// Parses what decide needs; the error names the path ("spec.pack is missing").
boost::system::result<Resource, std::string> parse_resource(const boost::json::object& object, store::Kind kind);
ConnectionSpec parse_connection_spec(const boost::json::object& object);
SecretSpec parse_secret_spec(const boost::json::object& object);
// Names of the core Secrets a resource references (the "referenced by" index).
std::vector<std::string> referenced_secrets(const boost::json::object& object, store::Kind kind);
// Every sealed value in a resource's spec (for the sealing keys still in use).
std::vector<std::string> sealed_input_texts(const boost::json::object& object, store::Kind kind);

// A core Secret's data, decoded (nullopt in the map: the Secret does not exist).
using SecretData = packs::Values;
using ReferencedSecrets = std::map<std::string, std::optional<SecretData>, std::less<>>;
// Decodes data (base64) and stringData of a core Secret.
SecretData decode_secret_data(const boost::json::object& secret);

struct ExistingStore {
  store::Store store;                        // pack, auth type, expiry: the manifest's once it opened
  std::string token_field;                  // from the sealed manifest
  std::optional<store::Plaintexts> opened;   // nullopt: it does not open with the current ring
  // The sealed manifest is missing (an older operator wrote the store) or does not open: the
  // next write re-seals it, so the store is never kept as it is.
  bool unauthenticated = false;
};

struct KeyState {
  std::optional<std::uint32_t> primary;   // nullopt: the namespace's ring is unavailable
  std::string problem;                    // why, when unavailable
};

struct PackLookup {
  std::optional<packs::Pack> pack;
  std::string problem;                    // "IntegrationPack \"x\" not found" or its parse error
};

// For an oauth2 Connection without tokens: the URL to open (state signed and bound to the
// UID), or why there is none yet (no client Secret, no callback configured).
struct AuthorizationOffer {
  std::string url;
  std::string problem;
  std::optional<std::chrono::seconds> renew_after;   // the state expires: issue a new URL then
};

// oauth2 with tokens: what the operator's refresher found (operator/oauth_refresher.hpp).
struct RefreshObservation {
  bool ok = true;                 // Refreshed=True
  std::string reason;             // Refreshed, RefreshFailed, ReauthorizationRequired, ...
  std::string message;            // no token values
  std::optional<std::chrono::milliseconds> next_check;
};

// Sealed input after opening: each item's plaintext, or why it did not open (never a value).
using OpenedInput = boost::system::result<crypto::SecretBytes, store::SealedInputFailure>;
using SealedInputs = std::map<std::string, OpenedInput, std::less<>>;

struct ConnectionObservation {
  Resource resource;
  ConnectionSpec spec;
  PackLookup pack;
  ReferencedSecrets secrets;
  std::optional<ExistingStore> store;
  KeyState keys;
  std::string now;                        // RFC 3339, from the clock
  AuthorizationOffer authorization;       // oauth2 without tokens only
  std::optional<RefreshObservation> refresh;   // oauth2 with tokens, when the operator refreshes
  SealedInputs sealed;                    // spec.sealedCredentials, opened
  std::string sealing_problem;            // why sealed input could not be opened at all (no key loaded)
};

struct SecretObservation {
  Resource resource;
  SecretSpec spec;
  ReferencedSecrets secrets;
  std::optional<ExistingStore> store;
  KeyState keys;
  std::string now;
  SealedInputs sealed;                    // spec.environments.<env>.sealedValue, opened
  std::string sealing_problem;
};

}  // namespace dragops::op
