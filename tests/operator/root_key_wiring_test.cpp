// The PKCS#11 wiring of the operator against SoftHSM2: the PIN from a file, and a refused PIN
// not tried again until it changes (so that retries do not lock a real token's PIN).

#include "operator/root_key_wiring.hpp"

#include "../pkcs11/softhsm.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace dragops::op {
namespace {

struct Pkcs11WiringTest : ::testing::Test {
  testing::SoftHsm hsm;
  Options options;
  std::string pin_file = (hsm.dir() / "pin").string();

  void SetUp() override {
    ASSERT_TRUE(hsm.init_token("wiring", "1234"));
    options.pkcs11_module = DRAGOPS_SOFTHSM2_MODULE;
    options.pkcs11_token_label = "wiring";
    options.pkcs11_key_label = "root-wrap";
    options.pkcs11_pin_file = pin_file;
    options.pkcs11_create_key = true;
  }
  void write_pin(const std::string& pin) { std::ofstream(pin_file) << pin << "\n"; }
};

const char* no_env(const char*) { return nullptr; }

TEST_F(Pkcs11WiringTest, NoModuleMeansNoWrapper) {
  EXPECT_FALSE(pkcs11_wrapper_source(Options{}, no_env));
}

TEST_F(Pkcs11WiringTest, ARefusedPinIsNotTriedAgainUntilItChanges) {
  auto source = pkcs11_wrapper_source(options, no_env);
  ASSERT_TRUE(source);
  write_pin("0000");
  auto first = source();
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error(), "login to token \"wiring\" failed: CKR_PIN_INCORRECT (wrong PIN)");
  auto again = source();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), first.error() + "; not tried again until the PIN changes");
  write_pin("1234");
  auto opened = source();
  ASSERT_TRUE(opened) << opened.error();
  EXPECT_EQ((*opened)->info().key, "root-wrap");
  auto held = source();
  ASSERT_TRUE(held);
  EXPECT_EQ(*held, *opened);   // opened once, then held
}

TEST_F(Pkcs11WiringTest, ThePinComesFromTheEnvironmentWithoutAFile) {
  options.pkcs11_pin_file.clear();
  EXPECT_EQ(pkcs11_wrapper_source(options, no_env)().error(), "no PIN: set --pkcs11-pin-file or DRAGOPS_PKCS11_PIN");
  auto source = pkcs11_wrapper_source(options, [](const char* name) -> const char* {
    return std::string_view(name) == "DRAGOPS_PKCS11_PIN" ? "1234" : nullptr;
  });
  auto opened = source();
  EXPECT_TRUE(opened) << opened.error();
}

TEST_F(Pkcs11WiringTest, AMissingPinFileIsNamed) {
  auto opened = pkcs11_wrapper_source(options, no_env)();
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), "the PIN file " + pin_file + " cannot be read");
}

}  // namespace
}  // namespace dragops::op
