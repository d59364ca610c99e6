#pragma once
// The root key Secret (dragops-root-key, type dragops.io/root-key) in its two forms:
//   - plain: data.keyring = the serialised root ring (whoever reads the Secret holds the key);
//   - wrapped: data.wrappedKeyring = the ring wrapped by a key held elsewhere (a PKCS#11 token,
//     crypto::KeyWrapper), bound to the operator's namespace; annotations say what wrapped it
//     (dragops.io/root-key-wrapping: pkcs11, dragops.io/pkcs11-token, dragops.io/pkcs11-key,
//     dragops.io/pkcs11-mechanism). Which data key is present decides the form, so an edited
//     annotation cannot make the operator read wrapped bytes as a key or the other way round.

#include "crypto/key_wrapper.hpp"
#include "crypto/keyring.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::store {

inline constexpr std::string_view kWrappedKeyringDataKey = "wrappedKeyring";
inline constexpr std::string_view kRootKeyWrappingAnnotation = "dragops.io/root-key-wrapping";
inline constexpr std::string_view kPkcs11TokenAnnotation = "dragops.io/pkcs11-token";
inline constexpr std::string_view kPkcs11KeyAnnotation = "dragops.io/pkcs11-key";
inline constexpr std::string_view kPkcs11MechanismAnnotation = "dragops.io/pkcs11-mechanism";
// Root key rotation: requested with a new value of the first, recorded as handled in the second.
inline constexpr std::string_view kRotateRootKeyAnnotation = "dragops.io/rotate-root-key";
inline constexpr std::string_view kRootKeyRotatedAnnotation = "dragops.io/root-key-rotated";
// The request the newest root version was added for (moved to the handled annotation on retiring).
inline constexpr std::string_view kRootKeyRotatingAnnotation = "dragops.io/root-key-rotating";

enum class RootKeyForm { plain, wrapped, invalid };
RootKeyForm root_key_form(const boost::json::object& secret);
// What the annotations of a wrapped root key Secret say wrapped it (empty fields when absent).
crypto::KeyWrapperInfo root_key_wrapping(const boost::json::object& secret);

// The AAD of a wrapped root ring: binds it to the operator's namespace.
std::vector<std::uint8_t> root_key_aad(std::string_view operator_namespace);

// The Secret for ring: plain when wrapper is null, else wrapped. The error is the wrapper's.
boost::system::result<boost::json::object, std::string> build_root_key(std::string_view operator_namespace,
                                                                       const crypto::Keyring& ring,
                                                                       crypto::KeyWrapper* wrapper);
// Reads the ring in either form (wrapper needed for the wrapped one). The error says which form
// was found and why it did not open; never key material.
boost::system::result<crypto::Keyring, std::string> load_root_key(const boost::json::object& secret,
                                                                  crypto::KeyWrapper* wrapper);

}  // namespace dragops::store
