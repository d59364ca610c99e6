// The sealed value (docs/sealing.md): its byte layout, and an error value, never a crash, for
// every truncated, extended, tampered or misdirected value.

#include "crypto/sealed_value.hpp"
#include "hex.hpp"

#include <gtest/gtest.h>

namespace dragops::crypto {
namespace {

namespace format = sealed_value_format;
using testing::bytes_of;
using testing::from_hex;
using testing::to_hex;

// RFC 9180 A.3.1's recipient key, so that the key id below can be checked by hand:
// sha256(pkRm)[0:8].
hpke::KeyPair recipient() {
  auto pair = hpke::derive_key_pair(from_hex("668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550"));
  if (!pair) std::abort();
  return std::move(*pair);
}

const auto kInfo = bytes_of("dragops.io/v1 team-a/Connection/jira/api_token");

std::vector<std::uint8_t> seal(std::string_view plaintext, std::span<const std::uint8_t> aad = {}) {
  auto sealed = seal_value(recipient().public_key, kInfo, aad, bytes_of(plaintext));
  if (!sealed) std::abort();
  return std::move(*sealed);
}

TEST(SealedValue, HasTheDocumentedLayout) {
  const auto key = recipient();
  const auto value = seal("hunter2");
  ASSERT_EQ(value.size(), format::kMinSize + 7);
  EXPECT_EQ(value[0], 1);
  EXPECT_EQ(to_hex({value.begin() + 1, value.begin() + 9}), "8710cee59cfe355a");
  EXPECT_EQ(key_id_of(key.public_key), (SealingKeyId{0x87, 0x10, 0xce, 0xe5, 0x9c, 0xfe, 0x35, 0x5a}));
  EXPECT_EQ(value[9], 0x04);
  const auto parsed = parse_sealed_value(value);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->version, 1);
  EXPECT_EQ(parsed->key_id, key_id_of(key.public_key));
  EXPECT_EQ(parsed->enc.data(), value.data() + 9);
  EXPECT_EQ(parsed->enc.size(), 65u);
  EXPECT_EQ(parsed->ciphertext.data(), value.data() + 74);
  EXPECT_EQ(parsed->ciphertext.size(), 7u + 16u);
  // The enc and ciphertext are plain HPKE: they open with open_base as well.
  const auto opened = hpke::open_base(hpke::Aead::aes_256_gcm, parsed->enc, key, kInfo, {}, parsed->ciphertext);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->view(), "hunter2");
}

TEST(SealedValue, RoundTripsEmptyAndLongValues) {
  for (const std::string& plaintext : {std::string(), std::string(1, 'x'), std::string(70000, 'y')}) {
    const auto value = seal(plaintext, bytes_of("aad"));
    const auto opened = open_sealed_value(recipient(), kInfo, bytes_of("aad"), value);
    ASSERT_TRUE(opened) << to_string(opened.error());
    EXPECT_EQ(opened->view(), plaintext);
  }
}

TEST(SealedValue, RefusesAPublicKeyThatIsNotOne) {
  std::vector<std::uint8_t> bad(hpke::kPublicKeySize, 0);
  bad[0] = 0x04;
  const auto sealed = seal_value(bad, kInfo, {}, bytes_of("x"));
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error(), hpke::Error::invalid_public_key);
}

TEST(SealedValueOpen, RefusesAnotherInfoAadOrKey) {
  const auto value = seal("hunter2", bytes_of("aad"));
  EXPECT_EQ(open_sealed_value(recipient(), bytes_of("dragops.io/v1 team-a/Connection/jira/email"), bytes_of("aad"), value)
                .error(),
            SealedValueError::authentication_failed);
  EXPECT_EQ(open_sealed_value(recipient(), kInfo, bytes_of("aae"), value).error(),
            SealedValueError::authentication_failed);
  const auto other = hpke::generate_key_pair();
  ASSERT_TRUE(other);
  EXPECT_EQ(open_sealed_value(*other, kInfo, bytes_of("aad"), value).error(), SealedValueError::unknown_key);
  // The other key under this key's id: the id is not trusted, the KEM binds the real key.
  auto misnamed = value;
  const auto other_id = key_id_of(other->public_key);
  std::copy(other_id.begin(), other_id.end(), misnamed.begin() + 1);
  EXPECT_EQ(open_sealed_value(*other, kInfo, bytes_of("aad"), misnamed).error(), SealedValueError::authentication_failed);
}

TEST(SealedValueParse, NamesWhatIsWrongWithTheLayout) {
  const auto value = seal("v");
  EXPECT_EQ(parse_sealed_value({}).error(), SealedValueError::malformed);
  for (std::size_t size = 1; size < format::kMinSize; ++size) {
    EXPECT_EQ(parse_sealed_value(std::span(value).first(size)).error(), SealedValueError::malformed) << size;
    EXPECT_EQ(open_sealed_value(recipient(), kInfo, {}, std::span(value).first(size)).error(),
              SealedValueError::malformed)
        << size;
  }
  EXPECT_TRUE(parse_sealed_value(std::span(value).first(format::kMinSize)));  // parses; the tag is wrong
  for (const std::uint8_t version : {0, 2, 0xff}) {
    auto changed = value;
    changed[0] = version;
    EXPECT_EQ(parse_sealed_value(changed).error(), SealedValueError::unsupported_version);
    EXPECT_EQ(open_sealed_value(recipient(), kInfo, {}, changed).error(), SealedValueError::unsupported_version);
  }
  auto compressed = value;
  compressed[9] = 0x02;
  EXPECT_EQ(parse_sealed_value(compressed).error(), SealedValueError::malformed);
}

TEST(SealedValueOpen, RejectsEverySingleBitFlipAndEveryTruncation) {
  const auto key = recipient();
  const auto value = seal("a credential");
  for (std::size_t bit = 0; bit < 8 * value.size(); ++bit) {
    auto changed = value;
    changed[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const auto opened = open_sealed_value(key, kInfo, {}, changed);
    ASSERT_FALSE(opened) << "bit " << bit;
    const std::size_t byte = bit / 8;
    const auto expected = byte == 0                          ? SealedValueError::unsupported_version
                          : byte < format::kEncOffset        ? SealedValueError::unknown_key
                          : byte == format::kEncOffset       ? SealedValueError::malformed
                          : byte < format::kHeaderSize       ? opened.error()  // off the curve or another point
                                                             : SealedValueError::authentication_failed;
    EXPECT_EQ(opened.error(), expected) << "bit " << bit;
    EXPECT_TRUE(opened.error() == SealedValueError::malformed ||
                opened.error() == SealedValueError::authentication_failed || byte < format::kEncOffset)
        << "bit " << bit;
  }
  for (std::size_t size = 0; size < value.size(); ++size) {
    EXPECT_FALSE(open_sealed_value(key, kInfo, {}, std::span(value).first(size))) << size;
  }
  auto longer = value;
  longer.push_back(0);
  EXPECT_EQ(open_sealed_value(key, kInfo, {}, longer).error(), SealedValueError::authentication_failed);
}

}  // namespace
}  // namespace dragops::crypto
