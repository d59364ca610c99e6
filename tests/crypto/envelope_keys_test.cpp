// EnvelopeKeys: the same answers as crypto::open, one kept key per envelope that opened, bound to
// its ring, and never a kept plaintext.

#include "crypto/envelope_keys.hpp"
#include "hex.hpp"

#include <gtest/gtest.h>

namespace dragops::crypto {
namespace {

using testing::bytes_of;

const Context kContext{"team-a", "Connection", "github", "0b7c6f4e-1111-4222-8333-944445555666", "token"};
constexpr std::string_view kCanary = "canary-plaintext-41c9";

std::shared_ptr<const Keyring> new_ring() { return std::make_shared<const Keyring>(Keyring::generate()); }

TEST(EnvelopeKeys, OpensWhatOpenOpensAgainAndAgainWithOneKeptKey) {
  const auto ring = new_ring();
  const auto envelope = seal(*ring, kContext, bytes_of(kCanary));
  EnvelopeKeys keys;
  for (int i = 0; i < 3; ++i) {
    const auto opened = keys.open(ring, kContext, envelope);
    ASSERT_TRUE(opened) << to_string(opened.error());
    EXPECT_EQ(opened->view(), kCanary);
  }
  EXPECT_EQ(keys.size(), 1u);
}

TEST(EnvelopeKeys, StillChecksTheTagAndTheContextWithAKeptKey) {
  const auto ring = new_ring();
  auto envelope = seal(*ring, kContext, bytes_of(kCanary));
  EnvelopeKeys keys;
  ASSERT_TRUE(keys.open(ring, kContext, envelope));
  Context other = kContext;
  other.item = "refresh_token";
  auto wrong_context = keys.open(ring, other, envelope);
  ASSERT_FALSE(wrong_context);
  EXPECT_EQ(wrong_context.error(), OpenError::authentication_failed);
  envelope[envelope.size() - 20] ^= 1;   // ciphertext byte, same salt: the kept key is used
  auto tampered = keys.open(ring, kContext, envelope);
  ASSERT_FALSE(tampered);
  EXPECT_EQ(tampered.error(), OpenError::authentication_failed);
  EXPECT_EQ(keys.size(), 1u);
}

TEST(EnvelopeKeys, KeepsNothingForAnEnvelopeThatDoesNotOpen) {
  const auto ring = new_ring();
  const auto other_ring = new_ring();
  const auto envelope = seal(*other_ring, kContext, bytes_of(kCanary));
  EnvelopeKeys keys;
  EXPECT_FALSE(keys.open(ring, kContext, envelope));   // same key version, another data key
  EXPECT_EQ(keys.size(), 0u);
  const std::vector<std::uint8_t> short_bytes(10, 1);
  EXPECT_EQ(keys.open(ring, kContext, short_bytes).error(), OpenError::malformed);
  EXPECT_EQ(keys.size(), 0u);
}

TEST(EnvelopeKeys, DropsTheKeysOfARingWhenAnotherRingIsUsed) {
  const auto first = new_ring();
  const auto second = new_ring();
  const auto one = seal(*first, kContext, bytes_of(kCanary));
  const auto two = seal(*second, kContext, bytes_of(kCanary));
  EnvelopeKeys keys;
  ASSERT_TRUE(keys.open(first, kContext, one));
  ASSERT_TRUE(keys.open(second, kContext, two));
  EXPECT_EQ(keys.size(), 1u);
  // The first ring's envelope under the second ring: the kept key is not reused for it.
  EXPECT_FALSE(keys.open(second, kContext, one));
}

TEST(EnvelopeKeys, DoesNotMistakeANewRingAtAFreedRingsAddressForIt) {
  EnvelopeKeys keys;
  std::vector<std::uint8_t> envelope;
  {
    auto ring = new_ring();
    envelope = seal(*ring, kContext, bytes_of(kCanary));
    ASSERT_TRUE(keys.open(ring, kContext, envelope));
  }
  // Another ring with the same key version; whatever address it lands at, the envelope of the
  // freed ring does not open under it.
  for (int i = 0; i < 8; ++i) EXPECT_FALSE(keys.open(new_ring(), kContext, envelope));
}

TEST(EnvelopeKeys, StaysWithinItsCapacity) {
  const auto ring = new_ring();
  EnvelopeKeys keys(4);
  for (int i = 0; i < 10; ++i) {
    const auto envelope = seal(*ring, kContext, bytes_of(kCanary));
    ASSERT_TRUE(keys.open(ring, kContext, envelope));
  }
  EXPECT_EQ(keys.size(), 4u);
  keys.clear();
  EXPECT_EQ(keys.size(), 0u);
}

}  // namespace
}  // namespace dragops::crypto
