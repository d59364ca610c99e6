// HPKE against RFC 9180's own test vectors (tests/testdata/hpke/rfc9180-vectors.json, see
// tests/testdata/SOURCES.md): every base-mode DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 vector
// with AES-128-GCM or AES-256-GCM, every value it gives.

#include "crypto/hpke.hpp"
#include "crypto/hpke_internal.hpp"
#include "hex.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace dragops::crypto::hpke {
namespace {

using testing::from_hex;
using testing::to_hex;

const std::filesystem::path kVectors = std::filesystem::path(DRAGOPS_TESTDATA) / "hpke" / "rfc9180-vectors.json";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string hex(std::span<const std::uint8_t> bytes) { return to_hex({bytes.begin(), bytes.end()}); }
std::string hex(const SecretBytes& bytes) { return hex(bytes.span()); }
std::vector<std::uint8_t> field(const boost::json::object& entry, std::string_view name) {
  return from_hex(entry.at(name).as_string());
}

struct Counts {
  int vectors = 0, encryptions = 0, exports = 0, others = 0;
};

// base_nonce XOR I2OSP(seq, 12), computed here independently of src/crypto.
std::string expected_nonce(const std::vector<std::uint8_t>& base_nonce, std::uint64_t seq) {
  auto nonce = base_nonce;
  for (std::size_t i = 0; i < 8; ++i) nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(seq >> (8 * i));
  return to_hex(nonce);
}

void check_vector(const boost::json::object& v, Counts& counts) {
  const auto aead = static_cast<Aead>(v.at("aead_id").as_int64());
  const auto info = field(v, "info");

  // DeriveKeyPair for both sides.
  const auto ephemeral = derive_key_pair(field(v, "ikmE"));
  const auto recipient = derive_key_pair(field(v, "ikmR"));
  ASSERT_TRUE(ephemeral && recipient);
  EXPECT_EQ(hex(ephemeral->private_key), v.at("skEm").as_string());
  EXPECT_EQ(hex(ephemeral->public_key), v.at("pkEm").as_string());
  EXPECT_EQ(hex(recipient->private_key), v.at("skRm").as_string());
  EXPECT_EQ(hex(recipient->public_key), v.at("pkRm").as_string());

  // Encap with the vector's ephemeral key, Decap, and the key schedule.
  const auto encapsulated = internal::encap(field(v, "pkRm"), *ephemeral);
  ASSERT_TRUE(encapsulated);
  EXPECT_EQ(hex(encapsulated->enc), v.at("enc").as_string());
  EXPECT_EQ(hex(encapsulated->shared_secret), v.at("shared_secret").as_string());
  const auto decapsulated = internal::decap(field(v, "enc"), *recipient);
  ASSERT_TRUE(decapsulated);
  EXPECT_EQ(hex(*decapsulated), v.at("shared_secret").as_string());
  const auto schedule = internal::key_schedule_base(aead, *decapsulated, info);
  ASSERT_TRUE(schedule);
  EXPECT_EQ(hex(schedule->key), v.at("key").as_string());
  EXPECT_EQ(hex(schedule->base_nonce), v.at("base_nonce").as_string());
  EXPECT_EQ(hex(schedule->exporter_secret), v.at("exporter_secret").as_string());

  // Every encryption, in sequence, through both contexts.
  auto sender = internal::setup_base_s(aead, field(v, "pkRm"), info, *ephemeral);
  auto receiver = setup_base_r(aead, field(v, "enc"), *recipient, info);
  ASSERT_TRUE(sender && receiver);
  EXPECT_EQ(hex(sender->enc()), v.at("enc").as_string());
  const auto base_nonce = field(v, "base_nonce");
  std::uint64_t seq = 0;
  for (const auto& item : v.at("encryptions").as_array()) {
    const auto& e = item.as_object();
    SCOPED_TRACE("seq " + std::to_string(seq));
    EXPECT_EQ(expected_nonce(base_nonce, seq), e.at("nonce").as_string());
    const auto sealed = sender->seal(field(e, "aad"), field(e, "pt"));
    ASSERT_TRUE(sealed);
    EXPECT_EQ(to_hex(*sealed), e.at("ct").as_string());
    const auto opened = receiver->open(field(e, "aad"), field(e, "ct"));
    ASSERT_TRUE(opened);
    EXPECT_EQ(hex(*opened), e.at("pt").as_string());
    ++seq;
    ++counts.encryptions;
  }

  // The first encryption once more, single-shot.
  const auto& first = v.at("encryptions").as_array().at(0).as_object();
  const auto single = open_base(aead, field(v, "enc"), *recipient, info, field(first, "aad"), field(first, "ct"));
  ASSERT_TRUE(single);
  EXPECT_EQ(hex(*single), first.at("pt").as_string());

  for (const auto& item : v.at("exports").as_array()) {
    const auto& e = item.as_object();
    const auto length = static_cast<std::size_t>(e.at("L").as_int64());
    const auto from_sender = sender->export_secret(field(e, "exporter_context"), length);
    const auto from_receiver = receiver->export_secret(field(e, "exporter_context"), length);
    ASSERT_TRUE(from_sender && from_receiver);
    EXPECT_EQ(hex(*from_sender), e.at("exported_value").as_string());
    EXPECT_EQ(hex(*from_receiver), e.at("exported_value").as_string());
    ++counts.exports;
  }
  ++counts.vectors;
}

TEST(HpkeRfc9180, PassesEveryBaseModeP256VectorWithBothAesGcmSuites) {
  ASSERT_TRUE(std::filesystem::exists(kVectors)) << "missing vector file: " << kVectors;
  const auto document = boost::json::parse(read_file(kVectors));
  Counts counts;
  for (const auto& item : document.as_array()) {
    const auto& v = item.as_object();
    const auto aead_id = v.at("aead_id").as_int64();
    if (v.at("mode").as_int64() != 0 || v.at("kem_id").as_int64() != kKemP256HkdfSha256 ||
        v.at("kdf_id").as_int64() != kKdfHkdfSha256 || (aead_id != 1 && aead_id != 2)) {
      ++counts.others;
      continue;
    }
    SCOPED_TRACE("base mode, P-256, aead_id " + std::to_string(aead_id));
    check_vector(v, counts);
  }
  std::cout << "[ rfc 9180 ] base-mode P-256 vectors checked: " << counts.vectors << " (" << counts.encryptions
            << " encryptions, " << counts.exports << " exports); other entries not for this suite: " << counts.others
            << "\n";
  // SOURCES.md: one base-mode P-256 entry per AEAD, each with 257 encryptions and 3 exports.
  EXPECT_EQ(counts.vectors, 2);
  EXPECT_EQ(counts.encryptions, 2 * 257);
  EXPECT_EQ(counts.exports, 2 * 3);
}

}  // namespace
}  // namespace dragops::crypto::hpke
