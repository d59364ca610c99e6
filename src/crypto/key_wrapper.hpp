#pragma once
// A key that wraps other key material and never leaves where it is held (a PKCS#11 token, in
// src/pkcs11): the root key ring is stored wrapped by one (docs/security.md, "Keys that sit in
// etcd"). An interface, so that the key manager is tested with a fake and the real one against
// SoftHSM2. Errors are values and say what failed, never key material.

#include "crypto/secret_bytes.hpp"

#include <boost/system/result.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dragops::crypto {

// What wrapped the material, written beside it so that the Secret says which key opens it.
struct KeyWrapperInfo {
  std::string scheme;      // "pkcs11"
  std::string mechanism;   // "CKM_AES_GCM"
  std::string token;       // token label
  std::string key;         // key label

  friend bool operator==(const KeyWrapperInfo&, const KeyWrapperInfo&) = default;
};

class KeyWrapper {
 public:
  virtual ~KeyWrapper() = default;
  // Authenticated encryption of plaintext bound to aad.
  virtual boost::system::result<std::vector<std::uint8_t>, std::string> wrap(std::span<const std::uint8_t> plaintext,
                                                                             std::span<const std::uint8_t> aad) = 0;
  virtual boost::system::result<SecretBytes, std::string> unwrap(std::span<const std::uint8_t> wrapped,
                                                                 std::span<const std::uint8_t> aad) = 0;
  virtual KeyWrapperInfo info() const = 0;
};

}  // namespace dragops::crypto
