#pragma once
// An in-memory Api for unit tests: one global resourceVersion counter, 409 on a stale update,
// a bounded watch history that answers 410 Gone beyond it, paginated lists, and switches to
// break the watch stream. Merge patches replace top-level fields only (enough for the tests).

#include "kube/api.hpp"
#include "kube/cache.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <condition_variable>
#include <deque>
#include <optional>
#include <map>
#include <mutex>

namespace dragops::kube::testing {

class FakeApi : public Api {
 public:
  struct Call {
    std::string verb;
    Gvr gvr;
    std::string ns;
    std::string name;
    std::string body;
  };

  std::size_t history_limit = 1000;
  // Runs once, just before the next update is applied (to interleave a competing writer).
  std::function<void()> before_next_update;

  Result<boost::json::object> get(const Gvr& gvr, std::string_view ns, std::string_view name) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({"get", gvr, std::string(ns), std::string(name), {}});
    if (fail_next_) return take_failure();
    auto it = objects_.find(full_key(gvr, ns, name));
    if (it == objects_.end()) return not_found(name);
    return it->second;
  }

  Result<boost::json::object> list(const Gvr& gvr, std::string_view ns, const ListOptions& options) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({"list", gvr, std::string(ns), {}, options.continue_token});
    if (fail_next_) return take_failure();
    boost::json::array items;
    const std::string prefix = resource_prefix(gvr);
    bool started = options.continue_token.empty();
    std::string next;
    for (const auto& [key, object] : objects_) {
      if (key.rfind(prefix, 0) != 0) continue;
      if (!ns.empty() && namespace_of(object) != ns) continue;
      if (!started) {
        if (key == options.continue_token) started = true;
        continue;
      }
      if (options.limit > 0 && static_cast<std::int64_t>(items.size()) == options.limit) {
        next = last_key_;
        break;
      }
      items.push_back(object);
      last_key_ = key;
    }
    boost::json::object metadata{{"resourceVersion", std::to_string(rv_)}};
    if (!next.empty()) metadata["continue"] = next;
    return boost::json::object{{"kind", "List"}, {"metadata", metadata}, {"items", items}};
  }

  Result<boost::json::object> create(const Gvr& gvr, std::string_view ns, const boost::json::object& object) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({"create", gvr, std::string(ns), name_of(object), boost::json::serialize(object)});
    if (fail_next_) return take_failure();
    auto key = full_key(gvr, ns, name_of(object));
    if (objects_.count(key)) return Status{409, "AlreadyExists", name_of(object) + " already exists"};
    auto stored = object;
    auto& metadata = stored["metadata"].as_object();
    if (!ns.empty()) metadata["namespace"] = ns;
    metadata["resourceVersion"] = std::to_string(++rv_);
    metadata["uid"] = "uid-" + std::to_string(rv_);
    objects_[key] = stored;
    record(gvr, "ADDED", stored);
    return stored;
  }

  Result<boost::json::object> update(const Gvr& gvr, std::string_view ns, const boost::json::object& object,
                                     std::string_view = "") override {
    if (before_next_update) {
      auto hook = std::move(before_next_update);
      before_next_update = nullptr;
      hook();
    }
    std::lock_guard lock(mutex_);
    calls_.push_back({"update", gvr, std::string(ns), name_of(object), boost::json::serialize(object)});
    if (fail_next_) return take_failure();
    auto key = full_key(gvr, ns, name_of(object));
    auto it = objects_.find(key);
    if (it == objects_.end()) return not_found(name_of(object));
    const auto rv = resource_version_of(object);
    if (!rv.empty() && rv != resource_version_of(it->second)) {
      return Status{409, "Conflict", "the object has been modified; please apply your changes to the latest version"};
    }
    auto stored = object;
    stored["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    it->second = stored;
    record(gvr, "MODIFIED", stored);
    return stored;
  }

  Result<boost::json::object> patch(const Gvr& gvr, std::string_view ns, std::string_view name, PatchType,
                                    std::string_view body, std::string_view = "") override {
    std::lock_guard lock(mutex_);
    calls_.push_back({"patch", gvr, std::string(ns), std::string(name), std::string(body)});
    if (fail_next_) return take_failure();
    auto it = objects_.find(full_key(gvr, ns, name));
    if (it == objects_.end()) return not_found(name);
    auto changes = boost::json::parse(body).as_object();
    for (auto& [field, value] : changes) {
      if (field != "metadata") it->second[field] = value;
    }
    it->second["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    record(gvr, "MODIFIED", it->second);
    return it->second;
  }

  Result<boost::json::object> remove(const Gvr& gvr, std::string_view ns, std::string_view name,
                                     const DeleteOptions& = {}) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({"remove", gvr, std::string(ns), std::string(name), {}});
    if (fail_next_) return take_failure();
    auto it = objects_.find(full_key(gvr, ns, name));
    if (it == objects_.end()) return not_found(name);
    auto removed = it->second;
    objects_.erase(it);
    removed["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    record(gvr, "DELETED", removed);
    return removed;
  }

  Result<void> watch(const Gvr& gvr, std::string_view ns, const WatchOptions& options,
                     const std::function<bool(WatchEvent&&)>& on_event, std::stop_token stop) override {
    std::stop_callback wake(stop, [&] {
      std::lock_guard guard(mutex_);
      cv_.notify_all();
    });
    std::unique_lock lock(mutex_);
    calls_.push_back({"watch", gvr, std::string(ns), {}, options.resource_version});
    ++watches_started_;
    cv_.notify_all();
    if (fail_next_) return take_failure();
    std::uint64_t from = options.resource_version.empty() ? rv_ : std::stoull(options.resource_version);
    if (from < history_start_) return Status{410, "Expired", "too old resource version"};
    const auto broken = break_generation_;
    const auto expired = gone_generation_;
    for (;;) {
      // By index and by version: history_ may change while the lock is released below.
      for (std::size_t i = 0; i < history_.size(); ++i) {
        const auto& entry = history_[i];
        if (entry.rv <= from || entry.gvr != gvr) continue;
        from = entry.rv;
        if (!ns.empty() && namespace_of(entry.event.object) != ns) continue;
        WatchEvent copy = entry.event;
        lock.unlock();
        const bool more = on_event(std::move(copy));
        lock.lock();
        if (!more) return {};
        i = static_cast<std::size_t>(-1);  // rescan from the start for what follows `from`
      }
      if (stop.stop_requested()) return {};
      if (gone_generation_ != expired) return Status{410, "Expired", "too old resource version"};
      if (break_generation_ != broken) return Status{0, "Transport", "connection reset"};
      cv_.wait(lock);
    }
  }

  // Test controls.
  void break_watches() {
    std::lock_guard lock(mutex_);
    ++break_generation_;
    cv_.notify_all();
  }
  void expire_watches_and_history() {
    std::lock_guard lock(mutex_);
    ++gone_generation_;
    history_.clear();
    history_start_ = rv_;
    cv_.notify_all();
  }
  // Changes objects without telling watchers (what a client misses while disconnected).
  void silently(const std::function<void()>& change) {
    {
      std::lock_guard lock(mutex_);
      silent_ = true;
    }
    change();
    std::lock_guard lock(mutex_);
    silent_ = false;
  }
  void fail_next(Status status) {
    std::lock_guard lock(mutex_);
    fail_next_ = std::move(status);
  }
  bool wait_for_watches(int n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return watches_started_ >= n; });
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::uint64_t resource_version() const {
    std::lock_guard lock(mutex_);
    return rv_;
  }

 private:
  struct HistoryEntry {
    std::uint64_t rv;
    Gvr gvr;
    WatchEvent event;
  };

  static std::string resource_prefix(const Gvr& gvr) { return gvr.group + "/" + gvr.resource + "|"; }
  static std::string full_key(const Gvr& gvr, std::string_view ns, std::string_view name) {
    return resource_prefix(gvr) + key_of(ns, name);
  }
  static Status not_found(std::string_view name) {
    return Status{404, "NotFound", "\"" + std::string(name) + "\" not found"};
  }
  Status take_failure() {
    auto status = *fail_next_;
    fail_next_.reset();
    return status;
  }
  void record(const Gvr& gvr, const char* type, const boost::json::object& object) {
    if (silent_) {
      history_.clear();  // what happened silently cannot be replayed
      history_start_ = rv_;
      return;
    }
    history_.push_back({rv_, gvr, WatchEvent{type, object}});
    while (history_.size() > history_limit) {
      history_start_ = history_.front().rv;
      history_.pop_front();
    }
    cv_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, boost::json::object> objects_;
  std::deque<HistoryEntry> history_;
  std::uint64_t rv_ = 100;
  std::uint64_t history_start_ = 100;  // every event after this version is in history_
  std::string last_key_;
  int watches_started_ = 0;
  int break_generation_ = 0;
  int gone_generation_ = 0;
  bool silent_ = false;
  std::optional<Status> fail_next_;
  std::vector<Call> calls_;
};

inline boost::json::object make_object(std::string_view ns, std::string_view name,
                                       boost::json::object labels = {}, boost::json::object data = {}) {
  boost::json::object metadata{{"name", name}};
  if (!ns.empty()) metadata["namespace"] = ns;
  if (!labels.empty()) metadata["labels"] = std::move(labels);
  return boost::json::object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", metadata}, {"data", data}};
}

}  // namespace dragops::kube::testing
