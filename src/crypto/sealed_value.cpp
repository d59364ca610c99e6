#include "crypto/sealed_value.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>

namespace dragops::crypto {
namespace format = sealed_value_format;

namespace {
constexpr std::uint8_t kUncompressedPoint = 0x04;
}  // namespace

SealingKeyId key_id_of(const hpke::PublicKey& public_key) {
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // SHA-256 of public bytes: fails only if OpenSSL is broken, and a wrong id would misname keys.
  if (EVP_Digest(public_key.data(), public_key.size(), digest, &size, EVP_sha256(), nullptr) != 1 || size != 32) {
    std::abort();
  }
  SealingKeyId id;
  std::copy_n(digest, id.size(), id.begin());
  return id;
}

std::string_view to_string(SealedValueError error) {
  switch (error) {
    case SealedValueError::malformed: return "malformed sealed value";
    case SealedValueError::unsupported_version: return "unsupported sealed value format version";
    case SealedValueError::unknown_key: return "sealed to an unknown key";
    case SealedValueError::authentication_failed: return "authentication failed";
  }
  return "unknown error";
}

boost::system::result<SealedValue, SealedValueError> parse_sealed_value(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return SealedValueError::malformed;
  if (bytes[format::kVersionOffset] != format::kFormatVersion) return SealedValueError::unsupported_version;
  if (bytes.size() < format::kMinSize) return SealedValueError::malformed;
  SealedValue value;
  value.version = bytes[format::kVersionOffset];
  std::copy_n(bytes.begin() + format::kKeyIdOffset, format::kKeyIdSize, value.key_id.begin());
  value.enc = bytes.subspan(format::kEncOffset, hpke::kEncSize);
  value.ciphertext = bytes.subspan(format::kHeaderSize);
  if (value.enc[0] != kUncompressedPoint) return SealedValueError::malformed;
  return value;
}

hpke::Result<std::vector<std::uint8_t>> seal_value(std::span<const std::uint8_t> recipient_public_key,
                                                  std::span<const std::uint8_t> info,
                                                  std::span<const std::uint8_t> aad,
                                                  std::span<const std::uint8_t> plaintext) {
  const auto public_key = hpke::public_key_from_bytes(recipient_public_key);
  if (!public_key) return public_key.error();
  const auto sealed = hpke::seal_base(hpke::Aead::aes_256_gcm, *public_key, info, aad, plaintext);
  if (!sealed) return sealed.error();
  std::vector<std::uint8_t> out;
  out.reserve(format::kHeaderSize + sealed->ciphertext.size());
  out.push_back(format::kFormatVersion);
  const auto key_id = key_id_of(*public_key);
  out.insert(out.end(), key_id.begin(), key_id.end());
  out.insert(out.end(), sealed->enc.begin(), sealed->enc.end());
  out.insert(out.end(), sealed->ciphertext.begin(), sealed->ciphertext.end());
  return out;
}

// The header needs no AAD of its own: the key id is a hash of the recipient key, which the KEM
// binds (kem_context = enc || pkR), so a changed id names an unknown key or one that cannot open
// it; the version byte fixes the suite; enc is bound by the KEM.
boost::system::result<SecretBytes, SealedValueError> open_sealed_value(const hpke::KeyPair& recipient,
                                                                       std::span<const std::uint8_t> info,
                                                                       std::span<const std::uint8_t> aad,
                                                                       std::span<const std::uint8_t> bytes) {
  const auto value = parse_sealed_value(bytes);
  if (!value) return value.error();
  if (value->key_id != key_id_of(recipient.public_key)) return SealedValueError::unknown_key;
  auto opened = hpke::open_base(hpke::Aead::aes_256_gcm, value->enc, recipient, info, aad, value->ciphertext);
  if (opened) return std::move(*opened);
  return opened.error() == hpke::Error::invalid_public_key ? SealedValueError::malformed
                                                           : SealedValueError::authentication_failed;
}

}  // namespace dragops::crypto
