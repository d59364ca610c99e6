#include "operator/sealing/maintenance.hpp"

#include <gtest/gtest.h>

namespace dragops::op::sealing {
namespace {

using namespace std::chrono_literals;

const Time kT0 = std::chrono::system_clock::from_time_t(1'800'000'000);
constexpr auto kGrace = 24h;

crypto::SealingKeyId id(std::uint8_t n) { return {n, n, n, n, n, n, n, n}; }

// Key v created at kT0 + created_after[v-1].
std::vector<SealingKeyInfo> keys(std::initializer_list<std::chrono::hours> created_after) {
  std::vector<SealingKeyInfo> out;
  std::uint32_t version = 0;
  for (auto after : created_after) {
    ++version;
    out.push_back({version, kT0 + after, id(static_cast<std::uint8_t>(version))});
  }
  return out;
}

TEST(SealingKeyRotation, IsRequestedByANewValueOnly) {
  EXPECT_FALSE(rotation_requested("", ""));
  EXPECT_FALSE(rotation_requested("", "1"));
  EXPECT_TRUE(rotation_requested("1", ""));
  EXPECT_FALSE(rotation_requested("1", "1"));
  EXPECT_TRUE(rotation_requested("2", "1"));
}

TEST(SealingKeyRetirement, CandidatesAreOlderKeysReplacedAtLeastTheGraceAgo) {
  struct Case {
    const char* name;
    std::vector<SealingKeyInfo> keys;
    Time now;
    std::vector<std::uint32_t> expected;
  };
  const std::vector<Case> cases{
      {"one key: nothing to retire", keys({0h}), kT0 + 1000h, {}},
      {"replaced just now", keys({0h, 10h}), kT0 + 10h, {}},
      {"replaced a moment short of the grace", keys({0h, 10h}), kT0 + 10h + kGrace - 1s, {}},
      {"replaced exactly the grace ago", keys({0h, 10h}), kT0 + 10h + kGrace, {1}},
      {"each older key by its own replacement", keys({0h, 10h, 30h}), kT0 + 10h + kGrace + 1h, {1}},
      {"both older keys", keys({0h, 10h, 30h}), kT0 + 30h + kGrace, {1, 2}},
  };
  for (const auto& c : cases) EXPECT_EQ(retirement_candidates(c.keys, c.now, kGrace), c.expected) << c.name;
}

TEST(SealingKeyMaintenance, PlansRotationRetirementOrNothing) {
  const auto three = keys({0h, 10h, 30h});
  const Time late = kT0 + 1000h;
  struct Case {
    const char* name;
    std::string_view requested, handled;
    std::optional<KeyIds> in_use;
    MaintenancePlan expected;
  };
  const std::vector<Case> cases{
      {"a new request rotates, whatever the usage", "r2", "r1", KeyIds{}, {true, {}}},
      {"a new request rotates even with usage unknown", "r1", "", std::nullopt, {true, {}}},
      {"usage unknown: nothing retired", "r1", "r1", std::nullopt, {false, {}}},
      {"nothing uses the older keys: both go", "r1", "r1", KeyIds{}, {false, {1, 2}}},
      {"a key still named by sealed input stays", "", "", KeyIds{id(1)}, {false, {2}}},
      {"the newest in use changes nothing", "", "", KeyIds{id(3)}, {false, {1, 2}}},
      {"every older key in use: nothing goes", "", "", KeyIds{id(1), id(2)}, {false, {}}},
  };
  for (const auto& c : cases)
    EXPECT_EQ(plan_maintenance(three, c.requested, c.handled, late, kGrace, c.in_use), c.expected) << c.name;
}

TEST(SealingKeyMaintenance, NeverRetiresWithinTheGraceEvenIfUnused) {
  EXPECT_EQ(plan_maintenance(keys({0h, 10h}), "", "", kT0 + 11h, kGrace, KeyIds{}), MaintenancePlan{});
}

}  // namespace
}  // namespace dragops::op::sealing
