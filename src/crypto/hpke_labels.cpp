// RFC 9180 4: the suite identifiers and HKDF with HPKE's labels.

#include "crypto/hkdf.hpp"
#include "crypto/hpke_internal.hpp"

#include <algorithm>
#include <vector>

namespace dragops::crypto::hpke::internal {
namespace {

constexpr std::string_view kVersionLabel = "HPKE-v1";

void append(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}
void append(std::vector<std::uint8_t>& out, std::string_view text) { out.insert(out.end(), text.begin(), text.end()); }

}  // namespace

std::array<std::uint8_t, 5> kem_suite_id() {
  return {'K', 'E', 'M', kKemP256HkdfSha256 >> 8, kKemP256HkdfSha256 & 0xff};
}

std::array<std::uint8_t, 10> hpke_suite_id(Aead aead) {
  const auto aead_id = static_cast<std::uint16_t>(aead);
  return {'H',
          'P',
          'K',
          'E',
          kKemP256HkdfSha256 >> 8,
          kKemP256HkdfSha256 & 0xff,
          kKdfHkdfSha256 >> 8,
          kKdfHkdfSha256 & 0xff,
          static_cast<std::uint8_t>(aead_id >> 8),
          static_cast<std::uint8_t>(aead_id & 0xff)};
}

bool labeled_extract(std::span<const std::uint8_t> suite_id, std::span<const std::uint8_t> salt,
                     std::string_view label, std::span<const std::uint8_t> ikm,
                     std::span<std::uint8_t, kSecretSize> out) {
  // labeled_ikm = "HPKE-v1" || suite_id || label || ikm; ikm may be a secret (a DH output).
  SecretBytes labeled_ikm(kVersionLabel.size() + suite_id.size() + label.size() + ikm.size());
  auto* at = labeled_ikm.data();
  at = std::copy(kVersionLabel.begin(), kVersionLabel.end(), at);
  at = std::copy(suite_id.begin(), suite_id.end(), at);
  at = std::copy(label.begin(), label.end(), at);
  std::copy(ikm.begin(), ikm.end(), at);
  return hkdf_sha256_extract(salt, labeled_ikm.span(), out);
}

bool labeled_expand(std::span<const std::uint8_t> suite_id, std::span<const std::uint8_t> prk,
                    std::string_view label, std::span<const std::uint8_t> info, std::span<std::uint8_t> out) {
  if (out.size() > 0xffff) return false;
  // labeled_info = I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info (no secret in it).
  std::vector<std::uint8_t> labeled_info{static_cast<std::uint8_t>(out.size() >> 8),
                                         static_cast<std::uint8_t>(out.size() & 0xff)};
  labeled_info.reserve(2 + kVersionLabel.size() + suite_id.size() + label.size() + info.size());
  append(labeled_info, kVersionLabel);
  append(labeled_info, suite_id);
  append(labeled_info, label);
  append(labeled_info, info);
  return hkdf_sha256_expand(prk, labeled_info, out);
}

}  // namespace dragops::crypto::hpke::internal
