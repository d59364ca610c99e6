#pragma once
// HPKE (RFC 9180), base mode, with DHKEM(P-256, HKDF-SHA256), HKDF-SHA256 and AES-256-GCM (or
// AES-128-GCM, so that the RFC's vectors of both suites apply), on OpenSSL 3.0's primitives:
// OpenSSL 3.0 has no HPKE of its own. The sealed-value format built on it: crypto/sealed_value.hpp
// and docs/sealing.md.
//
// Keys travel in RFC 9180's serialized forms: a private key is the 32-byte big-endian scalar, a
// public key (and enc) the 65-byte uncompressed point 0x04 || x || y.

#include "crypto/secret_bytes.hpp"

#include <boost/system/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace dragops::crypto::hpke {

inline constexpr std::uint16_t kKemP256HkdfSha256 = 0x0010;
inline constexpr std::uint16_t kKdfHkdfSha256 = 0x0001;
enum class Aead : std::uint16_t { aes_128_gcm = 0x0001, aes_256_gcm = 0x0002 };

inline constexpr std::size_t kPrivateKeySize = 32;  // Nsk
inline constexpr std::size_t kPublicKeySize = 65;   // Npk
inline constexpr std::size_t kEncSize = 65;         // Nenc
inline constexpr std::size_t kSecretSize = 32;      // Nsecret, Nh
inline constexpr std::size_t kNonceSize = 12;       // Nn
inline constexpr std::size_t kTagSize = 16;         // Nt
inline constexpr std::size_t kMaxExportSize = 255 * kSecretSize;

using PublicKey = std::array<std::uint8_t, kPublicKeySize>;
using Enc = std::array<std::uint8_t, kEncSize>;

enum class Error {
  invalid_public_key = 1,  // not a 65-byte uncompressed point on P-256 (or enc that is not)
  invalid_private_key,     // not 32 bytes, zero, or not below the group order
  derive_key_pair_failed,  // RFC 9180 7.1.3: 256 candidates out of range (probability ~2^-8192)
  message_limit_reached,   // the context's sequence number is exhausted
  authentication_failed,   // wrong key, info or aad, or tampered enc or ciphertext
  export_too_long,         // an export of more than 255 * 32 bytes
  crypto_failure,          // OpenSSL itself failed
};
std::string_view to_string(Error error);

template <typename T>
using Result = boost::system::result<T, Error>;

// The private key as OpenSSL's EVP_PKEY (defined in hpke_kem.cpp): built once where a pair is
// made, so that each Decap does not import the scalar again (that import was most of an open's
// cost). Immutable once built and shared by copies of the pair; OpenSSL clears the scalar when
// the last copy goes (EC_KEY_free), as SecretBytes wipes private_key.
struct PrivatePkey;

struct KeyPair {
  SecretBytes private_key;  // SerializePrivateKey
  PublicKey public_key;     // SerializePublicKey
  std::shared_ptr<const PrivatePkey> pkey = nullptr;   // null: built per use (a pair made by hand)
};

// A fresh key pair from OpenSSL's EC key generation.
Result<KeyPair> generate_key_pair();
// RFC 9180 7.1.3: deterministic, from input keying material of at least 32 bytes of entropy.
Result<KeyPair> derive_key_pair(std::span<const std::uint8_t> ikm);
// The pair of a stored private key (checked to be in range).
Result<KeyPair> key_pair_from_private_key(std::span<const std::uint8_t> private_key);
// Checks that bytes are a public key (DeserializePublicKey's checks), and returns them as one.
Result<PublicKey> public_key_from_bytes(std::span<const std::uint8_t> bytes);

// What KeySchedule (RFC 9180 5.1) gives a context.
struct KeySchedule {
  Aead aead = Aead::aes_256_gcm;
  SecretBytes key;              // Nk bytes
  SecretBytes base_nonce;       // Nn bytes
  SecretBytes exporter_secret;  // Nh bytes
};

// RFC 9180 5.2 and 5.3: the nonce of message seq is base_nonce XOR seq (big-endian); seq starts
// at 0 and goes up by one per message sealed (or opened) successfully.
class SenderContext {
 public:
  SenderContext(KeySchedule schedule, const Enc& enc) : schedule_(std::move(schedule)), enc_(enc) {}

  // The encapsulated key to send with the ciphertexts.
  const Enc& enc() const { return enc_; }
  // ciphertext || 16-byte tag.
  Result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> aad, std::span<const std::uint8_t> plaintext);
  // RFC 9180 5.3: a secret of length bytes bound to this context and exporter_context.
  Result<SecretBytes> export_secret(std::span<const std::uint8_t> exporter_context, std::size_t length) const;

 private:
  KeySchedule schedule_;
  Enc enc_;
  std::uint64_t seq_ = 0;
};

class RecipientContext {
 public:
  explicit RecipientContext(KeySchedule schedule) : schedule_(std::move(schedule)) {}

  Result<SecretBytes> open(std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext);
  Result<SecretBytes> export_secret(std::span<const std::uint8_t> exporter_context, std::size_t length) const;

 private:
  KeySchedule schedule_;
  std::uint64_t seq_ = 0;
};

// SetupBaseS (with a fresh ephemeral key pair) and SetupBaseR.
Result<SenderContext> setup_base_s(Aead aead, std::span<const std::uint8_t> recipient_public_key,
                                   std::span<const std::uint8_t> info);
Result<RecipientContext> setup_base_r(Aead aead, std::span<const std::uint8_t> enc, const KeyPair& recipient,
                                      std::span<const std::uint8_t> info);

// Single-shot Seal and Open (RFC 9180 6.1) in base mode.
struct Sealed {
  Enc enc;
  std::vector<std::uint8_t> ciphertext;  // with its tag
};
Result<Sealed> seal_base(Aead aead, std::span<const std::uint8_t> recipient_public_key,
                         std::span<const std::uint8_t> info, std::span<const std::uint8_t> aad,
                         std::span<const std::uint8_t> plaintext);
Result<SecretBytes> open_base(Aead aead, std::span<const std::uint8_t> enc, const KeyPair& recipient,
                              std::span<const std::uint8_t> info, std::span<const std::uint8_t> aad,
                              std::span<const std::uint8_t> ciphertext);

}  // namespace dragops::crypto::hpke
