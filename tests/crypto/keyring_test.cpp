// The key ring: versions, primary, rotation, and loading with clear, key-free error messages.

#include "crypto/keyring.hpp"
#include "crypto/base64.hpp"

#include <gtest/gtest.h>

namespace dragops::crypto {
namespace {

// A recognisable key so tests can check that no message ever contains it.
const std::string kCanaryKey = base64_encode(std::vector<std::uint8_t>(32, 0xc7));  // "x8fHx8..."
const std::string kOtherKey = base64_encode(std::vector<std::uint8_t>(32, 0x5a));

std::string load_error(const std::string& text) {
  const auto ring = Keyring::load(text);
  EXPECT_FALSE(ring) << "loaded: " << text;
  if (ring) return "";
  EXPECT_EQ(ring.error().find(kCanaryKey.substr(0, 12)), std::string::npos) << ring.error();
  EXPECT_EQ(ring.error().find("x8fHx8fH"), std::string::npos) << ring.error();
  return ring.error();
}

TEST(Keyring, GeneratesVersionOneAsPrimary) {
  const auto ring = Keyring::generate();
  EXPECT_EQ(ring.primary(), 1u);
  EXPECT_EQ(ring.versions(), std::vector<std::uint32_t>{1});
  ASSERT_NE(ring.key(1), nullptr);
  EXPECT_EQ(ring.key(1)->size(), kDataKeySize);
  EXPECT_EQ(ring.key(2), nullptr);
  EXPECT_FALSE(ring.key(1)->equals(*Keyring::generate().key(1)));
}

TEST(Keyring, AddsRotatesAndRetires) {
  auto ring = Keyring::generate();
  EXPECT_EQ(ring.add(), 2u);
  EXPECT_EQ(ring.primary(), 1u);
  EXPECT_EQ(ring.rotate(), 3u);
  EXPECT_EQ(ring.primary(), 3u);
  EXPECT_EQ(ring.versions(), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_FALSE(ring.retire(3)) << "the primary cannot be retired";
  EXPECT_FALSE(ring.retire(9)) << "an absent version cannot be retired";
  EXPECT_TRUE(ring.retire(1));
  EXPECT_FALSE(ring.has(1));
  EXPECT_TRUE(ring.set_primary(2));
  EXPECT_FALSE(ring.set_primary(1));
  EXPECT_EQ(ring.primary(), 2u);
  EXPECT_EQ(ring.add(), 4u) << "versions are never reused";
}

TEST(Keyring, SurvivesASerialiseLoadRoundTrip) {
  auto ring = Keyring::generate();
  ring.rotate();
  ring.add();
  const auto text = ring.serialise();
  const auto loaded = Keyring::load(text.view());
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->primary(), 2u);
  EXPECT_EQ(loaded->versions(), (std::vector<std::uint32_t>{1, 2, 3}));
  for (auto v : ring.versions()) EXPECT_TRUE(loaded->key(v)->equals(*ring.key(v))) << v;
}

TEST(Keyring, LoadsTheDocumentedForm) {
  const auto ring = Keyring::load(R"({"primary": 2, "keys": [{"version": 1, "key": ")" + kCanaryKey +
                                  R"("}, {"version": 2, "key": ")" + kOtherKey + R"("}]})");
  ASSERT_TRUE(ring) << ring.error();
  EXPECT_EQ(ring->primary(), 2u);
  EXPECT_EQ(ring->key(1)->span()[0], 0xc7);
}

TEST(KeyringLoad, RejectsTextThatIsNotJson) {
  EXPECT_NE(load_error("{\"primary\": 1, \"keys\": [").find("not valid JSON"), std::string::npos);
  EXPECT_NE(load_error("").find("not valid JSON"), std::string::npos);
  EXPECT_NE(load_error("{} trailing").find("not valid JSON"), std::string::npos);
}

TEST(KeyringLoad, RejectsTheWrongShape) {
  EXPECT_EQ(load_error("[1, 2]"), "key ring must be a JSON object");
  EXPECT_EQ(load_error(R"({"primary": 1})"), "key ring has no \"keys\" array");
  EXPECT_EQ(load_error(R"({"primary": 1, "keys": {}})"), "key ring has no \"keys\" array");
  EXPECT_EQ(load_error(R"({"primary": 1, "keys": [7]})"), "keys[0] is not an object");
  EXPECT_EQ(load_error(R"({"primary": 1, "keys": [{"key": ")" + kCanaryKey + R"("}]})"),
            "keys[0] has no valid \"version\" (an integer from 1 to 4294967295)");
  EXPECT_EQ(load_error(R"({"primary": 1, "keys": [{"version": 0, "key": ")" + kCanaryKey + R"("}]})"),
            "keys[0] has no valid \"version\" (an integer from 1 to 4294967295)");
  EXPECT_EQ(load_error(R"({"primary": 1, "keys": [{"version": 4294967296, "key": ")" + kCanaryKey + R"("}]})"),
            "keys[0] has no valid \"version\" (an integer from 1 to 4294967295)");
  EXPECT_EQ(load_error(R"({"primary": 1, "keys": [{"version": 1}]})"), "key version 1 has no \"key\" string");
}

TEST(KeyringLoad, RejectsARingWithNoKeys) {
  EXPECT_EQ(load_error(R"({"primary": 1, "keys": []})"), "key ring holds no keys");
}

TEST(KeyringLoad, RejectsAMissingOrInvalidPrimary) {
  const std::string keys = R"("keys": [{"version": 1, "key": ")" + kCanaryKey + R"("}])";
  const std::string no_primary = "key ring has no valid \"primary\" (an integer version from 1 to 4294967295)";
  EXPECT_EQ(load_error("{" + keys + "}"), no_primary);
  EXPECT_EQ(load_error(R"({"primary": "1", )" + keys + "}"), no_primary);
  EXPECT_EQ(load_error(R"({"primary": -3, )" + keys + "}"), no_primary);
}

TEST(KeyringLoad, SaysWhichPrimaryIsMissing) {
  EXPECT_EQ(load_error(R"({"primary": 7, "keys": [{"version": 1, "key": ")" + kCanaryKey + R"("}]})"),
            "primary version 7 is not in the key ring");
}

TEST(KeyringLoad, SaysWhichVersionHasTheWrongKeyLength) {
  const std::string short_key = base64_encode(std::vector<std::uint8_t>(16, 0xc7));
  EXPECT_EQ(load_error(R"({"primary": 1, "keys": [{"version": 1, "key": ")" + kCanaryKey +
                       R"("}, {"version": 5, "key": ")" + short_key + R"("}]})"),
            "key version 5 has 16 bytes; a data key has 32");
  EXPECT_EQ(load_error(R"({"primary": 3, "keys": [{"version": 3, "key": ""}]})"),
            "key version 3 has 0 bytes; a data key has 32");
}

TEST(KeyringLoad, SaysWhichVersionIsNotBase64) {
  EXPECT_EQ(load_error(R"({"primary": 4, "keys": [{"version": 4, "key": ")" + kCanaryKey.substr(0, 43) + R"(!"}]})"),
            "key version 4 is not valid base64");
}

TEST(KeyringLoad, SaysWhichVersionIsDuplicated) {
  EXPECT_EQ(load_error(R"({"primary": 1, "keys": [{"version": 1, "key": ")" + kCanaryKey +
                       R"("}, {"version": 2, "key": ")" + kOtherKey + R"("}, {"version": 2, "key": ")" + kCanaryKey +
                       R"("}]})"),
            "key version 2 appears twice");
}

}  // namespace
}  // namespace dragops::crypto
