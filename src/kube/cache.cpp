#include "kube/cache.hpp"

#include <mutex>

namespace dragops::kube {

namespace json = boost::json;

namespace {

std::string metadata_field(const json::object& object, std::string_view field) {
  const auto* metadata = object.if_contains("metadata");
  if (!metadata || !metadata->is_object()) return {};
  const auto* value = metadata->as_object().if_contains(field);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

std::string namespace_of(const json::object& object) { return metadata_field(object, "namespace"); }
std::string name_of(const json::object& object) { return metadata_field(object, "name"); }
std::string resource_version_of(const json::object& object) { return metadata_field(object, "resourceVersion"); }

std::string key_of(std::string_view ns, std::string_view name) {
  return ns.empty() ? std::string(name) : std::string(ns) + "/" + std::string(name);
}

std::string object_key(const json::object& object) { return key_of(namespace_of(object), name_of(object)); }

IndexFunc namespace_index() {
  return [](const json::object& object) { return std::vector<std::string>{namespace_of(object)}; };
}

IndexFunc label_index(std::string label) {
  return [label = std::move(label)](const json::object& object) -> std::vector<std::string> {
    const auto* metadata = object.if_contains("metadata");
    if (!metadata || !metadata->is_object()) return {};
    const auto* labels = metadata->as_object().if_contains("labels");
    if (!labels || !labels->is_object()) return {};
    const auto* value = labels->as_object().if_contains(label);
    if (!value || !value->is_string()) return {};
    return {std::string(value->as_string())};
  };
}

Cache::Cache() { add_index(kNamespaceIndex, namespace_index()); }

void Cache::add_index(std::string name, IndexFunc fn) {
  std::unique_lock lock(mutex_);
  indexes_[name].clear();
  for (const auto& [key, object] : objects_) {
    for (auto& value : fn(*object)) indexes_[name][value].insert(key);
  }
  index_functions_[std::move(name)] = std::move(fn);
}

ObjectPtr Cache::get(std::string_view ns, std::string_view name) const { return get_by_key(key_of(ns, name)); }

ObjectPtr Cache::get_by_key(const std::string& key) const {
  std::shared_lock lock(mutex_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Cache::list() const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<std::string> Cache::keys() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(key);
  return out;
}

std::vector<std::string> Cache::keys_by_index(std::string_view index, std::string_view value) const {
  std::shared_lock lock(mutex_);
  auto by_value = indexes_.find(index);
  if (by_value == indexes_.end()) return {};
  auto keys = by_value->second.find(value);
  if (keys == by_value->second.end()) return {};
  return {keys->second.begin(), keys->second.end()};
}

std::vector<ObjectPtr> Cache::by_index(std::string_view index, std::string_view value) const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  auto by_value = indexes_.find(index);
  if (by_value == indexes_.end()) return out;
  auto keys = by_value->second.find(value);
  if (keys == by_value->second.end()) return out;
  for (const auto& key : keys->second) {
    if (auto it = objects_.find(key); it != objects_.end()) out.push_back(it->second);
  }
  return out;
}

std::size_t Cache::size() const {
  std::shared_lock lock(mutex_);
  return objects_.size();
}

void Cache::unindex_locked(const std::string& key, const json::object& object) {
  for (const auto& [name, fn] : index_functions_) {
    auto& by_value = indexes_[name];
    for (const auto& value : fn(object)) {
      auto it = by_value.find(value);
      if (it == by_value.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) by_value.erase(it);
    }
  }
}

void Cache::index_locked(const std::string& key, const json::object& object) {
  for (const auto& [name, fn] : index_functions_) {
    auto& by_value = indexes_[name];
    for (auto& value : fn(object)) by_value[std::move(value)].insert(key);
  }
}

ObjectPtr Cache::upsert(const std::string& key, ObjectPtr object) {
  std::unique_lock lock(mutex_);
  ObjectPtr old;
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    old = it->second;
    unindex_locked(key, *old);
    it->second = object;
  } else {
    objects_.emplace(key, object);
  }
  index_locked(key, *object);
  return old;
}

ObjectPtr Cache::erase(const std::string& key) {
  std::unique_lock lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  objects_.erase(it);
  unindex_locked(key, *old);
  return old;
}

}  // namespace dragops::kube
