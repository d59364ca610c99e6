#pragma once
// The names every part agrees on for store and key objects (docs/design.md; docs/resources.md).

#include <cstdint>
#include <string>
#include <string_view>

namespace dragops::store {

inline constexpr std::string_view kSealedType = "dragops.io/sealed";
inline constexpr std::string_view kKeyringType = "dragops.io/keyring";
inline constexpr std::string_view kRootKeyType = "dragops.io/root-key";

inline constexpr std::string_view kRootKeyName = "dragops-root-key";
inline constexpr std::string_view kProjectedKeyringName = "dragops-data-keys";
inline constexpr std::string_view kKeyringDataKey = "keyring";

inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedByValue = "dragops-operator";
inline constexpr std::string_view kKindLabel = "dragops.io/kind";
inline constexpr std::string_view kNameLabel = "dragops.io/name";

inline constexpr std::string_view kUidAnnotation = "dragops.io/uid";
inline constexpr std::string_view kKeyVersionAnnotation = "dragops.io/key-version";
inline constexpr std::string_view kPackAnnotation = "dragops.io/pack";
inline constexpr std::string_view kAuthTypeAnnotation = "dragops.io/auth-type";
inline constexpr std::string_view kExpiresAtAnnotation = "dragops.io/expires-at";
inline constexpr std::string_view kTokenFieldAnnotation = "dragops.io/token-field";   // informational
inline constexpr std::string_view kGenerationAnnotation = "dragops.io/generation";
inline constexpr std::string_view kRotateAnnotation = "dragops.io/rotate";
inline constexpr std::string_view kRotatedAnnotation = "dragops.io/rotated";

// The cluster sealing keys (operator/sealing/): private keys in a Secret sealed under the root
// key, the newest public key published in a ConfigMap that every user may read.
inline constexpr std::string_view kSealingKeysType = "dragops.io/sealing-keys";
inline constexpr std::string_view kSealingKeysName = "dragops-sealing-keys";
inline constexpr std::string_view kSealingKeysDataKey = "keys";
inline constexpr std::string_view kSealingKeyConfigMapName = "dragops-sealing-key";
inline constexpr std::string_view kPublicKeyDataKey = "publicKey";                // base64, 65 bytes
inline constexpr std::string_view kKeyIdDataKey = "keyId";                        // 16 hex digits
inline constexpr std::string_view kAcceptedKeyIdsDataKey = "acceptedKeyIds";      // space-separated, newest first

inline constexpr std::string_view kFieldPrefix = "field.";
inline constexpr std::string_view kEnvironmentPrefix = "env.";

inline constexpr std::string_view kGroupVersion = "dragops.io/v1alpha1";

enum class Kind { connection, secret };
std::string_view to_string(Kind kind);   // "Connection" | "Secret"
bool kind_from_string(std::string_view text, Kind& out);

// dragops-conn-<name> | dragops-secret-<name>
std::string store_name(Kind kind, std::string_view cr_name);
// dragops-keyring-<namespace>, in the operator's namespace.
std::string authoritative_keyring_name(std::string_view app_namespace);
// "field." | "env."
std::string_view item_prefix(Kind kind);

}  // namespace dragops::store
