#pragma once
// An in-memory kube::Api holding core Secrets of one namespace, with list/watch by
// fieldSelector metadata.name=X, and a switch that makes it unreachable (transport errors).

#include "kube/api.hpp"

#include <boost/json.hpp>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stop_token>

namespace dragops::testing {

class FakeApi final : public kube::Api {
 public:
  using json_object = boost::json::object;

  void put(json_object object) {
    std::lock_guard lock(mutex_);
    std::string name(object["metadata"].as_object()["name"].as_string());
    object["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    bool existed = objects_.count(name) != 0;
    objects_[name] = object;
    events_.push_back({existed ? "MODIFIED" : "ADDED", std::move(object)});
    cv_.notify_all();
  }
  void erase(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(name);
    if (it == objects_.end()) return;
    auto object = it->second;
    objects_.erase(it);
    object["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    events_.push_back({"DELETED", std::move(object)});
    cv_.notify_all();
  }
  void set_down(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
    cv_.notify_all();
  }
  int lists() const {
    std::lock_guard lock(mutex_);
    return lists_;
  }

  kube::Result<json_object> list(const kube::Gvr&, std::string_view, const kube::ListOptions& options) override {
    std::lock_guard lock(mutex_);
    ++lists_;
    if (down_) return kube::Status{0, "", "connection refused"};
    boost::json::array items;
    for (const auto& [name, object] : objects_) {
      if (matches(options.field_selector, name)) items.push_back(object);
    }
    return json_object{{"kind", "SecretList"},
                       {"metadata", {{"resourceVersion", std::to_string(rv_)}}},
                       {"items", std::move(items)}};
  }

  kube::Result<void> watch(const kube::Gvr&, std::string_view, const kube::WatchOptions& options,
                           const std::function<bool(kube::WatchEvent&&)>& on_event, std::stop_token stop) override {
    std::unique_lock lock(mutex_);
    if (down_) return kube::Status{0, "", "connection refused"};
    std::size_t from = events_.size();
    // Events newer than the requested version that are already recorded.
    std::int64_t since = options.resource_version.empty() ? rv_ : std::stoll(options.resource_version);
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (std::stoll(std::string(events_[i].object["metadata"].as_object()["resourceVersion"].as_string())) > since) {
        from = i;
        break;
      }
    }
    std::stop_callback wake(stop, [this] {
      std::lock_guard l(mutex_);
      cv_.notify_all();
    });
    for (;;) {
      cv_.wait(lock, [&] { return stop.stop_requested() || down_ || from < events_.size(); });
      if (stop.stop_requested()) return {};
      if (down_) return kube::Status{0, "", "connection reset"};
      while (from < events_.size()) {
        auto event = events_[from++];
        std::string name(event.object["metadata"].as_object()["name"].as_string());
        if (!matches(options.field_selector, name)) continue;
        lock.unlock();
        bool more = on_event(std::move(event));
        lock.lock();
        if (!more) return {};
      }
    }
  }

  kube::Result<json_object> get(const kube::Gvr&, std::string_view, std::string_view) override { return unsupported(); }
  kube::Result<json_object> create(const kube::Gvr&, std::string_view, const json_object&) override { return unsupported(); }
  kube::Result<json_object> update(const kube::Gvr&, std::string_view, const json_object&, std::string_view) override {
    return unsupported();
  }
  kube::Result<json_object> patch(const kube::Gvr&, std::string_view, std::string_view, kube::PatchType, std::string_view,
                                  std::string_view) override {
    return unsupported();
  }
  kube::Result<json_object> remove(const kube::Gvr&, std::string_view, std::string_view, const kube::DeleteOptions&) override {
    return unsupported();
  }

 private:
  static kube::Status unsupported() { return kube::Status{405, "MethodNotAllowed", "not in the fake"}; }
  static bool matches(const std::string& selector, const std::string& name) {
    return selector.empty() || selector == "metadata.name=" + name;
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, json_object> objects_;
  std::deque<kube::WatchEvent> events_;
  std::int64_t rv_ = 1;
  bool down_ = false;
  int lists_ = 0;
};

}  // namespace dragops::testing
