#include "crypto/secret_bytes.hpp"

#include <gtest/gtest.h>

#include <concepts>
#include <ostream>
#include <string>
#include <type_traits>

namespace dragops::crypto {
namespace {

// The compile-time half: SecretBytes cannot be streamed, nor turned into a std::string, by
// accident. If someone adds operator<< or a conversion, this file stops compiling.
template <typename T>
concept Streamable = requires(std::ostream& out, const T& value) { out << value; };
static_assert(!Streamable<SecretBytes>, "SecretBytes must not have a stream operator");
static_assert(!std::is_convertible_v<SecretBytes, std::string>, "no implicit conversion to std::string");
static_assert(!std::is_convertible_v<SecretBytes, std::string_view>, "no implicit conversion to std::string_view");
static_assert(!std::is_constructible_v<std::string, SecretBytes>, "no explicit conversion to std::string either");
static_assert(!std::is_convertible_v<std::string, SecretBytes>, "plain strings do not silently become secrets");
// The checks can fail: a type that does stream is detected.
static_assert(Streamable<std::string>);

TEST(SecretBytes, HoldsAndComparesItsBytes) {
  const auto a = SecretBytes::from_string("hunter2");
  const auto b = SecretBytes::from_string("hunter2");
  const auto c = SecretBytes::from_string("hunter3");
  EXPECT_EQ(a.view(), "hunter2");
  EXPECT_TRUE(a.equals(b));
  EXPECT_FALSE(a.equals(c));
  EXPECT_FALSE(a.equals(SecretBytes::from_string("hunter")));
  EXPECT_EQ(SecretBytes(4).view(), std::string_view("\0\0\0\0", 4));
}

TEST(SecretBytes, ClearWipesAndEmpties) {
  auto secret = SecretBytes::from_string("canary-secret");
  secret.clear();
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.size(), 0u);
}

TEST(SecretBytes, MovingLeavesTheSourceEmpty) {
  auto source = SecretBytes::from_string("moved");
  SecretBytes target(std::move(source));
  EXPECT_EQ(target.view(), "moved");
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  SecretBytes other;
  other = std::move(target);
  EXPECT_EQ(other.view(), "moved");
  EXPECT_TRUE(target.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytes, CopiesAreIndependent) {
  auto original = SecretBytes::from_string("abc");
  SecretBytes copy = original;
  copy.data()[0] = 'x';
  EXPECT_EQ(original.view(), "abc");
  EXPECT_EQ(copy.view(), "xbc");
  copy = original;
  EXPECT_EQ(copy.view(), "abc");
}

TEST(Wipe, ZeroesTheBuffer) {
  std::string body = "plaintext-canary";
  wipe(body.data(), body.size());
  EXPECT_EQ(body, std::string(16, '\0'));
}

}  // namespace
}  // namespace dragops::crypto
