#include "operator/sealing/maintenance.hpp"

#include <algorithm>

namespace dragops::op::sealing {

bool rotation_requested(std::string_view requested, std::string_view handled) {
  return !requested.empty() && requested != handled;
}

std::vector<std::uint32_t> retirement_candidates(const std::vector<SealingKeyInfo>& keys, Time now,
                                                 std::chrono::seconds retire_after) {
  std::vector<std::uint32_t> out;
  // keys are oldest first: each key but the newest was replaced when the next one was created.
  for (std::size_t i = 0; i + 1 < keys.size(); ++i)
    if (now - keys[i + 1].created >= retire_after) out.push_back(keys[i].version);
  return out;
}

MaintenancePlan plan_maintenance(const std::vector<SealingKeyInfo>& keys, std::string_view requested,
                                 std::string_view handled, Time now, std::chrono::seconds retire_after,
                                 const std::optional<KeyIds>& in_use) {
  MaintenancePlan plan;
  if (rotation_requested(requested, handled)) {
    plan.rotate = true;
    return plan;
  }
  if (!in_use) return plan;
  for (auto version : retirement_candidates(keys, now, retire_after)) {
    const auto key = std::find_if(keys.begin(), keys.end(), [&](const SealingKeyInfo& k) { return k.version == version; });
    if (!in_use->contains(key->id)) plan.retire.push_back(version);
  }
  return plan;
}

}  // namespace dragops::op::sealing
