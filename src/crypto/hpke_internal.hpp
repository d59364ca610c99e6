#pragma once
// HPKE's steps below the public API (RFC 9180 4, 4.1 and 5.1), for src/crypto and for the tests
// that check each step against the RFC's vectors. Nothing else should call these: the public
// setup_base_s picks the ephemeral key itself, and here the caller does.

#include "crypto/hpke.hpp"

#include <array>
#include <string_view>

namespace dragops::crypto::hpke::internal {

// suite_id: "KEM" || I2OSP(kem_id, 2) for the KEM's own derivations, and
// "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2) for the key schedule.
std::array<std::uint8_t, 5> kem_suite_id();
std::array<std::uint8_t, 10> hpke_suite_id(Aead aead);

// LabeledExtract(salt, label, ikm) and LabeledExpand(prk, label, info, L = out.size()).
[[nodiscard]] bool labeled_extract(std::span<const std::uint8_t> suite_id, std::span<const std::uint8_t> salt,
                                   std::string_view label, std::span<const std::uint8_t> ikm,
                                   std::span<std::uint8_t, kSecretSize> out);
[[nodiscard]] bool labeled_expand(std::span<const std::uint8_t> suite_id, std::span<const std::uint8_t> prk,
                                  std::string_view label, std::span<const std::uint8_t> info,
                                  std::span<std::uint8_t> out);

// DHKEM(P-256, HKDF-SHA256) Encap with a given ephemeral key pair, and Decap.
struct Encapsulation {
  SecretBytes shared_secret;
  Enc enc;
};
Result<Encapsulation> encap(std::span<const std::uint8_t> recipient_public_key, const KeyPair& ephemeral);
Result<SecretBytes> decap(std::span<const std::uint8_t> enc, const KeyPair& recipient);

// KeySchedule in base mode (no PSK).
Result<KeySchedule> key_schedule_base(Aead aead, const SecretBytes& shared_secret, std::span<const std::uint8_t> info);

// SetupBaseS with a given ephemeral key pair (the RFC's vectors fix it through ikmE).
Result<SenderContext> setup_base_s(Aead aead, std::span<const std::uint8_t> recipient_public_key,
                                   std::span<const std::uint8_t> info, const KeyPair& ephemeral);

}  // namespace dragops::crypto::hpke::internal
