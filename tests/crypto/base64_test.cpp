#include "crypto/base64.hpp"
#include "hex.hpp"

#include <gtest/gtest.h>

namespace dragops::crypto {
namespace {

using testing::bytes_of;

TEST(Base64, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(base64_encode(bytes_of("")), "");
  EXPECT_EQ(base64_encode(bytes_of("f")), "Zg==");
  EXPECT_EQ(base64_encode(bytes_of("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(bytes_of("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(bytes_of("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_encode(bytes_of("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(bytes_of("foobar")), "Zm9vYmFy");
}

TEST(Base64, DecodesWhatItEncodes) {
  for (std::size_t size = 0; size < 70; ++size) {
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 11);
    const auto decoded = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(decoded) << size;
    EXPECT_EQ(*decoded, bytes) << size;
  }
}

TEST(Base64, RejectsNonCanonicalText) {
  for (const char* bad : {"Zg", "Zg=", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm 9", "Zm9v\n", "Zm-v", "=Zm9"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
    EXPECT_FALSE(base64_decode_secret(bad)) << bad;
  }
}

}  // namespace
}  // namespace dragops::crypto
