#pragma once
// An in-memory kube::Api for apply and key-manager tests: create/get/update/merge-patch/remove
// with resourceVersion conflicts and a write counter. Watch is not needed here.

#include "kube/api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace dragops::op::testing {

class FakeApi : public kube::Api {
 public:
  using Key = std::tuple<std::string, std::string, std::string>;   // resource, namespace, name

  int writes = 0;
  bool fail_gets = false;   // every get answers a transport error (code 0)

  kube::Result<boost::json::object> get(const kube::Gvr& gvr, std::string_view ns, std::string_view name) override {
    std::lock_guard lock(mutex_);
    if (fail_gets) return kube::Status{0, "", "connection refused"};
    auto it = objects_.find(key(gvr, ns, name));
    if (it == objects_.end()) return not_found();
    return it->second;
  }
  kube::Result<boost::json::object> list(const kube::Gvr& gvr, std::string_view ns, const kube::ListOptions&) override {
    std::lock_guard lock(mutex_);
    boost::json::array items;
    for (const auto& [k, v] : objects_)
      if (std::get<0>(k) == gvr.resource && (ns.empty() || std::get<1>(k) == ns)) items.push_back(v);
    return boost::json::object{{"items", std::move(items)}};
  }
  kube::Result<boost::json::object> create(const kube::Gvr& gvr, std::string_view ns, const boost::json::object& object) override {
    std::lock_guard lock(mutex_);
    auto name = std::string(object.at("metadata").at("name").as_string());
    auto k = key(gvr, ns, name);
    if (objects_.count(k)) return kube::Status{409, "AlreadyExists", name + " already exists"};
    auto stored = object;
    auto& metadata = stored["metadata"].as_object();
    metadata["namespace"] = ns;
    metadata["uid"] = "uid-" + std::to_string(++next_uid_);
    metadata["resourceVersion"] = std::to_string(++rv_);
    ++writes;
    objects_[k] = stored;
    return stored;
  }
  kube::Result<boost::json::object> update(const kube::Gvr& gvr, std::string_view ns, const boost::json::object& object,
                                           std::string_view) override {
    std::lock_guard lock(mutex_);
    auto name = std::string(object.at("metadata").at("name").as_string());
    auto it = objects_.find(key(gvr, ns, name));
    if (it == objects_.end()) return not_found();
    const auto& sent_rv = object.at("metadata").as_object().if_contains("resourceVersion");
    if (sent_rv && sent_rv->as_string() != it->second.at("metadata").at("resourceVersion").as_string())
      return kube::Status{409, "Conflict", "the object has been modified"};
    auto stored = object;
    auto& metadata = stored["metadata"].as_object();
    metadata["namespace"] = ns;
    metadata["uid"] = it->second.at("metadata").at("uid");
    metadata["resourceVersion"] = std::to_string(++rv_);
    ++writes;
    it->second = stored;
    return stored;
  }
  kube::Result<boost::json::object> patch(const kube::Gvr& gvr, std::string_view ns, std::string_view name, kube::PatchType,
                                          std::string_view body, std::string_view) override {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(key(gvr, ns, name));
    if (it == objects_.end()) return not_found();
    auto patch = boost::json::parse(body).as_object();
    if (auto* rv = patch.contains("metadata") ? patch["metadata"].as_object().if_contains("resourceVersion") : nullptr) {
      if (rv->as_string() != it->second.at("metadata").at("resourceVersion").as_string())
        return kube::Status{409, "Conflict", "the object has been modified"};
    }
    merge(it->second, patch);
    it->second["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    ++writes;
    return it->second;
  }
  kube::Result<boost::json::object> remove(const kube::Gvr& gvr, std::string_view ns, std::string_view name,
                                           const kube::DeleteOptions&) override {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(key(gvr, ns, name));
    if (it == objects_.end()) return not_found();
    auto object = it->second;
    objects_.erase(it);
    ++writes;
    return object;
  }
  kube::Result<void> watch(const kube::Gvr&, std::string_view, const kube::WatchOptions&,
                           const std::function<bool(kube::WatchEvent&&)>&, std::stop_token) override {
    return {};
  }

  // Test access.
  bool contains(const kube::Gvr& gvr, std::string_view ns, std::string_view name) {
    std::lock_guard lock(mutex_);
    return objects_.count(key(gvr, ns, name)) != 0;
  }
  std::string dump() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [k, v] : objects_) out += boost::json::serialize(v) + "\n";
    return out;
  }

 private:
  static Key key(const kube::Gvr& gvr, std::string_view ns, std::string_view name) {
    return {gvr.resource, std::string(ns), std::string(name)};
  }
  static kube::Status not_found() { return kube::Status{404, "NotFound", "not found"}; }
  static void merge(boost::json::object& target, const boost::json::object& patch) {
    for (const auto& [k, v] : patch) {
      if (v.is_null()) target.erase(k);
      else if (v.is_object() && target.contains(k) && target[k].is_object()) merge(target[k].as_object(), v.as_object());
      else target[k] = v;
    }
  }

  std::mutex mutex_;
  std::map<Key, boost::json::object> objects_;
  long rv_ = 0;
  long next_uid_ = 0;
};

}  // namespace dragops::op::testing
