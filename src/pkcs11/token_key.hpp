#pragma once
// An AES-256 key held in a PKCS#11 token, found by its label, that wraps (AES-256-GCM,
// CKM_AES_GCM through C_Encrypt/C_Decrypt) key material that is stored elsewhere. The key never
// leaves the token: it is created (only when asked) sensitive and not extractable.
//
// Wrapped layout: 0x01 | IV (12 bytes, from the OS CSPRNG) | ciphertext | tag (16 bytes).

#include "crypto/key_wrapper.hpp"
#include "crypto/secret_bytes.hpp"

#include <boost/system/result.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace dragops::pkcs11 {

class Module;

struct TokenKeyOptions {
  std::string module;                  // path of the PKCS#11 module (.so)
  std::string token_label;             // the token, by label (or:)
  std::optional<unsigned long> slot;   // the token, by slot id
  std::string key_label;
  bool create_key = false;             // generate the key on the token when absent
};

inline constexpr std::uint8_t kWrappedFormat = 0x01;
inline constexpr std::size_t kWrapIvSize = 12;
inline constexpr std::size_t kWrapTagSize = 16;

class TokenKey final : public crypto::KeyWrapper {
 public:
  // Loads the module, opens a session on the token, logs in as the user with pin and finds the
  // key (creating it if allowed). The error says which of these failed and why (a wrong PIN is
  // "CKR_PIN_INCORRECT"); it never holds the PIN.
  static boost::system::result<std::unique_ptr<TokenKey>, std::string> open(const TokenKeyOptions& options,
                                                                            const crypto::SecretBytes& pin);
  ~TokenKey() override;
  TokenKey(const TokenKey&) = delete;
  TokenKey& operator=(const TokenKey&) = delete;

  boost::system::result<std::vector<std::uint8_t>, std::string> wrap(std::span<const std::uint8_t> plaintext,
                                                                     std::span<const std::uint8_t> aad) override;
  boost::system::result<crypto::SecretBytes, std::string> unwrap(std::span<const std::uint8_t> wrapped,
                                                                 std::span<const std::uint8_t> aad) override;
  crypto::KeyWrapperInfo info() const override;
  bool created() const { return created_; }   // this open generated the key

 private:
  TokenKey(std::shared_ptr<Module> module, unsigned long session, unsigned long key, crypto::KeyWrapperInfo info,
           bool created);
  std::shared_ptr<Module> module_;
  unsigned long session_;
  unsigned long key_;
  crypto::KeyWrapperInfo info_;
  bool created_;
  std::mutex mutex_;   // one operation at a time on the session
};

}  // namespace dragops::pkcs11
