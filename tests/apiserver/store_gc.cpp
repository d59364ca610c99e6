// Deletion: preconditions, finalizers and deletionTimestamp, propagation policies, and the
// synchronous stand-ins for kube's garbage collector, namespace controller and CRD cleanup.
#include "apiserver/json_util.hpp"
#include "apiserver/store.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace dragops::apiserver {

namespace {

constexpr std::string_view kForeground = "foregroundDeletion";
constexpr std::string_view kCrdCleanup = "customresourcecleanup.apiextensions.k8s.io";

bool has_finalizer(const json::object& obj, std::string_view name) {
  const auto* f = find_path(obj, "metadata.finalizers");
  if (f == nullptr || !f->is_array()) return false;
  return std::any_of(f->get_array().begin(), f->get_array().end(),
                     [&](const json::value& v) { return v.is_string() && v.get_string() == name; });
}

void add_finalizer(json::object& obj, std::string_view name) {
  if (has_finalizer(obj, name)) return;
  auto& meta = ensure_object(obj, "metadata");
  auto& f = meta["finalizers"];
  if (!f.is_array()) f = json::array{};
  f.get_array().emplace_back(name);
}

void drop_finalizer(json::object& obj, std::string_view name) {
  auto* f = ensure_object(obj, "metadata").if_contains("finalizers");
  if (f == nullptr || !f->is_array()) return;
  auto& arr = f->get_array();
  arr.erase(std::remove_if(arr.begin(), arr.end(),
                           [&](const json::value& v) { return v.is_string() && v.get_string() == name; }),
            arr.end());
  if (arr.empty()) ensure_object(obj, "metadata").erase("finalizers");
}

bool no_finalizers(const json::object& obj) {
  const auto* f = find_path(obj, "metadata.finalizers");
  return f == nullptr || !f->is_array() || f->get_array().empty();
}

std::pair<std::string, std::string> split_key(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace

Result<DeleteResult> Store::remove(const ResourceType& type, const std::string& ns, const std::string& name,
                                   const DeleteOptions& options) {
  auto result = delete_object(type, ns, name, options);
  if (!options.dry_run) collect_garbage();
  if (result && !result->deleted) {
    // It may have gone during collection (foreground with no dependents, a namespace emptied).
    if (find(type.collection_key(), type.namespaced ? ns : "", name) == nullptr) result->deleted = true;
  }
  return result;
}

Result<DeleteResult> Store::delete_object(const ResourceType& type, const std::string& ns, const std::string& name,
                                          const DeleteOptions& options) {
  std::string scope_ns = type.namespaced ? ns : "";
  auto existing = find(type.collection_key(), scope_ns, name);
  if (existing == nullptr) return errors::not_found(type.resource, type.group, name);
  const json::object& old = *existing;
  std::string uid = string_at(old, "metadata.uid");
  std::string rv = string_at(old, "metadata.resourceVersion");
  if (!options.precondition_uid.empty() && options.precondition_uid != uid)
    return errors::conflict(type.resource, type.group, name,
                            "Precondition failed: UID in precondition: " + options.precondition_uid +
                                ", UID in object meta: " + uid);
  if (!options.precondition_resource_version.empty() && options.precondition_resource_version != rv)
    return errors::conflict(type.resource, type.group, name,
                            "Precondition failed: ResourceVersion in precondition: " +
                                options.precondition_resource_version + ", ResourceVersion in object meta: " + rv);
  if (admission_ != nullptr) {
    AdmissionRequest request{&type, "DELETE", "", scope_ns, name, &old, options.dry_run, options.user};
    auto allowed = admission_->mutate(request, old);
    if (!allowed) return allowed.error();
    if (auto r = admission_->validate(request, old); !r) return r.error();
  }
  std::string key = key_of(scope_ns, name);
  json::object next = old;
  Propagation policy = options.propagation.value_or(Propagation::background);
  bool is_namespace = type.group.empty() && type.resource == "namespaces";
  bool is_crd = type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions";
  bool has_dependents = dependents_.contains(uid) && !dependents_.at(uid).empty();

  if (policy == Propagation::orphan && !options.dry_run) orphan_dependents_of(uid);
  if (policy == Propagation::foreground && has_dependents) add_finalizer(next, kForeground);
  std::string crd_collection;
  if (is_crd) {
    crd_collection = string_at(old, "spec.group") + "/" + string_at(old, "spec.names.plural");
    if (auto c = objects_.find(crd_collection); c != objects_.end() && !c->second.empty()) add_finalizer(next, kCrdCleanup);
  }
  bool keep = is_namespace || !no_finalizers(next);
  if (!keep) {
    if (options.dry_run) return DeleteResult{true, old};
    finish_deletion(type.collection_key(), key);
    return DeleteResult{true, old};
  }
  auto& meta = ensure_object(next, "metadata");
  if (!meta.contains("deletionTimestamp")) {
    if (const auto* g = meta.if_contains("generation"); g != nullptr && g->is_number() && int_of(*g) > 0)
      meta["generation"] = int_of(*g) + 1;
    meta["deletionTimestamp"] = now();
    meta["deletionGracePeriodSeconds"] = 0;
  }
  if (is_namespace) ensure_object(next, "status")["phase"] = "Terminating";
  if (options.dry_run) return DeleteResult{false, next};
  if (!json_equal(next, old)) {
    auto stored = commit(type.collection_key(), key, std::move(next), false);
    next = *stored;
  }
  if (policy == Propagation::foreground && has_dependents) delete_dependents_of(uid, true);
  if (is_namespace) {
    // The namespace controller's job: delete everything inside.
    for (const auto* t : registry_.all()) {
      if (!t->namespaced) continue;
      if (auto c = objects_.find(t->collection_key()); c != objects_.end()) {
        std::vector<std::string> names;
        for (auto it = c->second.lower_bound(name + "/"); it != c->second.end() && it->first.starts_with(name + "/"); ++it)
          names.push_back(split_key(it->first).second);
        for (const auto& n : names) {
          auto obj = find(t->collection_key(), name, n);
          if (obj != nullptr && find_path(*obj, "metadata.deletionTimestamp") == nullptr)
            (void)delete_object(*t, name, n, DeleteOptions{});
        }
      }
    }
  }
  if (is_crd && !crd_collection.empty()) {
    const auto* cr_type = registry_.find_any_version(string_at(old, "spec.group"), string_at(old, "spec.names.plural"));
    if (cr_type != nullptr) {
      std::vector<std::pair<std::string, std::string>> items;
      if (auto c = objects_.find(crd_collection); c != objects_.end())
        for (const auto& [k, obj] : c->second)
          if (find_path(*obj, "metadata.deletionTimestamp") == nullptr) items.push_back(split_key(k));
      for (const auto& [item_ns, item_name] : items) (void)delete_object(*cr_type, item_ns, item_name, DeleteOptions{});
    }
  }
  auto now_there = find(type.collection_key(), scope_ns, name);
  return DeleteResult{now_there == nullptr, now_there == nullptr ? next : *now_there};
}

void Store::orphan_dependents_of(const std::string& uid) {
  auto it = dependents_.find(uid);
  if (it == dependents_.end()) return;
  auto locations = it->second;
  for (const auto& [collection, key] : locations) {
    auto c = objects_.find(collection);
    if (c == objects_.end()) continue;
    auto o = c->second.find(key);
    if (o == c->second.end()) continue;
    json::object next = *o->second;
    auto& refs = ensure_object(next, "metadata")["ownerReferences"];
    if (!refs.is_array()) continue;
    auto& arr = refs.get_array();
    arr.erase(std::remove_if(arr.begin(), arr.end(),
                             [&](const json::value& r) { return r.is_object() && string_at(r.get_object(), "uid") == uid; }),
              arr.end());
    if (arr.empty()) ensure_object(next, "metadata").erase("ownerReferences");
    commit(collection, key, std::move(next), false);
  }
}

void Store::delete_dependents_of(const std::string& uid, bool only_non_deleting) {
  auto it = dependents_.find(uid);
  if (it == dependents_.end()) return;
  auto locations = it->second;
  for (const auto& [collection, key] : locations) {
    auto slash = collection.find('/');
    const auto* type = registry_.find_any_version(collection.substr(0, slash), collection.substr(slash + 1));
    if (type == nullptr) continue;
    auto [ns, name] = split_key(key);
    if (!type->namespaced) ns.clear(), name = key;
    auto obj = find(collection, ns, name);
    if (obj == nullptr) continue;
    if (only_non_deleting && find_path(*obj, "metadata.deletionTimestamp") != nullptr) continue;
    (void)delete_object(*type, ns, name, DeleteOptions{});
  }
}

bool Store::has_blocking_dependents(const std::string& uid) const {
  auto it = dependents_.find(uid);
  if (it == dependents_.end()) return false;
  for (const auto& [collection, key] : it->second) {
    auto c = objects_.find(collection);
    if (c == objects_.end()) continue;
    auto o = c->second.find(key);
    if (o == c->second.end()) continue;
    const auto* refs = find_path(*o->second, "metadata.ownerReferences");
    if (refs == nullptr || !refs->is_array()) continue;
    for (const auto& r : refs->get_array()) {
      if (!r.is_object() || string_at(r.get_object(), "uid") != uid) continue;
      const auto* block = r.get_object().if_contains("blockOwnerDeletion");
      if (block != nullptr && block->is_bool() && block->get_bool()) return true;
    }
  }
  return false;
}

void Store::collect_garbage() {
  if (collecting_) return;
  collecting_ = true;
  for (int round = 0; round < 1000; ++round) {
    bool progress = false;
    // Dependents whose owners are gone.
    while (!gc_queue_.empty()) {
      std::string uid = gc_queue_.back();
      gc_queue_.pop_back();
      if (owner_exists(uid)) continue;
      auto it = dependents_.find(uid);
      if (it == dependents_.end()) continue;
      auto locations = it->second;
      for (const auto& [collection, key] : locations) {
        auto c = objects_.find(collection);
        if (c == objects_.end()) continue;
        auto o = c->second.find(key);
        if (o == c->second.end()) continue;
        ObjectPtr obj = o->second;
        const auto* refs = find_path(*obj, "metadata.ownerReferences");
        if (refs == nullptr || !refs->is_array()) continue;
        json::array alive;
        for (const auto& r : refs->get_array())
          if (r.is_object() && owner_exists(string_at(r.get_object(), "uid"))) alive.push_back(r);
        if (alive.empty()) {
          if (find_path(*obj, "metadata.deletionTimestamp") != nullptr) continue;
          auto slash = collection.find('/');
          const auto* type = registry_.find_any_version(collection.substr(0, slash), collection.substr(slash + 1));
          if (type == nullptr) continue;
          auto [ns, name] = type->namespaced ? split_key(key) : std::make_pair(std::string(), key);
          (void)delete_object(*type, ns, name, DeleteOptions{});
        } else if (alive.size() < refs->get_array().size()) {
          json::object next = *obj;
          ensure_object(next, "metadata")["ownerReferences"] = std::move(alive);
          commit(collection, key, std::move(next), false);
        }
        progress = true;
      }
    }
    // Owners in foreground deletion, terminating namespaces and CRDs.
    std::vector<std::pair<std::string, std::string>> finished;
    for (const auto& [collection, key] : deleting_) {
      {
        auto c = objects_.find(collection);
        if (c == objects_.end() || !c->second.contains(key)) continue;
        const auto& obj = c->second.at(key);
        std::string uid = string_at(*obj, "metadata.uid");
        if (has_finalizer(*obj, kForeground)) {
          if (!has_blocking_dependents(uid)) finished.emplace_back(collection, key);
        } else if (collection == "/namespaces") {
          finished.emplace_back(collection, key);
        } else if (has_finalizer(*obj, kCrdCleanup)) {
          finished.emplace_back(collection, key);
        }
      }
    }
    for (const auto& [collection, key] : finished) {
      auto c = objects_.find(collection);
      if (c == objects_.end()) continue;
      auto o = c->second.find(key);
      if (o == c->second.end()) continue;
      json::object next = *o->second;
      if (collection == "/namespaces") {
        bool empty = true;
        for (const auto* t : registry_.all()) {
          if (!t->namespaced) continue;
          if (auto tc = objects_.find(t->collection_key()); tc != objects_.end()) {
            auto first = tc->second.lower_bound(key + "/");
            if (first != tc->second.end() && first->first.starts_with(key + "/")) empty = false;
          }
        }
        if (!empty || !no_finalizers(next)) continue;
        finish_deletion(collection, key);
        progress = true;
        continue;
      }
      if (has_finalizer(next, kCrdCleanup)) {
        std::string crs = string_at(next, "spec.group") + "/" + string_at(next, "spec.names.plural");
        if (auto tc = objects_.find(crs); tc != objects_.end() && !tc->second.empty()) continue;
        drop_finalizer(next, kCrdCleanup);
      }
      if (has_finalizer(next, kForeground)) drop_finalizer(next, kForeground);
      if (no_finalizers(next)) finish_deletion(collection, key);
      else commit(collection, key, std::move(next), false);
      progress = true;
    }
    if (!progress && gc_queue_.empty()) break;
  }
  collecting_ = false;
}

}  // namespace dragops::apiserver
