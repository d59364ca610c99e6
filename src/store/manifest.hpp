#pragma once
// The sealed manifest of a store object (docs/envelope.md, "The manifest"): everything that
// decides what a sidecar serves, authenticated by the same keys as the values. A store object's
// labels and annotations can be changed by anyone who may write the object; the manifest cannot
// be changed or forged without the namespace's data key. The sidecar trusts only it:
//
//   pack, authType        shown in the answer
//   tokenField            the item /token serves
//   expiresAt             oauth2: when the access token expires (never served after)
//   obtainedAt            oauth2: when it was issued ("" : unknown), for the refresh schedule
//   served                the items that may be served at all (never refresh_token or the sealed
//                         OAuth client oauth_*)
//   serial                grows with every write (milliseconds since the epoch, at least the
//                         previous serial + 1): a sidecar refuses a store older than one it saw
//
// It is sealed as the item "dragops.io/manifest" (a name no field or environment can have: data
// keys cannot hold '/') under the object's own AAD context, so it opens only for that namespace,
// kind, name and owner UID. The UID is the one the object's controller ownerReference names:
// the garbage collector deletes a store whose owner of that UID is gone.

#include "store/store_object.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::store {

inline constexpr std::string_view kManifestDataKey = "manifest";
inline constexpr std::string_view kManifestItem = "dragops.io/manifest";

struct Manifest {
  std::string pack;
  std::string auth_type;
  std::string token_field;
  std::string expires_at;
  std::string obtained_at;
  std::vector<std::string> served;   // sorted, unique
  std::uint64_t serial = 0;

  bool serves(std::string_view item) const;
  friend bool operator==(const Manifest&, const Manifest&) = default;
};

// The items a store serves: every item it holds, except, for oauth2, the refresh token and the
// sealed OAuth client (items oauth_*), which only the operator's refresher reads.
std::vector<std::string> served_items(std::string_view auth_type, const Envelopes& envelopes);

// The manifest a write of this store seals (served computed from its envelopes).
Manifest manifest_of(const Store& store);

std::vector<std::uint8_t> seal_manifest(const crypto::Keyring& keyring, const Owner& owner, const Manifest& manifest);
// The error names what is wrong (does not open, not JSON, a member missing), never a value.
boost::system::result<Manifest, std::string> open_manifest(const crypto::Keyring& keyring, const Owner& owner,
                                                           std::span<const std::uint8_t> envelope);

// Opens store.manifest and replaces what parse_store read from annotations (pack, auth type,
// expiry) with what the manifest authenticates; sets token_field and serial. OpenFailure item is
// kManifestItem.
boost::system::result<Manifest, OpenFailure> authenticate(Store& store, const crypto::Keyring& keyring);

// A serial greater than previous: the wall clock in milliseconds, or previous + 1.
std::uint64_t next_serial(std::uint64_t previous);

// The uid of the object's controller ownerReference of this kind (apiVersion dragops.io), ""
// if there is none.
std::string controller_uid(const boost::json::object& secret, Kind kind);

}  // namespace dragops::store
