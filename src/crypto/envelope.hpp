#pragma once
// The sealed envelope: one value sealed under a key derived (HKDF-SHA256) from a data-key
// version and a random salt, bound by its AAD to where it belongs. Byte layout: docs/envelope.md.

#include "crypto/keyring.hpp"
#include "crypto/secret_bytes.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::crypto {

// Where an envelope belongs. item is the field name (a connection field) or the environment
// (a Secret's value). Every field takes part in the AAD.
struct Context {
  std::string namespace_;
  std::string kind;   // "Connection" | "Secret"
  std::string name;
  std::string uid;
  std::string item;
};

// Canonical, unambiguous AAD encoding of a context (length-prefixed fields).
std::vector<std::uint8_t> encode_aad(const Context& context);

enum class OpenError {
  malformed = 1,            // too short, bad lengths, trailing bytes
  unsupported_version,      // unknown format version byte
  unknown_key_version,      // key version not in the ring
  authentication_failed,    // wrong key, wrong context, or tampered bytes
};
std::string_view to_string(OpenError error);

// seal never fails for a valid ring (it has a primary by construction).
std::vector<std::uint8_t> seal(const Keyring& keyring, const Context& context, std::span<const std::uint8_t> plaintext);
boost::system::result<SecretBytes, OpenError> open(const Keyring& keyring, const Context& context,
                                                   std::span<const std::uint8_t> envelope);
// The key version an envelope names, without opening it (for rotation bookkeeping).
boost::system::result<std::uint32_t, OpenError> key_version_of(std::span<const std::uint8_t> envelope);

}  // namespace dragops::crypto
