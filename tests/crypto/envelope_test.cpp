// The sealed envelope: round trip, tamper resistance, context binding, rotation, AAD encoding.

#include "crypto/envelope.hpp"
#include "crypto/envelope_format.hpp"
#include "hex.hpp"

#include <gtest/gtest.h>

#include <set>

namespace dragops::crypto {
namespace {

namespace format = envelope_format;
using testing::bytes_of;
using testing::to_hex;

const Context kContext{"team-a", "Connection", "github", "0b7c6f4e-1111-4222-8333-944445555666", "token"};
constexpr std::string_view kCanary = "canary-plaintext-7f3a";

Context with_field(Context context, int field, std::string value) {
  std::string* fields[] = {&context.namespace_, &context.kind, &context.name, &context.uid, &context.item};
  *fields[field] = std::move(value);
  return context;
}

TEST(Envelope, OpensWhatItSeals) {
  const auto ring = Keyring::generate();
  const auto envelope = seal(ring, kContext, bytes_of(kCanary));
  ASSERT_EQ(envelope.size(), format::kMinSize + kCanary.size());
  EXPECT_EQ(envelope[0], format::kFormatVersion);
  EXPECT_EQ(std::string(envelope.begin(), envelope.end()).find(kCanary), std::string::npos);
  const auto opened = open(ring, kContext, envelope);
  ASSERT_TRUE(opened) << to_string(opened.error());
  EXPECT_EQ(opened->view(), kCanary);
}

TEST(Envelope, SealsAndOpensAnEmptyValue) {
  const auto ring = Keyring::generate();
  const auto envelope = seal(ring, kContext, {});
  ASSERT_EQ(envelope.size(), format::kMinSize);
  const auto opened = open(ring, kContext, envelope);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->empty());
}

TEST(Envelope, NamesItsKeyVersionBigEndian) {
  auto ring = Keyring::generate();
  ring.rotate();
  const auto envelope = seal(ring, kContext, bytes_of("x"));
  EXPECT_EQ(to_hex({envelope.begin() + 1, envelope.begin() + 5}), "00000002");
  ASSERT_TRUE(key_version_of(envelope));
  EXPECT_EQ(*key_version_of(envelope), 2u);
}

TEST(EnvelopeOpen, RejectsEverySingleBitFlip) {
  const auto ring = Keyring::generate();
  const auto envelope = seal(ring, kContext, bytes_of(kCanary));
  std::size_t rejected = 0;
  for (std::size_t byte = 0; byte < envelope.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto tampered = envelope;
      tampered[byte] ^= static_cast<std::uint8_t>(1u << bit);
      const auto opened = open(ring, kContext, tampered);
      ASSERT_FALSE(opened) << "flip of byte " << byte << " bit " << bit << " still opened";
      const auto expected = byte == 0                          ? OpenError::unsupported_version
                            : byte < format::kSaltOffset       ? OpenError::unknown_key_version
                                                               : OpenError::authentication_failed;
      EXPECT_EQ(opened.error(), expected) << "byte " << byte << " bit " << bit;
      ++rejected;
    }
  }
  EXPECT_EQ(rejected, envelope.size() * 8);
}

TEST(EnvelopeOpen, RejectsEveryTruncation) {
  const auto ring = Keyring::generate();
  const auto envelope = seal(ring, kContext, bytes_of(kCanary));
  const std::span<const std::uint8_t> bytes(envelope);
  for (std::size_t size = 0; size < envelope.size(); ++size) {
    const auto prefix = open(ring, kContext, bytes.first(size));
    ASSERT_FALSE(prefix) << "prefix of " << size << " bytes opened";
    if (size < format::kMinSize) {
      EXPECT_EQ(prefix.error(), OpenError::malformed) << size;
    } else {
      EXPECT_EQ(prefix.error(), OpenError::authentication_failed) << size;
    }
    ASSERT_FALSE(open(ring, kContext, bytes.last(size))) << "suffix of " << size << " bytes opened";
  }
}

TEST(EnvelopeOpen, RejectsAnyAppendedByte) {
  const auto ring = Keyring::generate();
  auto envelope = seal(ring, kContext, bytes_of(kCanary));
  envelope.push_back(0);
  const auto opened = open(ring, kContext, envelope);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), OpenError::authentication_failed);
}

TEST(EnvelopeOpen, RejectsAContextThatDiffersInAnyOneField) {
  const auto ring = Keyring::generate();
  const auto envelope = seal(ring, kContext, bytes_of(kCanary));
  ASSERT_TRUE(open(ring, kContext, envelope));
  for (int field = 0; field < 5; ++field) {
    for (const std::string& value : {std::string(), std::string("other"), std::string("Token")}) {
      const auto other = with_field(kContext, field, value);
      const auto opened = open(ring, other, envelope);
      ASSERT_FALSE(opened) << "field " << field << " = '" << value << "' still opened";
      EXPECT_EQ(opened.error(), OpenError::authentication_failed);
    }
  }
}

TEST(EnvelopeOpen, RejectsAnUnknownKeyVersionWithItsOwnError) {
  auto ring = Keyring::generate();
  ring.rotate();
  const auto envelope = seal(ring, kContext, bytes_of(kCanary));
  const auto other_ring = Keyring::generate();  // only version 1
  const auto opened = open(other_ring, kContext, envelope);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), OpenError::unknown_key_version);
  EXPECT_EQ(to_string(opened.error()), "unknown key version");
}

TEST(EnvelopeOpen, RejectsTheSameVersionUnderADifferentKey) {
  const auto envelope = seal(Keyring::generate(), kContext, bytes_of(kCanary));
  const auto opened = open(Keyring::generate(), kContext, envelope);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), OpenError::authentication_failed);
}

TEST(EnvelopeOpen, DistinguishesMalformedFromUnsupported) {
  const auto ring = Keyring::generate();
  EXPECT_EQ(open(ring, kContext, {}).error(), OpenError::malformed);
  EXPECT_EQ(open(ring, kContext, std::vector<std::uint8_t>{1, 0, 0}).error(), OpenError::malformed);
  std::vector<std::uint8_t> future(100, 0);
  future[0] = 2;
  EXPECT_EQ(open(ring, kContext, future).error(), OpenError::unsupported_version);
  EXPECT_EQ(key_version_of(future).error(), OpenError::unsupported_version);
  EXPECT_EQ(key_version_of(std::vector<std::uint8_t>{1, 0}).error(), OpenError::malformed);
}

TEST(EnvelopeOpen, NeverLeavesPlaintextInAFailedResult) {
  const auto ring = Keyring::generate();
  auto envelope = seal(ring, kContext, bytes_of(kCanary));
  envelope.back() ^= 1;
  const auto opened = open(ring, kContext, envelope);
  ASSERT_FALSE(opened);
  EXPECT_FALSE(opened.has_value());
}

TEST(EnvelopeRotation, OldVersionsOpenNewSealsUseThePrimaryRetiredVersionsFail) {
  auto ring = Keyring::generate();
  const auto sealed_v1 = seal(ring, kContext, bytes_of(kCanary));
  EXPECT_EQ(*key_version_of(sealed_v1), 1u);

  EXPECT_EQ(ring.rotate(), 2u);
  EXPECT_EQ(ring.primary(), 2u);
  const auto still = open(ring, kContext, sealed_v1);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->view(), kCanary);

  const auto sealed_v2 = seal(ring, kContext, bytes_of(kCanary));
  EXPECT_EQ(*key_version_of(sealed_v2), 2u);

  ASSERT_TRUE(ring.retire(1));
  const auto retired = open(ring, kContext, sealed_v1);
  ASSERT_FALSE(retired);
  EXPECT_EQ(retired.error(), OpenError::unknown_key_version);
  EXPECT_TRUE(open(ring, kContext, sealed_v2));
}

TEST(EncodeAad, PinsTheDocumentedLayout) {
  const auto aad = encode_aad(Context{"ns", "Secret", "db", "u", ""});
  // docs/envelope.md: u32be length + bytes, for the label then each field in order.
  EXPECT_EQ(to_hex(aad),
            "0000001a" + to_hex(bytes_of(format::kAadLabel)) + "00000002" + to_hex(bytes_of("ns")) + "00000006" +
                to_hex(bytes_of("Secret")) + "00000002" + to_hex(bytes_of("db")) + "00000001" + to_hex(bytes_of("u")) +
                "00000000");
}

TEST(EncodeAad, KeepsShiftedBoundariesApart) {
  for (int field = 0; field < 4; ++field) {
    const auto left = with_field(with_field(kContext, field, "ab"), field + 1, "c");
    const auto right = with_field(with_field(kContext, field, "a"), field + 1, "bc");
    EXPECT_NE(encode_aad(left), encode_aad(right)) << "fields " << field << " and " << field + 1;
  }
}

TEST(EncodeAad, NeverEncodesTwoContextsAlike) {
  // Every context whose fields come from a small alphabet of troublesome values.
  const std::vector<std::string> values = {"", "a", "ab", "b", std::string("\0", 1), std::string("a\0\0\0", 4)};
  std::set<std::vector<std::uint8_t>> seen;
  std::size_t contexts = 0;
  for (const auto& ns : values)
    for (const auto& kind : values)
      for (const auto& name : values)
        for (const auto& uid : values)
          for (const auto& item : values) {
            seen.insert(encode_aad(Context{ns, kind, name, uid, item}));
            ++contexts;
          }
  EXPECT_EQ(seen.size(), contexts);
}

}  // namespace
}  // namespace dragops::crypto
