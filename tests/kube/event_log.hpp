#pragma once
// Records what an informer tells its handlers, as "add ns/name rv" lines, thread-safely.

#include "kube/informer.hpp"

#include <mutex>
#include <string>
#include <vector>

namespace dragops::kube::testing {

class EventLog {
 public:
  EventHandlers handlers() {
    return EventHandlers{
        [this](const ObjectPtr& o) { push("add " + object_key(*o) + " " + resource_version_of(*o)); },
        [this](const ObjectPtr& old_object, const ObjectPtr& o) {
          push("update " + object_key(*o) + " " + resource_version_of(*old_object) + "->" + resource_version_of(*o));
        },
        [this](const ObjectPtr& o) { push("delete " + object_key(*o)); }};
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return lines_.size();
  }
  void clear() {
    std::lock_guard lock(mutex_);
    lines_.clear();
  }

 private:
  void push(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace dragops::kube::testing
