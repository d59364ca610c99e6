#pragma once
// The resourceVersions this operator itself wrote, so that the watch events its own writes
// cause (finalizer, status, store) do not trigger another, pointless reconcile. An event whose
// resourceVersion is recorded here shows exactly the state we wrote; anything else (a change by
// someone else, a later version) still triggers one. Thread-safe; entries are consumed.

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dragops::op {

class OwnWrites {
 public:
  void record(const std::string& key, std::string_view resource_version) {
    if (resource_version.empty()) return;
    std::lock_guard lock(mutex_);
    auto& versions = by_key_[key];
    if (versions.size() >= kPerKey) versions.erase(versions.begin());
    versions.emplace_back(resource_version);
  }

  // True (and forgotten) when resource_version is one we wrote for key.
  bool consume(const std::string& key, std::string_view resource_version) {
    std::lock_guard lock(mutex_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return false;
    auto& versions = it->second;
    for (auto v = versions.begin(); v != versions.end(); ++v) {
      if (*v != resource_version) continue;
      versions.erase(versions.begin(), v + 1);   // older ones can no longer arrive
      if (versions.empty()) by_key_.erase(it);
      return true;
    }
    return false;
  }

  // True while a write recorded for key has not been seen by its watch.
  bool pending(const std::string& key) const {
    std::lock_guard lock(mutex_);
    return by_key_.contains(key);
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return by_key_.size();
  }

 private:
  static constexpr std::size_t kPerKey = 4;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<std::string>> by_key_;
};

}  // namespace dragops::op
