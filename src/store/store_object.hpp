#pragma once
// The store object: a core/v1 Secret of type dragops.io/sealed holding one envelope per value of
// a Connection (data "field.<name>") or a dragops Secret (data "env.<environment>"), and the
// sealed manifest (data "manifest", store/manifest.hpp) that authenticates what decides serving.
// Built from sealed envelopes, parsed back, and opened with the namespace's data key ring. The
// owner UID (the AAD's) is read from the controller ownerReference, never from an annotation.

#include "crypto/envelope.hpp"
#include "crypto/keyring.hpp"
#include "crypto/secret_bytes.hpp"
#include "store/names.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dragops::store {

// The custom resource a store belongs to; with an item it is the envelope's AAD context.
struct Owner {
  Kind kind = Kind::connection;
  std::string namespace_;
  std::string name;
  std::string uid;

  friend bool operator==(const Owner&, const Owner&) = default;
};

crypto::Context context_for(const Owner& owner, std::string_view item);

using Envelopes = std::map<std::string, std::vector<std::uint8_t>, std::less<>>;
using Plaintexts = std::map<std::string, crypto::SecretBytes, std::less<>>;

struct Store {
  Owner owner;
  std::uint32_t key_version = 0;   // the primary the envelopes were sealed with
  // pack, auth_type and expires_at are written both as annotations (informational, for kubectl)
  // and into the sealed manifest; parse_store reads the annotations, authenticate() (manifest.hpp)
  // replaces them with the manifest's. token_field and serial live in the manifest only.
  std::string pack;                // connections
  std::string auth_type;           // connections
  std::string expires_at;          // oauth2 connections, RFC 3339
  std::string obtained_at;         // oauth2 connections, RFC 3339 ("" : unknown); manifest only
  std::string token_field;         // connections: the item /token serves
  std::uint64_t serial = 0;        // grows with every write (next_serial)
  std::int64_t generation = 0;     // the CR generation sealed
  Envelopes envelopes;             // by item (field name or environment)
  std::vector<std::uint8_t> manifest;   // parse_store: the sealed manifest as read ("" : none)
};

// Seals every value under the ring's primary, bound to owner and item.
Envelopes seal_items(const crypto::Keyring& keyring, const Owner& owner, const Plaintexts& values);

// The full core Secret object (metadata with labels, annotations, ownerReference; type; data),
// with a manifest sealed under the ring's primary from the store's fields (manifest_of).
boost::json::object build_store_object(const Store& store, const crypto::Keyring& keyring);
// The error names what is wrong (missing label, bad base64 in data key X, ...), never a value.
boost::system::result<Store, std::string> parse_store(const boost::json::object& secret);

struct OpenFailure {
  std::string item;              // which envelope, "" for the object itself
  std::string message;
};

// Opens every envelope; fails on the first that does not open.
boost::system::result<Plaintexts, OpenFailure> open_items(const Store& store, const crypto::Keyring& keyring);

// What the sidecar serves (operator-side tools and tests: every item, and the metadata the
// manifest authenticates; a store without a manifest that opens does not open).
struct OpenedConnection {
  std::string name;
  std::string pack;
  std::string auth_type;
  Plaintexts fields;
  std::string expires_at;
};
struct OpenedSecret {
  std::string name;
  std::string environment;
  crypto::SecretBytes value;
};

boost::system::result<OpenedConnection, OpenFailure> open_connection(const boost::json::object& secret,
                                                                     const crypto::Keyring& keyring);
// OpenFailure with item == environment and message "no value for this environment" if absent.
boost::system::result<OpenedSecret, OpenFailure> open_secret(const boost::json::object& secret,
                                                             const crypto::Keyring& keyring,
                                                             std::string_view environment);

}  // namespace dragops::store
