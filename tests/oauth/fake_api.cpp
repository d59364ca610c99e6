#include "fake_api.hpp"

namespace dragops::oauth::testing {

namespace {

kube::Status status(int code, std::string reason) { return {code, std::move(reason), "fake api"}; }

std::string name_of(const boost::json::object& object) {
  const auto* metadata = object.if_contains("metadata");
  if (metadata == nullptr || !metadata->is_object()) return {};
  const auto* name = metadata->as_object().if_contains("name");
  return name && name->is_string() ? std::string(name->get_string()) : std::string();
}

std::string resource_version_of(const boost::json::object& object) {
  const auto* metadata = object.if_contains("metadata");
  if (metadata == nullptr || !metadata->is_object()) return {};
  const auto* rv = metadata->as_object().if_contains("resourceVersion");
  return rv && rv->is_string() ? std::string(rv->get_string()) : std::string();
}

}  // namespace

FakeApi::Key FakeApi::key_of(const kube::Gvr& gvr, std::string_view ns, std::string_view name) {
  return {gvr.group, gvr.resource, std::string(ns), std::string(name)};
}

kube::Result<boost::json::object> FakeApi::get(const kube::Gvr& gvr, std::string_view ns, std::string_view name) {
  if (down_) return status(0, "");
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key_of(gvr, ns, name));
  if (it == objects_.end()) return status(404, "NotFound");
  return it->second;
}

kube::Result<boost::json::object> FakeApi::list(const kube::Gvr&, std::string_view, const kube::ListOptions&) {
  return status(405, "MethodNotAllowed");
}

kube::Result<boost::json::object> FakeApi::create(const kube::Gvr& gvr, std::string_view ns,
                                                  const boost::json::object& object) {
  if (down_) return status(0, "");
  std::lock_guard lock(mutex_);
  const auto key = key_of(gvr, ns, name_of(object));
  if (objects_.contains(key)) {
    ++conflicts_;
    return status(409, "AlreadyExists");
  }
  boost::json::object stored = object;
  stored["metadata"].as_object()["resourceVersion"] = std::to_string(++version_);
  objects_[key] = stored;
  return stored;
}

kube::Result<boost::json::object> FakeApi::update(const kube::Gvr& gvr, std::string_view ns,
                                                  const boost::json::object& object, std::string_view) {
  if (down_) return status(0, "");
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key_of(gvr, ns, name_of(object)));
  if (it == objects_.end()) return status(404, "NotFound");
  const std::string expected = resource_version_of(object);
  if (!expected.empty() && expected != resource_version_of(it->second)) {
    ++conflicts_;
    return status(409, "Conflict");
  }
  boost::json::object stored = object;
  stored["metadata"].as_object()["resourceVersion"] = std::to_string(++version_);
  it->second = stored;
  return stored;
}

kube::Result<boost::json::object> FakeApi::patch(const kube::Gvr&, std::string_view, std::string_view,
                                                 kube::PatchType, std::string_view, std::string_view) {
  return status(405, "MethodNotAllowed");
}

kube::Result<boost::json::object> FakeApi::remove(const kube::Gvr& gvr, std::string_view ns, std::string_view name,
                                                  const kube::DeleteOptions&) {
  if (down_) return status(0, "");
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key_of(gvr, ns, name));
  if (it == objects_.end()) return status(404, "NotFound");
  auto removed = it->second;
  objects_.erase(it);
  return removed;
}

kube::Result<void> FakeApi::watch(const kube::Gvr&, std::string_view, const kube::WatchOptions&,
                                  const std::function<bool(kube::WatchEvent&&)>&, std::stop_token) {
  return status(405, "MethodNotAllowed");
}

}  // namespace dragops::oauth::testing
