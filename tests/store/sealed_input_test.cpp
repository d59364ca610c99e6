#include "store/sealed_input.hpp"

#include "crypto/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dragops::store {
namespace {

constexpr std::string_view kCanary = "CANARY-sealed-input-7c1f";

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string hex(const std::vector<std::uint8_t>& data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

const crypto::hpke::KeyPair& cluster_key() {
  static const auto pair = crypto::hpke::generate_key_pair();
  return *pair;
}

SealingKeyLookup holding(const crypto::hpke::KeyPair& pair) {
  return [&pair](const crypto::SealingKeyId& id) {
    return id == crypto::key_id_of(pair.public_key) ? &pair : nullptr;
  };
}

SealedInputTarget jira_token() { return {"team-a", Kind::connection, "jira", "api_token"}; }

std::string sealed(const SealedInputTarget& target = jira_token(), std::string_view plaintext = kCanary) {
  return *seal_input(cluster_key().public_key, target, bytes(plaintext));
}

// The worked example of docs/sealing.md, computed independently (Python's struct.pack).
TEST(SealedInputInfo, IsTheLengthPrefixedLabelNamespaceKindNameAndItem) {
  EXPECT_EQ(hex(sealed_input_info(jira_token())),
            "0000001a647261676f70732e696f2f7365616c65642d696e7075742f7631"
            "000000067465616d2d61"
            "0000000a436f6e6e656374696f6e"
            "000000046a697261"
            "000000096170695f746f6b656e");
}

TEST(SealedInputInfo, DiffersWhenABoundaryMoves) {
  EXPECT_NE(sealed_input_info({"ab", Kind::secret, "c", "d"}), sealed_input_info({"a", Kind::secret, "bc", "d"}));
}

TEST(SealedInput, OpensWhereItWasSealedForToTheExactPlaintext) {
  auto opened = open_sealed_input(holding(cluster_key()), jira_token(), sealed());
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->view(), kCanary);
}

TEST(SealedInput, IsOneLineOfBase64WithoutThePlaintext) {
  const auto text = sealed();
  EXPECT_EQ(text.find_first_of(" \n\r\t"), std::string::npos);
  EXPECT_TRUE(crypto::base64_decode(text));
  EXPECT_EQ(text.find(kCanary), std::string::npos);
}

TEST(SealedInput, CopiedToAnotherNamespaceKindNameOrItemDoesNotOpen) {
  const auto text = sealed();
  for (const SealedInputTarget& elsewhere : {SealedInputTarget{"team-b", Kind::connection, "jira", "api_token"},
                                             SealedInputTarget{"team-a", Kind::secret, "jira", "api_token"},
                                             SealedInputTarget{"team-a", Kind::connection, "jira2", "api_token"},
                                             SealedInputTarget{"team-a", Kind::connection, "jira", "email"}}) {
    auto opened = open_sealed_input(holding(cluster_key()), elsewhere, text);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().error, SealedInputError::does_not_open);
    EXPECT_EQ(opened.error().key_id, key_id_hex(crypto::key_id_of(cluster_key().public_key)));
  }
}

TEST(SealedInput, SealedToAKeyNotHeldIsUnknownKeyNamingItsId) {
  const auto other = crypto::hpke::generate_key_pair();
  const auto text = *seal_input(other->public_key, jira_token(), bytes(kCanary));
  auto opened = open_sealed_input(holding(cluster_key()), jira_token(), text);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().error, SealedInputError::unknown_key);
  EXPECT_EQ(opened.error().key_id, key_id_hex(crypto::key_id_of(other->public_key)));
  EXPECT_FALSE(open_sealed_input({}, jira_token(), text));   // no keys at all
}

TEST(SealedInput, TextThatIsNotASealedValueSaysWhy) {
  struct Case {
    std::string text;
    SealedInputError error;
  };
  const auto valid = sealed();
  auto raw = *crypto::base64_decode(valid);
  auto version2 = raw;
  version2[0] = 2;
  auto flipped = raw;
  flipped.back() ^= 1;
  for (const auto& [text, error] : {Case{std::string(kCanary), SealedInputError::not_base64},
                                    Case{valid + "\n", SealedInputError::not_base64},
                                    Case{"", SealedInputError::malformed},
                                    Case{"AQAA", SealedInputError::malformed},
                                    Case{crypto::base64_encode(version2), SealedInputError::unsupported_version},
                                    Case{crypto::base64_encode(flipped), SealedInputError::does_not_open}}) {
    auto opened = open_sealed_input(holding(cluster_key()), jira_token(), text);
    ASSERT_FALSE(opened) << to_string(error);
    EXPECT_EQ(opened.error().error, error) << to_string(error);
  }
}

TEST(SealedInput, NamesItsKeyWithoutOpening) {
  EXPECT_EQ(sealed_input_key_id(sealed()), crypto::key_id_of(cluster_key().public_key));
  EXPECT_FALSE(sealed_input_key_id("not base64!"));
  EXPECT_FALSE(sealed_input_key_id("AQAA"));
}

TEST(SealedInput, KeyIdHexIsSixteenLowerCaseDigits) {
  EXPECT_EQ(key_id_hex({0x87, 0x10, 0xce, 0xe5, 0x9c, 0xfe, 0x35, 0x5a}), "8710cee59cfe355a");
}

}  // namespace
}  // namespace dragops::store
