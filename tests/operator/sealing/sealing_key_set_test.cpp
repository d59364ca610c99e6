#include "operator/sealing/sealing_key_set.hpp"

#include <gtest/gtest.h>

namespace dragops::op::sealing {
namespace {

const Time kNow = std::chrono::system_clock::from_time_t(1'800'000'000);

TEST(SealingKeySet, StartsWithOneKeyAsVersionOne) {
  auto keys = SealingKeySet::generate(kNow);
  ASSERT_TRUE(keys) << keys.error();
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->newest().version, 1u);
  EXPECT_EQ(keys->newest().created, kNow);
  EXPECT_EQ(keys->newest().id, crypto::key_id_of(keys->newest().pair.public_key));
}

TEST(SealingKeySet, SerialisesAndLoadsEveryKeyWithItsVersionAndTime) {
  auto keys = *SealingKeySet::generate(kNow);
  ASSERT_TRUE(keys.add(kNow + std::chrono::hours(1)));
  const auto serialised = keys.serialise();
  EXPECT_EQ(serialised.size(), 1u + 2 * 44);
  auto loaded = SealingKeySet::load(serialised.span());
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->infos(), keys.infos());
  EXPECT_TRUE(loaded->newest().pair.private_key.equals(keys.newest().pair.private_key));
}

TEST(SealingKeySet, AddMakesANewNewestAndKeepsTheOlderOnesFindable) {
  auto keys = *SealingKeySet::generate(kNow);
  const auto first = keys.newest().id;
  auto version = keys.add(kNow);
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, 2u);
  EXPECT_EQ(keys.newest().version, 2u);
  EXPECT_NE(keys.newest().id, first);
  ASSERT_NE(keys.find(first), nullptr);
  EXPECT_EQ(keys.find(first)->version, 1u);
  EXPECT_EQ(keys.find(crypto::SealingKeyId{}), nullptr);
}

TEST(SealingKeySet, RetiresOlderKeysButNeverTheNewest) {
  auto keys = *SealingKeySet::generate(kNow);
  ASSERT_TRUE(keys.add(kNow));
  EXPECT_FALSE(keys.retire(2));
  EXPECT_FALSE(keys.retire(7));
  EXPECT_TRUE(keys.retire(1));
  EXPECT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys.newest().version, 2u);
}

TEST(SealingKeySet, LoadRefusesWhatIsNotAKeySetNamingTheRuleButNoKeyBytes) {
  auto keys = *SealingKeySet::generate(kNow);
  const auto good = keys.serialise();
  auto with = [&](auto change) {
    std::vector<std::uint8_t> bytes(good.span().begin(), good.span().end());
    change(bytes);
    return SealingKeySet::load(bytes);
  };
  struct Case {
    const char* name;
    std::function<void(std::vector<std::uint8_t>&)> change;
    std::string message;
  };
  const std::vector<Case> cases{
      {"empty", [](auto& b) { b.clear(); }, "unknown sealing key set format"},
      {"other format", [](auto& b) { b[0] = 2; }, "unknown sealing key set format"},
      {"no records", [](auto& b) { b.resize(1); }, "sealing key set has 0 bytes of records; each is 44"},
      {"truncated record", [](auto& b) { b.pop_back(); }, "sealing key set has 43 bytes of records; each is 44"},
      {"version 0", [](auto& b) { b[4] = 0; }, "sealing key version 0 is not valid"},
      {"scalar zero", [](auto& b) { std::fill(b.begin() + 13, b.end(), 0); }, "sealing key version 1: invalid private key"},
      {"duplicate", [](auto& b) { std::vector<std::uint8_t> record(b.begin() + 1, b.end()); b.insert(b.end(), record.begin(), record.end()); },
       "sealing key version 1 appears twice"},
  };
  for (const auto& c : cases) {
    auto loaded = with(c.change);
    ASSERT_FALSE(loaded) << c.name;
    EXPECT_EQ(loaded.error(), c.message) << c.name;
  }
}

}  // namespace
}  // namespace dragops::op::sealing
