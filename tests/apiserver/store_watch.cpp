// The event history, watches and persistence of the store.
#include "apiserver/json_util.hpp"
#include "apiserver/store.hpp"

#include <boost/json/array.hpp>

namespace dragops::apiserver {

namespace {

bool in_scope(const WatchSpec& spec, const json::object& obj) {
  return spec.ns.empty() || string_at(obj, "metadata.namespace") == spec.ns;
}

}  // namespace

void Store::record(WatchEvent event) {
  history_.push_back(event);
  while (history_.size() > history_limit_) {
    history_start_ = history_.front().resource_version;
    history_.pop_front();
  }
  std::vector<std::uint64_t> ids;
  for (const auto& [id, w] : watches_)
    if (w.spec.collection == event.collection) ids.push_back(id);
  for (auto id : ids) {
    auto it = watches_.find(id);
    if (it == watches_.end()) continue;
    auto& w = it->second;
    const auto* type = registry_.find_any_version(event.collection.substr(0, event.collection.find('/')),
                                                  event.collection.substr(event.collection.find('/') + 1));
    auto matches = [&](const ObjectPtr& obj) {
      if (obj == nullptr || !in_scope(w.spec, *obj)) return false;
      if (!w.spec.labels.matches(object_or_empty(object_or_empty(*obj, "metadata"), "labels"))) return false;
      if (w.spec.fields.empty()) return true;
      if (type == nullptr) return false;
      return w.spec.fields.matches([&](const std::string& label) { return field_value(*type, *obj, label); });
    };
    bool now_matches = matches(event.object);
    bool was_matching = event.type == "MODIFIED" ? matches(event.old_object) : now_matches;
    std::string type_out;
    if (event.type == "ADDED") type_out = now_matches ? "ADDED" : "";
    else if (event.type == "DELETED") type_out = (matches(event.old_object) || now_matches) ? "DELETED" : "";
    else if (now_matches && was_matching) type_out = "MODIFIED";
    else if (now_matches) type_out = "ADDED";
    else if (was_matching) type_out = "DELETED";
    if (!type_out.empty()) w.sink(type_out, event.object);
  }
}

Result<std::uint64_t> Store::watch(WatchSpec spec, const std::string& resource_version, WatchSink sink) {
  if (spec.type != nullptr)
    if (auto r = field_labels_of(*spec.type, spec.fields); !r) return r.error();
  std::uint64_t from = 0;
  bool initial = resource_version.empty() || resource_version == "0";
  if (!initial) {
    char* end = nullptr;
    from = std::strtoull(resource_version.c_str(), &end, 10);
    if (*end != '\0') return errors::bad_request("invalid resource version \"" + resource_version + "\"");
    if (from < history_start_)
      return errors::expired("too old resource version: " + resource_version + " (" + std::to_string(history_start_ + 1) + ")");
  }
  std::uint64_t id = next_watch_id_++;
  Watch w{std::move(spec), {}, std::move(sink)};
  const auto* type = w.spec.type;
  auto matches = [&](const json::object& obj) {
    if (!in_scope(w.spec, obj)) return false;
    if (!w.spec.labels.matches(object_or_empty(object_or_empty(obj, "metadata"), "labels"))) return false;
    if (w.spec.fields.empty() || type == nullptr) return true;
    return w.spec.fields.matches([&](const std::string& label) { return field_value(*type, obj, label); });
  };
  if (initial) {
    if (auto c = objects_.find(w.spec.collection); c != objects_.end())
      for (const auto& [key, obj] : c->second)
        if (matches(*obj)) w.sink("ADDED", obj);
  } else {
    for (const auto& event : history_) {
      if (event.resource_version <= from || event.collection != w.spec.collection) continue;
      bool now_matches = matches(*event.object);
      bool was = event.old_object != nullptr && matches(*event.old_object);
      if (event.type == "ADDED" && now_matches) w.sink("ADDED", event.object);
      else if (event.type == "DELETED" && (was || now_matches)) w.sink("DELETED", event.object);
      else if (event.type == "MODIFIED") {
        if (now_matches && was) w.sink("MODIFIED", event.object);
        else if (now_matches) w.sink("ADDED", event.object);
        else if (was) w.sink("DELETED", event.object);
      }
    }
  }
  w.spec.type = nullptr;  // the type may be uninstalled while the watch runs
  watches_.emplace(id, std::move(w));
  return id;
}

void Store::unwatch(std::uint64_t id) { watches_.erase(id); }

json::object Store::snapshot() const {
  json::array items;
  for (const auto& [collection, objects] : objects_)
    for (const auto& [key, obj] : objects)
      items.push_back(json::object{{"collection", collection}, {"key", key}, {"object", *obj}});
  return {{"resourceVersion", resource_version_},
          {"serviceClusterIPRange", service_ips_.range().text()},
          {"objects", std::move(items)}};
}

Result<void> Store::restore(const json::object& state) {
  const auto* rv = state.if_contains("resourceVersion");
  const auto* items = state.if_contains("objects");
  if (rv == nullptr || !rv->is_number() || items == nullptr || !items->is_array())
    return errors::bad_request("state file is not a snapshot");
  objects_.clear();
  uid_index_.clear();
  dependents_.clear();
  deleting_.clear();
  history_.clear();
  for (const auto& item : items->get_array()) {
    if (!item.is_object()) continue;
    const auto& entry = item.get_object();
    std::string collection = string_at(entry, "collection");
    std::string key = string_at(entry, "key");
    const auto* obj = entry.if_contains("object");
    if (obj == nullptr || !obj->is_object()) continue;
    auto ptr = std::make_shared<const json::object>(obj->get_object());
    objects_[collection][key] = ptr;
    Location where{collection, key};
    uid_index_[string_at(*ptr, "metadata.uid")] = where;
    index_owners(where, nullptr, ptr.get());
    if (find_path(*ptr, "metadata.deletionTimestamp") != nullptr) deleting_.insert({collection, key});
    if (collection == "apiextensions.k8s.io/customresourcedefinitions" &&
        find_path(*ptr, "metadata.deletionTimestamp") == nullptr)
      registry_.install_crd(*ptr);
  }
  resource_version_ = count_of(*rv);
  history_start_ = resource_version_;
  // The range the stored ClusterIPs came from (snapshots from before it was saved keep the
  // current one).
  if (auto range = parse_service_range(string_at(state, "serviceClusterIPRange"))) service_ips_.set_range(*range);
  track_service_ips();
  return {};
}

}  // namespace dragops::apiserver
