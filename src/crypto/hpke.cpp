// HPKE base mode (RFC 9180 5 and 6): the key schedule, the two contexts and single-shot use.

#include "crypto/aead.hpp"
#include "crypto/hpke_internal.hpp"

#include <algorithm>
#include <limits>

namespace dragops::crypto::hpke {
namespace {

constexpr std::uint8_t kModeBase = 0x00;

std::size_t key_size(Aead aead) { return aead == Aead::aes_128_gcm ? kAes128KeySize : kAes256KeySize; }

// ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn).
std::array<std::uint8_t, kNonceSize> nonce_for(const SecretBytes& base_nonce, std::uint64_t seq) {
  std::array<std::uint8_t, kNonceSize> nonce;
  std::copy_n(base_nonce.data(), kNonceSize, nonce.begin());
  for (std::size_t i = 0; i < sizeof seq; ++i) {
    nonce[kNonceSize - 1 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  }
  return nonce;
}

// RFC 9180 5.2 stops at seq = 2^96 - 1; a 64-bit counter stops first, at 2^64 - 1 messages.
bool exhausted(std::uint64_t seq) { return seq == std::numeric_limits<std::uint64_t>::max(); }

Result<SecretBytes> export_from(const KeySchedule& schedule, std::span<const std::uint8_t> exporter_context,
                                std::size_t length) {
  if (length > kMaxExportSize) return Error::export_too_long;
  SecretBytes out(length);
  if (length == 0) return out;
  if (!internal::labeled_expand(internal::hpke_suite_id(schedule.aead), schedule.exporter_secret.span(), "sec",
                                exporter_context, out.span())) {
    return Error::crypto_failure;
  }
  return out;
}

}  // namespace

std::string_view to_string(Error error) {
  switch (error) {
    case Error::invalid_public_key: return "invalid public key";
    case Error::invalid_private_key: return "invalid private key";
    case Error::derive_key_pair_failed: return "key pair derivation failed";
    case Error::message_limit_reached: return "message limit reached";
    case Error::authentication_failed: return "authentication failed";
    case Error::export_too_long: return "export too long";
    case Error::crypto_failure: return "OpenSSL failure";
  }
  return "unknown error";
}

Result<std::vector<std::uint8_t>> SenderContext::seal(std::span<const std::uint8_t> aad,
                                                      std::span<const std::uint8_t> plaintext) {
  if (exhausted(seq_)) return Error::message_limit_reached;
  const auto nonce = nonce_for(schedule_.base_nonce, seq_);
  std::vector<std::uint8_t> out(plaintext.size() + kTagSize);
  const std::span<std::uint8_t> ciphertext = std::span(out).first(plaintext.size());
  const std::span<std::uint8_t> tag = std::span(out).last(kTagSize);
  const bool sealed = schedule_.aead == Aead::aes_128_gcm
                          ? aes128gcm_encrypt(schedule_.key.span(), nonce, aad, plaintext, ciphertext, tag)
                          : aes256gcm_encrypt(schedule_.key.span(), nonce, aad, plaintext, ciphertext, tag);
  if (!sealed) return Error::crypto_failure;
  ++seq_;
  return out;
}

Result<SecretBytes> SenderContext::export_secret(std::span<const std::uint8_t> exporter_context,
                                                 std::size_t length) const {
  return export_from(schedule_, exporter_context, length);
}

Result<SecretBytes> RecipientContext::open(std::span<const std::uint8_t> aad, std::span<const std::uint8_t> ciphertext) {
  if (exhausted(seq_)) return Error::message_limit_reached;
  if (ciphertext.size() < kTagSize) return Error::authentication_failed;
  const auto nonce = nonce_for(schedule_.base_nonce, seq_);
  const auto body = ciphertext.first(ciphertext.size() - kTagSize);
  const auto tag = ciphertext.last(kTagSize);
  auto plaintext = SecretBytes::for_overwrite(body.size());  // decrypt writes (or wipes) it all
  const bool opened = schedule_.aead == Aead::aes_128_gcm
                          ? aes128gcm_decrypt(schedule_.key.span(), nonce, aad, body, tag, plaintext.span())
                          : aes256gcm_decrypt(schedule_.key.span(), nonce, aad, body, tag, plaintext.span());
  if (!opened) return Error::authentication_failed;
  ++seq_;
  return plaintext;
}

Result<SecretBytes> RecipientContext::export_secret(std::span<const std::uint8_t> exporter_context,
                                                    std::size_t length) const {
  return export_from(schedule_, exporter_context, length);
}

namespace internal {

// KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "").
Result<KeySchedule> key_schedule_base(Aead aead, const SecretBytes& shared_secret,
                                      std::span<const std::uint8_t> info) {
  if (aead != Aead::aes_128_gcm && aead != Aead::aes_256_gcm) return Error::crypto_failure;
  const auto suite = hpke_suite_id(aead);
  // key_schedule_context = mode || psk_id_hash || info_hash
  std::array<std::uint8_t, 1 + 2 * kSecretSize> context{kModeBase};
  const auto psk_id_hash = std::span(context).subspan<1, kSecretSize>();
  const auto info_hash = std::span(context).subspan<1 + kSecretSize, kSecretSize>();
  SecretBytes secret(kSecretSize);
  KeySchedule schedule{aead, SecretBytes(key_size(aead)), SecretBytes(kNonceSize), SecretBytes(kSecretSize)};
  const bool ok = labeled_extract(suite, {}, "psk_id_hash", {}, psk_id_hash) &&
                  labeled_extract(suite, {}, "info_hash", info, info_hash) &&
                  labeled_extract(suite, shared_secret.span(), "secret", {}, secret.span().first<kSecretSize>()) &&
                  labeled_expand(suite, secret.span(), "key", context, schedule.key.span()) &&
                  labeled_expand(suite, secret.span(), "base_nonce", context, schedule.base_nonce.span()) &&
                  labeled_expand(suite, secret.span(), "exp", context, schedule.exporter_secret.span());
  if (!ok) return Error::crypto_failure;
  return schedule;
}

Result<SenderContext> setup_base_s(Aead aead, std::span<const std::uint8_t> recipient_public_key,
                                   std::span<const std::uint8_t> info, const KeyPair& ephemeral) {
  auto encapsulated = encap(recipient_public_key, ephemeral);
  if (!encapsulated) return encapsulated.error();
  auto schedule = key_schedule_base(aead, encapsulated->shared_secret, info);
  if (!schedule) return schedule.error();
  return SenderContext(std::move(*schedule), encapsulated->enc);
}

}  // namespace internal

Result<SenderContext> setup_base_s(Aead aead, std::span<const std::uint8_t> recipient_public_key,
                                   std::span<const std::uint8_t> info) {
  const auto ephemeral = generate_key_pair();
  if (!ephemeral) return ephemeral.error();
  return internal::setup_base_s(aead, recipient_public_key, info, *ephemeral);
}

Result<RecipientContext> setup_base_r(Aead aead, std::span<const std::uint8_t> enc, const KeyPair& recipient,
                                      std::span<const std::uint8_t> info) {
  const auto shared_secret = internal::decap(enc, recipient);
  if (!shared_secret) return shared_secret.error();
  auto schedule = internal::key_schedule_base(aead, *shared_secret, info);
  if (!schedule) return schedule.error();
  return RecipientContext(std::move(*schedule));
}

Result<Sealed> seal_base(Aead aead, std::span<const std::uint8_t> recipient_public_key,
                         std::span<const std::uint8_t> info, std::span<const std::uint8_t> aad,
                         std::span<const std::uint8_t> plaintext) {
  auto context = setup_base_s(aead, recipient_public_key, info);
  if (!context) return context.error();
  auto ciphertext = context->seal(aad, plaintext);
  if (!ciphertext) return ciphertext.error();
  return Sealed{context->enc(), std::move(*ciphertext)};
}

Result<SecretBytes> open_base(Aead aead, std::span<const std::uint8_t> enc, const KeyPair& recipient,
                              std::span<const std::uint8_t> info, std::span<const std::uint8_t> aad,
                              std::span<const std::uint8_t> ciphertext) {
  auto context = setup_base_r(aead, enc, recipient, info);
  if (!context) return context.error();
  return context->open(aad, ciphertext);
}

}  // namespace dragops::crypto::hpke
