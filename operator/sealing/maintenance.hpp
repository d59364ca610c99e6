#pragma once
// What a maintenance pass does with the sealing keys, decided by pure functions (unit-tested
// table by table in tests/operator/sealing/maintenance_test.cpp):
//   - rotate: a rotation request (annotation dragops.io/rotate on the key Secret) that differs
//     from the last one handled (dragops.io/rotated) adds a new newest key;
//   - retire: an older key goes once no object's sealed input names it and it was replaced (the
//     next newer key created) at least retire_after ago, so that manifests sealed to it just
//     before a rotation still open when applied soon after.

#include "operator/sealing/sealing_key_set.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

namespace dragops::op::sealing {

using KeyIds = std::set<crypto::SealingKeyId>;

bool rotation_requested(std::string_view requested, std::string_view handled);

// Older versions past their grace period; only these need the (costly) usage scan.
std::vector<std::uint32_t> retirement_candidates(const std::vector<SealingKeyInfo>& keys, Time now,
                                                 std::chrono::seconds retire_after);

struct MaintenancePlan {
  bool rotate = false;
  std::vector<std::uint32_t> retire;

  friend bool operator==(const MaintenancePlan&, const MaintenancePlan&) = default;
};

// in_use: the key ids named by sealed input of every object the operator watches; nullopt when
// unknown (nothing is retired). A pass rotates or retires, never both.
MaintenancePlan plan_maintenance(const std::vector<SealingKeyInfo>& keys, std::string_view requested,
                                 std::string_view handled, Time now, std::chrono::seconds retire_after,
                                 const std::optional<KeyIds>& in_use);

}  // namespace dragops::op::sealing
