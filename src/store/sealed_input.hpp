#pragma once
// Sealed input: a credential that reaches the cluster already sealed to the cluster's sealing
// key (HPKE, crypto/sealed_value.hpp), in Connection.spec.sealedCredentials or a dragops Secret's
// spec.environments.<env>.sealedValue. Its HPKE info binds it to the namespace, kind, name and
// item (field or environment) it was sealed for, so a value copied anywhere else does not open.
// The info and the text form are defined in docs/sealing.md; dragopsctl seals, the operator opens.

#include "crypto/hpke.hpp"
#include "crypto/sealed_value.hpp"
#include "crypto/secret_bytes.hpp"
#include "store/names.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::store {

// Where a sealed value belongs. item: a pack field (or an oauth2 token item) of a Connection, or
// an environment of a dragops Secret.
struct SealedInputTarget {
  std::string namespace_;
  Kind kind = Kind::connection;
  std::string name;
  std::string item;
};

inline constexpr std::string_view kSealedInputLabel = "dragops.io/sealed-input/v1";

// info = field(kSealedInputLabel) || field(namespace) || field(kind) || field(name) || field(item),
// field(s) = u32be(length of s) || s (the same encoding as the envelope's AAD, docs/envelope.md).
std::vector<std::uint8_t> sealed_input_info(const SealedInputTarget& target);

// The text form carried by the CRDs: standard padded base64 of the sealed-value bytes, one line.
// Fails only for a public key that is not one.
crypto::hpke::Result<std::string> seal_input(std::span<const std::uint8_t> public_key, const SealedInputTarget& target,
                                             std::span<const std::uint8_t> plaintext);

enum class SealedInputError {
  not_base64 = 1,        // the text is not canonical padded base64
  malformed,             // too short, or enc is not a point
  unsupported_version,   // a format version this build does not know
  unknown_key,           // sealed to a key the opener does not hold (retired, or another cluster's)
  does_not_open,         // sealed for another object, field or environment, or altered
};
std::string_view to_string(SealedInputError error);

struct SealedInputFailure {
  SealedInputError error = SealedInputError::malformed;
  std::string key_id;   // hex, when the value names one (public: it identifies a public key)

  friend bool operator==(const SealedInputFailure&, const SealedInputFailure&) = default;
};

// The key pair a key id names, or nullptr.
using SealingKeyLookup = std::function<const crypto::hpke::KeyPair*(const crypto::SealingKeyId&)>;

boost::system::result<crypto::SecretBytes, SealedInputFailure> open_sealed_input(const SealingKeyLookup& keys,
                                                                                 const SealedInputTarget& target,
                                                                                 std::string_view text);

// The key a sealed value names, without opening it (for "which keys are still in use").
std::optional<crypto::SealingKeyId> sealed_input_key_id(std::string_view text);

// 16 lower-case hex digits.
std::string key_id_hex(const crypto::SealingKeyId& id);

}  // namespace dragops::store
