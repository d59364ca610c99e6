#include "crypto/envelope.hpp"

#include "crypto/aead.hpp"
#include "crypto/envelope_format.hpp"
#include "crypto/hkdf.hpp"
#include "crypto/random.hpp"

#include <cstdio>
#include <cstdlib>
#include <limits>

namespace dragops::crypto {
namespace format = envelope_format;
namespace {

void append_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 24));
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

std::uint32_t read_u32(std::span<const std::uint8_t> bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
         std::uint32_t{bytes[3]};
}

void append_field(std::vector<std::uint8_t>& out, std::string_view field) {
  // A 4 GiB field cannot be a Kubernetes name; refusing it keeps the encoding injective.
  if (field.size() > std::numeric_limits<std::uint32_t>::max()) std::abort();
  append_u32(out, static_cast<std::uint32_t>(field.size()));
  out.insert(out.end(), field.begin(), field.end());
}

std::size_t encoded_size(const Context& context) {
  return 6 * 4 + format::kAadLabel.size() + context.namespace_.size() + context.kind.size() + context.name.size() +
         context.uid.size() + context.item.size();
}

// Every field is a 4-byte big-endian length and its bytes: a prefix code, so two different
// contexts never share an encoding.
void append_context(std::vector<std::uint8_t>& out, const Context& context) {
  append_field(out, format::kAadLabel);
  append_field(out, context.namespace_);
  append_field(out, context.kind);
  append_field(out, context.name);
  append_field(out, context.uid);
  append_field(out, context.item);
}

// The full AAD: the context (self-delimiting) followed by the fixed-size header, so that the
// version, key version, salt and nonce are authenticated too.
std::vector<std::uint8_t> full_aad(const Context& context, std::span<const std::uint8_t> header) {
  std::vector<std::uint8_t> aad;
  aad.reserve(encoded_size(context) + header.size());
  append_context(aad, context);
  aad.insert(aad.end(), header.begin(), header.end());
  return aad;
}

bool derive_key(const SecretBytes& data_key, std::span<const std::uint8_t> salt, std::span<std::uint8_t> out) {
  const auto* info = reinterpret_cast<const std::uint8_t*>(format::kKeyInfo.data());
  return hkdf_sha256(data_key.span(), salt, std::span(info, format::kKeyInfo.size()), out);
}

[[noreturn]] void seal_failed() {
  // Only reachable if OpenSSL itself is broken; sealing without encryption is not an option.
  std::fputs("dragops: AES-256-GCM sealing failed inside OpenSSL; aborting\n", stderr);
  std::abort();
}

}  // namespace

std::vector<std::uint8_t> encode_aad(const Context& context) {
  std::vector<std::uint8_t> out;
  out.reserve(encoded_size(context));
  append_context(out, context);
  return out;
}

std::string_view to_string(OpenError error) {
  switch (error) {
    case OpenError::malformed: return "malformed envelope";
    case OpenError::unsupported_version: return "unsupported envelope format version";
    case OpenError::unknown_key_version: return "unknown key version";
    case OpenError::authentication_failed: return "authentication failed";
  }
  return "unknown error";
}

void envelope_format::fill_salt_and_nonce(std::span<std::uint8_t, kSaltSize + kNonceSize> out) {
  random_bytes(out);
}

std::vector<std::uint8_t> seal(const Keyring& keyring, const Context& context, std::span<const std::uint8_t> plaintext) {
  const std::uint32_t key_version = keyring.primary();
  const SecretBytes* data_key = keyring.key(key_version);
  if (data_key == nullptr) seal_failed();  // a Keyring always holds its primary

  std::vector<std::uint8_t> envelope(format::kHeaderSize + plaintext.size() + format::kTagSize);
  envelope[format::kVersionOffset] = format::kFormatVersion;
  envelope[format::kKeyVersionOffset + 0] = static_cast<std::uint8_t>(key_version >> 24);
  envelope[format::kKeyVersionOffset + 1] = static_cast<std::uint8_t>(key_version >> 16);
  envelope[format::kKeyVersionOffset + 2] = static_cast<std::uint8_t>(key_version >> 8);
  envelope[format::kKeyVersionOffset + 3] = static_cast<std::uint8_t>(key_version);
  format::fill_salt_and_nonce(
      std::span<std::uint8_t, format::kSaltSize + format::kNonceSize>(envelope.data() + format::kSaltOffset,
                                                                      format::kSaltSize + format::kNonceSize));

  const std::span<const std::uint8_t> bytes(envelope);
  const auto header = bytes.first(format::kHeaderSize);
  SecretBytes envelope_key(kAes256KeySize);
  if (!derive_key(*data_key, bytes.subspan(format::kSaltOffset, format::kSaltSize), envelope_key.span())) {
    seal_failed();
  }
  const auto aad = full_aad(context, header);
  const std::span<std::uint8_t> out(envelope);
  if (!aes256gcm_encrypt(envelope_key.span(), bytes.subspan(format::kNonceOffset, format::kNonceSize), aad,
                         plaintext, out.subspan(format::kHeaderSize, plaintext.size()),
                         out.last(format::kTagSize))) {
    seal_failed();
  }
  return envelope;
}

boost::system::result<std::uint32_t, OpenError> key_version_of(std::span<const std::uint8_t> envelope) {
  if (envelope.empty()) return OpenError::malformed;
  if (envelope[format::kVersionOffset] != format::kFormatVersion) return OpenError::unsupported_version;
  if (envelope.size() < format::kMinSize) return OpenError::malformed;
  return read_u32(envelope.subspan(format::kKeyVersionOffset, 4));
}

bool envelope_format::derive_envelope_key(const SecretBytes& data_key, std::span<const std::uint8_t> envelope,
                                          std::span<std::uint8_t> out) {
  if (envelope.size() < format::kMinSize || out.size() != kAes256KeySize) return false;
  return derive_key(data_key, envelope.subspan(format::kSaltOffset, format::kSaltSize), out);
}

boost::system::result<SecretBytes, OpenError> envelope_format::open_with_envelope_key(
    std::span<const std::uint8_t> envelope_key, const Context& context, std::span<const std::uint8_t> envelope) {
  if (envelope.size() < format::kMinSize) return OpenError::malformed;
  const auto aad = full_aad(context, envelope.first(format::kHeaderSize));
  const std::size_t ciphertext_size = envelope.size() - format::kMinSize;
  auto plaintext = SecretBytes::for_overwrite(ciphertext_size);  // decrypt writes (or wipes) it all
  if (!aes256gcm_decrypt(envelope_key, envelope.subspan(format::kNonceOffset, format::kNonceSize), aad,
                         envelope.subspan(format::kHeaderSize, ciphertext_size), envelope.last(format::kTagSize),
                         plaintext.span())) {
    return OpenError::authentication_failed;
  }
  return plaintext;
}

boost::system::result<SecretBytes, OpenError> open(const Keyring& keyring, const Context& context,
                                                   std::span<const std::uint8_t> envelope) {
  const auto key_version = key_version_of(envelope);
  if (!key_version) return key_version.error();
  const SecretBytes* data_key = keyring.key(*key_version);
  if (data_key == nullptr) return OpenError::unknown_key_version;

  SecretBytes envelope_key(kAes256KeySize);
  if (!format::derive_envelope_key(*data_key, envelope, envelope_key.span())) return OpenError::authentication_failed;
  return format::open_with_envelope_key(envelope_key.span(), context, envelope);
}

}  // namespace dragops::crypto
