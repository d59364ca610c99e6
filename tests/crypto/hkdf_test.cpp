// HKDF-SHA256 against RFC 5869 appendix A (the SHA-256 cases).

#include "crypto/hkdf.hpp"
#include "hex.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <random>

namespace dragops::crypto {
namespace {

using testing::from_hex;
using testing::to_hex;

struct Rfc5869Case {
  const char* name;
  const char* ikm;
  const char* salt;
  const char* info;
  std::size_t length;
  const char* okm;
};

const Rfc5869Case kCases[] = {
    {"A.1", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
    {"A.2",
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738"
     "393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
     "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798"
     "999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
     "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8"
     "e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
     82,
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b836"
     "7793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    {"A.3", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
};

TEST(HkdfSha256, MatchesTheRfc5869Vectors) {
  for (const auto& c : kCases) {
    std::vector<std::uint8_t> out(c.length);
    ASSERT_TRUE(hkdf_sha256(from_hex(c.ikm), from_hex(c.salt), from_hex(c.info), out)) << c.name;
    EXPECT_EQ(to_hex(out), c.okm) << c.name;
  }
}

TEST(HkdfSha256, GivesTheSameAnswersInAnyOrder) {
  // Contexts are reused per thread: nothing (salt, info, length) may carry over between calls.
  for (int round = 0; round < 2; ++round) {
    for (int i = 2; i >= 0; --i) {
      const auto& c = kCases[i];
      std::vector<std::uint8_t> out(c.length);
      ASSERT_TRUE(hkdf_sha256(from_hex(c.ikm), from_hex(c.salt), from_hex(c.info), out)) << c.name;
      EXPECT_EQ(to_hex(out), c.okm) << c.name;
    }
  }
}

// RFC 5869 appendix A's PRKs: extract alone, then expand from the PRK alone.
TEST(HkdfSha256, ExtractAndExpandSeparatelyMatchTheRfc5869Vectors) {
  const char* const prks[] = {"077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
                              "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
                              "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"};
  for (int i = 0; i < 3; ++i) {
    const auto& c = kCases[i];
    std::vector<std::uint8_t> prk(kSha256Size);
    ASSERT_TRUE(hkdf_sha256_extract(from_hex(c.salt), from_hex(c.ikm), std::span<std::uint8_t, kSha256Size>(prk)));
    EXPECT_EQ(to_hex(prk), prks[i]) << c.name;
    std::vector<std::uint8_t> out(c.length);
    ASSERT_TRUE(hkdf_sha256_expand(from_hex(prks[i]), from_hex(c.info), out)) << c.name;
    EXPECT_EQ(to_hex(out), c.okm) << c.name;
  }
  std::vector<std::uint8_t> prk(kSha256Size), too_long(255 * 32 + 1);
  EXPECT_FALSE(hkdf_sha256_extract({}, {}, std::span<std::uint8_t, kSha256Size>(prk)));
  EXPECT_FALSE(hkdf_sha256_expand(prk, {}, too_long));
  EXPECT_FALSE(hkdf_sha256_expand({}, {}, prk));
}

// OpenSSL's own HKDF (EVP_KDF), the reference the HMAC-based implementation must agree with.
std::vector<std::uint8_t> openssl_hkdf(const std::vector<std::uint8_t>& key, std::vector<std::uint8_t> salt,
                                       std::vector<std::uint8_t> info, std::size_t length) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
  EVP_KDF_CTX* context = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  char digest[] = "SHA256";
  std::vector<OSSL_PARAM> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(key.data()), key.size())};
  if (!salt.empty()) params.push_back(OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()));
  if (!info.empty()) params.push_back(OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()));
  params.push_back(OSSL_PARAM_construct_end());
  std::vector<std::uint8_t> out(length);
  const int derived = EVP_KDF_derive(context, out.data(), out.size(), params.data());
  EVP_KDF_CTX_free(context);
  EXPECT_EQ(derived, 1);
  return out;
}

TEST(HkdfSha256, AgreesWithOpenSslsEvpKdf) {
  std::mt19937 random(20261124);  // deterministic
  auto bytes = [&](std::size_t n) {
    std::vector<std::uint8_t> out(n);
    for (auto& b : out) b = static_cast<std::uint8_t>(random());
    return out;
  };
  for (int i = 0; i < 300; ++i) {
    const auto key = bytes(1 + random() % 80);
    const auto salt = bytes(random() % 70);
    const auto info = bytes(random() % 90);
    const std::size_t length = 1 + random() % 200;
    std::vector<std::uint8_t> out(length);
    ASSERT_TRUE(hkdf_sha256(key, salt, info, out));
    ASSERT_EQ(to_hex(out), to_hex(openssl_hkdf(key, salt, info, length))) << "case " << i;
  }
}

TEST(HkdfSha256, RefusesAnEmptyKeyOrAnOversizedOutput) {
  std::vector<std::uint8_t> too_long(255 * 32 + 1);
  EXPECT_FALSE(hkdf_sha256(from_hex("00"), {}, {}, too_long));

  std::vector<std::uint8_t> out(32);
  EXPECT_FALSE(hkdf_sha256({}, from_hex("00"), {}, out));
}

}  // namespace
}  // namespace dragops::crypto
