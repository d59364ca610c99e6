#pragma once
// An in-memory kube::Api with get/create/update/JSON patch and resourceVersion conflicts,
// enough for the webhook's certificate and RBAC logic.

#include "json_patch.hpp"

#include "kube/api.hpp"

#include <boost/json.hpp>

#include <map>
#include <mutex>
#include <tuple>

namespace dragops::testing {

class FakeCluster final : public kube::Api {
 public:
  using object = boost::json::object;
  using Key = std::tuple<std::string, std::string, std::string>;

  std::optional<object> find(const kube::Gvr& gvr, std::string_view ns, std::string_view name) {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(Key{gvr.resource, std::string(ns), std::string(name)});
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }
  void put(const kube::Gvr& gvr, std::string_view ns, object o) {
    std::lock_guard lock(mutex_);
    o["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    objects_[Key{gvr.resource, std::string(ns), std::string(o["metadata"].as_object()["name"].as_string())}] = o;
  }
  int writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
  }

  kube::Result<object> get(const kube::Gvr& gvr, std::string_view ns, std::string_view name) override {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(Key{gvr.resource, std::string(ns), std::string(name)});
    if (it == objects_.end()) return kube::Status{404, "NotFound", "not found"};
    return it->second;
  }
  kube::Result<object> create(const kube::Gvr& gvr, std::string_view ns, const object& o) override {
    std::lock_guard lock(mutex_);
    ++writes_;
    Key key{gvr.resource, std::string(ns), std::string(o.at("metadata").at("name").as_string())};
    if (objects_.count(key)) return kube::Status{409, "AlreadyExists", "already exists"};
    object stored = o;
    stored["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    objects_[key] = stored;
    return stored;
  }
  kube::Result<object> update(const kube::Gvr& gvr, std::string_view ns, const object& o, std::string_view) override {
    std::lock_guard lock(mutex_);
    ++writes_;
    Key key{gvr.resource, std::string(ns), std::string(o.at("metadata").at("name").as_string())};
    auto it = objects_.find(key);
    if (it == objects_.end()) return kube::Status{404, "NotFound", "not found"};
    if (it->second.at("metadata").at("resourceVersion") != o.at("metadata").at("resourceVersion")) {
      return kube::Status{409, "Conflict", "the object has been modified"};
    }
    object stored = o;
    stored["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    it->second = stored;
    return stored;
  }
  kube::Result<object> patch(const kube::Gvr& gvr, std::string_view ns, std::string_view name, kube::PatchType type,
                             std::string_view body, std::string_view) override {
    std::lock_guard lock(mutex_);
    ++writes_;
    auto it = objects_.find(Key{gvr.resource, std::string(ns), std::string(name)});
    if (it == objects_.end()) return kube::Status{404, "NotFound", "not found"};
    if (type != kube::PatchType::json) return kube::Status{415, "UnsupportedMediaType", "json patch only"};
    boost::json::value document = it->second;
    if (auto error = apply_json_patch(document, boost::json::parse(body).as_array())) return kube::Status{422, "Invalid", *error};
    document.as_object()["metadata"].as_object()["resourceVersion"] = std::to_string(++rv_);
    it->second = document.as_object();
    return it->second;
  }
  kube::Result<object> list(const kube::Gvr&, std::string_view, const kube::ListOptions&) override {
    return kube::Status{405, "MethodNotAllowed", "not in the fake"};
  }
  kube::Result<object> remove(const kube::Gvr&, std::string_view, std::string_view, const kube::DeleteOptions&) override {
    return kube::Status{405, "MethodNotAllowed", "not in the fake"};
  }
  kube::Result<void> watch(const kube::Gvr&, std::string_view, const kube::WatchOptions&,
                           const std::function<bool(kube::WatchEvent&&)>&, std::stop_token) override {
    return kube::Status{405, "MethodNotAllowed", "not in the fake"};
  }

 private:
  mutable std::mutex mutex_;
  std::map<Key, object> objects_;
  std::int64_t rv_ = 1;
  int writes_ = 0;
};

}  // namespace dragops::testing
