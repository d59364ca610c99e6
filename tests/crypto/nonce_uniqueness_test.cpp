// No (salt, nonce) pair repeats across 1,000,000 real seals (the pair read back out of each
// envelope), and, as a cheaper second witness, across 1,000,000 draws from the very function
// seal() uses for those header bytes.

#include "crypto/envelope.hpp"
#include "crypto/envelope_format.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <unordered_set>

namespace dragops::crypto {
namespace {

namespace format = envelope_format;
constexpr std::size_t kPairSize = format::kSaltSize + format::kNonceSize;  // 44
using Pair = std::array<std::uint8_t, kPairSize>;

struct PairHash {
  // The bytes are uniformly random already; the first eight make a fine hash.
  std::size_t operator()(const Pair& pair) const {
    std::size_t h;
    std::memcpy(&h, pair.data(), sizeof h);
    return h;
  }
};

TEST(SaltAndNonce, NeverRepeatAcrossAMillionDraws) {
  constexpr std::size_t kDraws = 1'000'000;
  std::unordered_set<Pair, PairHash> seen;
  seen.reserve(kDraws);
  for (std::size_t i = 0; i < kDraws; ++i) {
    Pair pair;
    format::fill_salt_and_nonce(pair);
    ASSERT_TRUE(seen.insert(pair).second) << "repeat after " << i << " draws";
  }
  EXPECT_EQ(seen.size(), kDraws);
}

TEST(SaltAndNonce, NeverRepeatAcrossRealSeals) {
  constexpr std::size_t kSeals = 1'000'000;
  const auto ring = Keyring::generate();
  const Context context{"ns", "Secret", "name", "uid", "production"};
  const std::uint8_t payload[1] = {42};
  std::unordered_set<Pair, PairHash> seen;
  seen.reserve(kSeals);
  for (std::size_t i = 0; i < kSeals; ++i) {
    const auto envelope = seal(ring, context, payload);
    Pair pair;
    std::memcpy(pair.data(), envelope.data() + format::kSaltOffset, kPairSize);
    ASSERT_TRUE(seen.insert(pair).second) << "repeat after " << i << " seals";
  }
  EXPECT_EQ(seen.size(), kSeals);
}

}  // namespace
}  // namespace dragops::crypto
