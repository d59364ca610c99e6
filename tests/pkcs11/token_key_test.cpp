#include "pkcs11/token_key.hpp"

#include "softhsm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace dragops::pkcs11 {
namespace {

using dragops::testing::SoftHsm;

std::vector<std::uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }
crypto::SecretBytes pin(std::string_view text) { return crypto::SecretBytes::from_string(text); }

struct TokenKeyTest : ::testing::Test {
  SoftHsm hsm;
  TokenKeyOptions options{DRAGOPS_SOFTHSM2_MODULE, "dragops-test", std::nullopt, "root-wrap", false};

  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(DRAGOPS_SOFTHSM2_MODULE))
        << DRAGOPS_SOFTHSM2_MODULE << " is missing: install softhsm2 (make deps)";
    ASSERT_TRUE(hsm.init_token("dragops-test", "1234")) << "softhsm2-util --init-token failed";
  }
  std::unique_ptr<TokenKey> open_creating() {
    auto with_create = options;
    with_create.create_key = true;
    auto key = TokenKey::open(with_create, pin("1234"));
    EXPECT_TRUE(key) << (key ? "" : key.error());
    return key ? std::move(*key) : nullptr;
  }
};

TEST_F(TokenKeyTest, CreatesTheKeyOnlyWhenAskedAndWrapsAndUnwraps) {
  auto missing = TokenKey::open(options, pin("1234"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "no AES key labelled \"root-wrap\" on token \"dragops-test\" (create it, or let the operator "
                             "create it with --pkcs11-create-key)");
  auto key = open_creating();
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->created());
  EXPECT_EQ(key->info(), (crypto::KeyWrapperInfo{"pkcs11", "CKM_AES_GCM", "dragops-test", "root-wrap"}));
  const auto secret = bytes(R"({"primary":1,"keys":[...]})");
  auto wrapped = key->wrap(secret, bytes("aad"));
  ASSERT_TRUE(wrapped) << wrapped.error();
  EXPECT_EQ(wrapped->size(), 1 + kWrapIvSize + secret.size() + kWrapTagSize);
  EXPECT_EQ(std::search(wrapped->begin(), wrapped->end(), secret.begin(), secret.end()), wrapped->end());
  auto unwrapped = key->unwrap(*wrapped, bytes("aad"));
  ASSERT_TRUE(unwrapped) << unwrapped.error();
  EXPECT_EQ(unwrapped->view(), std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()));
  // Two wraps of the same bytes differ (fresh IV).
  EXPECT_NE(*key->wrap(secret, bytes("aad")), *wrapped);
}

TEST_F(TokenKeyTest, AReopenedSessionFindsTheSameKeyOnTheToken) {
  std::vector<std::uint8_t> wrapped;
  {
    auto key = open_creating();
    ASSERT_TRUE(key);
    wrapped = *key->wrap(bytes("ring"), bytes("aad"));
  }
  auto again = TokenKey::open(options, pin("1234"));
  ASSERT_TRUE(again) << again.error();
  EXPECT_FALSE((*again)->created());
  auto unwrapped = (*again)->unwrap(wrapped, bytes("aad"));
  ASSERT_TRUE(unwrapped) << unwrapped.error();
  EXPECT_EQ(unwrapped->view(), "ring");
}

TEST_F(TokenKeyTest, RefusesAlteredBytesAndAnotherAad) {
  auto key = open_creating();
  ASSERT_TRUE(key);
  auto wrapped = *key->wrap(bytes("ring"), bytes("dragops-system"));
  auto other_aad = key->unwrap(wrapped, bytes("other-namespace"));
  ASSERT_FALSE(other_aad);
  EXPECT_NE(other_aad.error().find("does not unwrap with key \"root-wrap\" on token \"dragops-test\""), std::string::npos)
      << other_aad.error();
  for (std::size_t i : {std::size_t{1}, std::size_t{14}, wrapped.size() - 1}) {
    auto altered = wrapped;
    altered[i] ^= 0x01;
    EXPECT_FALSE(key->unwrap(altered, bytes("dragops-system"))) << "byte " << i;
  }
  EXPECT_EQ(key->unwrap(std::span(wrapped).first(20), bytes("dragops-system")).error(), "wrapped key is too short");
}

TEST_F(TokenKeyTest, AKeyWithTheSameLabelOnAnotherTokenDoesNotUnwrap) {
  auto key = open_creating();
  ASSERT_TRUE(key);
  auto wrapped = *key->wrap(bytes("ring"), bytes("aad"));
  key.reset();   // SoftHSM2 reads its tokens when the module is initialised
  ASSERT_TRUE(hsm.init_token("other", "5678"));
  auto other_options = options;
  other_options.token_label = "other";
  other_options.create_key = true;
  auto other = TokenKey::open(other_options, pin("5678"));
  ASSERT_TRUE(other) << other.error();
  EXPECT_FALSE((*other)->unwrap(wrapped, bytes("aad")));
}

TEST_F(TokenKeyTest, AWrongPinIsCkrPinIncorrect) {
  open_creating();
  auto refused = TokenKey::open(options, pin("9999"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), "login to token \"dragops-test\" failed: CKR_PIN_INCORRECT (wrong PIN)");
  EXPECT_EQ(refused.error().find("9999"), std::string::npos);
}

TEST_F(TokenKeyTest, NamesTheTokensPresentWhenTheLabelIsWrong) {
  auto wrong = options;
  wrong.token_label = "nope";
  auto refused = TokenKey::open(wrong, pin("1234"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), "no PKCS#11 token labelled \"nope\" (tokens present: \"dragops-test\")");
}

TEST_F(TokenKeyTest, NamesTheModuleThatCannotBeLoaded) {
  auto missing = options;
  missing.module = "/nonexistent/libpkcs11.so";
  auto refused = TokenKey::open(missing, pin("1234"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().rfind("PKCS#11 module /nonexistent/libpkcs11.so cannot be loaded: ", 0), 0u) << refused.error();
  auto not_pkcs11 = options;
  not_pkcs11.module = "libm.so.6";
  refused = TokenKey::open(not_pkcs11, pin("1234"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), "PKCS#11 module libm.so.6 has no C_GetFunctionList: not a PKCS#11 module");
}

}  // namespace
}  // namespace dragops::pkcs11
