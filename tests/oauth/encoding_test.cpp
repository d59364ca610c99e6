#include "oauth/encoding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dragops::oauth {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(Base64Url, EncodesTheRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(bytes("")), "");
  EXPECT_EQ(base64url_encode(bytes("f")), "Zg");
  EXPECT_EQ(base64url_encode(bytes("fo")), "Zm8");
  EXPECT_EQ(base64url_encode(bytes("foo")), "Zm9v");
  EXPECT_EQ(base64url_encode(bytes("foob")), "Zm9vYg");
  EXPECT_EQ(base64url_encode(bytes("fooba")), "Zm9vYmE");
  EXPECT_EQ(base64url_encode(bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode(std::vector<std::uint8_t>{0xfb, 0xff}), "-_8");
}

TEST(Base64Url, DecodesWhatItEncodes) {
  for (std::size_t n = 0; n < 40; ++n) {
    std::vector<std::uint8_t> data(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 37 + n);
    const auto decoded = base64url_decode(base64url_encode(data));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, data);
  }
}

TEST(Base64Url, RejectsPaddingForeignCharactersAndNonCanonicalTails) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm+v"));
  EXPECT_FALSE(base64url_decode("Zm/v"));
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zh"));  // non-zero bits after the last byte
  EXPECT_TRUE(base64url_decode("Zg"));
}

TEST(FormEncode, KeepsUnreservedAndEncodesEverythingElse) {
  EXPECT_EQ(form_encode("abc-._*XYZ019"), "abc-._*XYZ019");
  EXPECT_EQ(form_encode("a b"), "a+b");
  EXPECT_EQ(form_encode("a+b&c=d/e:f%"), "a%2Bb%26c%3Dd%2Fe%3Af%25");
  EXPECT_EQ(form_encode("\xc3\xa9"), "%C3%A9");
}

TEST(FormBody, JoinsEncodedPairsWithAmpersands) {
  FormBody body;
  body.add("grant_type", "refresh_token").add("refresh_token", "a+b c");
  EXPECT_EQ(body.take().view(), "grant_type=refresh_token&refresh_token=a%2Bb+c");
}

}  // namespace
}  // namespace dragops::oauth
