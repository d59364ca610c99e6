#include "apiserver/store.hpp"

#include "apiserver/json_util.hpp"
#include "apiserver/patch.hpp"
#include "common/log.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>

namespace dragops::apiserver {

namespace {

// Kinds whose PUT creates a missing object (AllowCreateOnUpdate in their kube strategies).
bool creates_on_update(const ResourceType& type) {
  return type.resource == "leases" || type.resource == "events" || type.resource == "endpoints" ||
         type.group == "rbac.authorization.k8s.io";
}

bool is_services(const ResourceType& type) { return type.group.empty() && type.resource == "services"; }

// An address reserved for a write, freed again unless the write is stored (`ip` cleared).
struct Unreserve {
  ServiceIPs& ips;
  std::string ip;
  ~Unreserve() {
    if (!ip.empty()) ips.release_ip(ip);
  }
};

void copy_field(json::object& to, const json::object& from, std::string_view key) {
  if (const auto* v = from.if_contains(key)) to[key] = *v;
  else to.erase(key);
}

}  // namespace

Store::Store(Registry& registry, std::size_t history_limit, Clock clock)
    : registry_(registry), history_limit_(history_limit), clock_(std::move(clock)) {}

std::string Store::now() const { return rfc3339(clock_()); }

// kube's ServiceAccount controller: every namespace gets a `default` ServiceAccount. Done here,
// synchronously, as the server does its other controllers' work.
void Store::create_default_service_account(const std::string& ns) {
  const ResourceType* type = registry_.find("", "v1", "serviceaccounts");
  if (type == nullptr || find(type->collection_key(), ns, "default") != nullptr) return;
  json::object account{{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", json::object{{"name", "default"}}}};
  (void)create(*type, ns, std::move(account), WriteOptions{});
}

void Store::set_service_ip_range(Ipv4Range range) {
  service_ips_.set_range(range);
  track_service_ips();
}

void Store::track_service_ips() {
  service_ips_.clear();
  for (const auto& service : all_of("/services"))
    if (!service_ips_.track(*service))
      log::warn("a Service's ClusterIP is outside the service IP range",
                {{"service", json::value(string_at(*service, "metadata.namespace") + "/" + string_at(*service, "metadata.name"))},
                 {"clusterIP", json::value(string_at(*service, "spec.clusterIP"))},
                 {"range", json::value(service_ips_.range().text())}});
}

std::size_t Store::object_count() const {
  std::size_t n = 0;
  for (const auto& [collection, items] : objects_) n += items.size();
  return n;
}

ObjectPtr Store::find(const std::string& collection, const std::string& ns, const std::string& name) const {
  auto c = objects_.find(collection);
  if (c == objects_.end()) return nullptr;
  auto it = c->second.find(key_of(ns, name));
  return it == c->second.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::all_of(const std::string& collection) const {
  std::vector<ObjectPtr> out;
  if (auto c = objects_.find(collection); c != objects_.end())
    for (const auto& [key, obj] : c->second) out.push_back(obj);
  return out;
}

Result<void> Store::check_namespace(const ResourceType& type, const std::string& ns, bool creating) const {
  if (!type.namespaced) return {};
  if (ns.empty()) return errors::bad_request("the server could not find the requested resource: a namespace is required");
  auto namespace_object = find("/namespaces", "", ns);
  if (namespace_object == nullptr) return errors::not_found("namespaces", "", ns);
  if (creating && find_path(*namespace_object, "metadata.deletionTimestamp") != nullptr) {
    auto e = errors::forbidden(type.resource, type.group, "",
                               "unable to create new content in namespace " + ns + " because it is being terminated");
    e.causes.push_back({"NamespaceTerminating", "namespace " + ns + " is being terminated", "metadata.namespace"});
    return e;
  }
  return {};
}

Result<json::object> Store::create(const ResourceType& type, const std::string& ns, json::object body,
                                   const WriteOptions& options) {
  if (auto r = check_body_kind(type, body); !r) return r.error();
  auto& meta = ensure_object(body, "metadata");
  std::string body_ns = string_at(meta, "namespace");
  if (type.namespaced) {
    if (!body_ns.empty() && body_ns != ns)
      return errors::bad_request("the namespace of the provided object does not match the namespace sent on the request");
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  if (auto r = check_namespace(type, ns, true); !r) return r.error();
  if (!string_at(meta, "resourceVersion").empty())
    return errors::internal("resourceVersion should not be set on objects to be created");
  std::string name = string_at(meta, "name");
  std::string generate = string_at(meta, "generateName");
  if (name.empty() && !generate.empty()) {
    for (int attempt = 0; attempt < 8; ++attempt) {
      name = generate + random_suffix(5);
      if (find(type.collection_key(), type.namespaced ? ns : "", name) == nullptr) break;
    }
    meta["name"] = name;
  }
  for (auto key : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields",
                   "selfLink", "generation", "resourceVersion"})
    meta.erase(key);
  meta["uid"] = new_uid();
  meta["creationTimestamp"] = now();
  if (type.generation != GenerationPolicy::none) meta["generation"] = 1;

  if (auto r = prepare_for_create(type, body, options); !r) return r.error();
  const json::object body_identity = object_or_empty(body, "metadata");
  if (admission_ != nullptr) {
    AdmissionRequest request{&type, "CREATE", "", type.namespaced ? ns : "", name, nullptr, options.dry_run, options.user};
    auto mutated = admission_->mutate(request, std::move(body));
    if (!mutated) return mutated.error();
    if (string_at(*mutated, "metadata.name") != name || string_at(*mutated, "metadata.namespace") != string_at(body_identity, "namespace"))
      return errors::internal("an admission webhook changed the object's name or namespace");
    body = std::move(*mutated);
    if (type.custom) {
      WriteOptions quiet = options;
      quiet.field_validation = FieldValidation::ignore;
      if (auto r = apply_schema(type, body, quiet); !r) return r.error();
    }
  }
  // ClusterIPs, after mutating admission and before validation, as kube's BeginCreate.
  Unreserve unreserve{service_ips_, ""};
  if (is_services(type)) {
    auto reserved = service_ips_.on_create(body, options.dry_run);
    if (!reserved) return reserved.error();
    unreserve.ip = *reserved;
  }
  if (auto r = validate(type, body, nullptr); !r) return r.error();
  name = string_at(body, "metadata.name");
  if (admission_ != nullptr) {
    AdmissionRequest request{&type, "CREATE", "", type.namespaced ? ns : "", name, nullptr, options.dry_run, options.user};
    if (auto r = admission_->validate(request, body); !r) return r.error();
  }
  std::string key = key_of(type.namespaced ? ns : "", name);
  if (find(type.collection_key(), type.namespaced ? ns : "", name) != nullptr)
    return errors::already_exists(type.resource, type.group, name);
  if (options.dry_run) return body;

  unreserve.ip.clear();
  auto stored = commit(type.collection_key(), key, std::move(body), true);
  if (type.resource == "customresourcedefinitions" && type.group == "apiextensions.k8s.io") registry_.install_crd(*stored);
  if (type.group.empty() && type.resource == "namespaces") create_default_service_account(name);
  // An object whose every owner is already gone is collected, as kube's garbage collector would.
  if (const auto* refs = find_path(*stored, "metadata.ownerReferences"); refs != nullptr && refs->is_array() &&
                                                                       !refs->get_array().empty()) {
    bool any_alive = std::any_of(refs->get_array().begin(), refs->get_array().end(), [&](const json::value& r) {
      return r.is_object() && owner_exists(string_at(r.get_object(), "uid"));
    });
    if (!any_alive)
      for (const auto& r : refs->get_array())
        if (r.is_object()) gc_queue_.push_back(string_at(r.get_object(), "uid"));
  }
  json::object result = *stored;
  collect_garbage();
  return result;
}

Result<json::object> Store::get(const ResourceType& type, const std::string& ns, const std::string& name) const {
  if (type.namespaced && find("/namespaces", "", ns) == nullptr && !ns.empty())
    return errors::not_found(type.resource, type.group, name);
  auto obj = find(type.collection_key(), type.namespaced ? ns : "", name);
  if (obj == nullptr) return errors::not_found(type.resource, type.group, name);
  return *obj;
}

std::optional<std::string> Store::field_value(const ResourceType& type, const json::object& object,
                                              const std::string& label) const {
  if (label == "metadata.name") return string_at(object, "metadata.name");
  if (label == "metadata.namespace") return string_at(object, "metadata.namespace");
  if (std::find(type.field_labels.begin(), type.field_labels.end(), label) == type.field_labels.end()) return std::nullopt;
  std::string path = label == "source" ? "source.component" : label;
  const auto* v = find_path(object, path);
  if (v == nullptr || v->is_null()) return std::string();
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_bool()) return std::string(v->get_bool() ? "true" : "false");
  return to_json(*v);
}

Result<std::vector<std::string>> Store::field_labels_of(const ResourceType& type, const FieldSelector& selector) const {
  std::vector<std::string> labels;
  for (const auto& req : selector.requirements()) {
    if (req.field != "metadata.name" && req.field != "metadata.namespace" &&
        std::find(type.field_labels.begin(), type.field_labels.end(), req.field) == type.field_labels.end())
      return errors::bad_request("field label not supported: " + req.field);
    labels.push_back(req.field);
  }
  return labels;
}

Result<ListResult> Store::list(const ResourceType& type, const std::string& ns, const ListOptions& options) const {
  auto labels = LabelSelector::parse(options.label_selector);
  if (!labels) return labels.error();
  auto fields = FieldSelector::parse(options.field_selector);
  if (!fields) return fields.error();
  if (auto r = field_labels_of(type, *fields); !r) return r.error();
  if (!options.resource_version.empty()) {
    char* end = nullptr;
    unsigned long long rv = std::strtoull(options.resource_version.c_str(), &end, 10);
    if (*end != '\0') return errors::bad_request("invalid resource version \"" + options.resource_version + "\"");
    if (rv > resource_version_) {
      auto e = errors::timeout("Too large resource version: " + options.resource_version +
                               ", current: " + std::to_string(resource_version_));
      e.causes.push_back({"ResourceVersionTooLarge", "Too large resource version", ""});
      e.retry_after_seconds = 1;
      return e;
    }
  }
  std::string start;
  if (!options.continue_token.empty()) {
    auto decoded = base64_decode(options.continue_token);
    boost::system::error_code ec;
    auto token = decoded ? json::parse(*decoded, ec) : json::value();
    if (!decoded || ec || !token.is_object() || !token.get_object().contains("start"))
      return errors::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    start = string_at(token.get_object(), "start");
  }
  ListResult result;
  result.resource_version = resource_version_;
  auto c = objects_.find(type.collection_key());
  if (c == objects_.end()) return result;
  auto it = start.empty() ? c->second.begin() : c->second.upper_bound(start);
  std::int64_t remaining = 0;
  std::string last_key;
  for (; it != c->second.end(); ++it) {
    const auto& obj = *it->second;
    if (type.namespaced && !ns.empty() && string_at(obj, "metadata.namespace") != ns) continue;
    if (!labels->matches(object_or_empty(object_or_empty(obj, "metadata"), "labels"))) continue;
    if (!fields->matches([&](const std::string& label) { return field_value(type, obj, label); })) continue;
    if (options.limit > 0 && static_cast<std::int64_t>(result.items.size()) >= options.limit) {
      ++remaining;
      continue;
    }
    result.items.push_back(it->second);
    last_key = it->first;
  }
  if (remaining > 0) {
    json::object token{{"v", "meta.k8s.io/v1"}, {"rv", resource_version_}, {"start", last_key}};
    result.continue_token = base64_encode(to_json(token));
    result.remaining = remaining;
  }
  return result;
}

Result<json::object> Store::update(const ResourceType& type, const std::string& ns, const std::string& name,
                                   json::object body, const WriteOptions& options) {
  if (auto r = check_body_kind(type, body); !r) return r.error();
  auto& meta = ensure_object(body, "metadata");
  std::string body_name = string_at(meta, "name");
  if (body_name.empty()) meta["name"] = name;
  else if (body_name != name)
    return errors::bad_request("the name of the object (" + body_name + ") does not match the name on the URL (" + name + ")");
  if (type.namespaced) {
    std::string body_ns = string_at(meta, "namespace");
    if (!body_ns.empty() && body_ns != ns)
      return errors::bad_request("the namespace of the provided object does not match the namespace sent on the request");
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  if (auto r = check_namespace(type, ns, false); !r) return r.error();
  auto existing = find(type.collection_key(), type.namespaced ? ns : "", name);
  if (existing == nullptr) {
    if (creates_on_update(type) && !options.status) {
      meta.erase("resourceVersion");
      return create(type, ns, std::move(body), options);
    }
    return errors::not_found(type.resource, type.group, name);
  }
  const json::object& old = *existing;
  std::string body_uid = string_at(meta, "uid");
  if (!body_uid.empty() && body_uid != string_at(old, "metadata.uid"))
    return errors::conflict(type.resource, type.group, name,
                            "Precondition failed: UID in precondition: " + body_uid +
                                ", UID in object meta: " + string_at(old, "metadata.uid"));
  std::string rv = string_at(meta, "resourceVersion");
  if (!rv.empty() && rv != string_at(old, "metadata.resourceVersion")) return errors::stale(type.resource, type.group, name);
  if (rv.empty() && type.custom)
    return errors::invalid(type.kind, type.group, name,
                           {errors::invalid_value("metadata.resourceVersion", "0x0", "must be specified for an update")});

  json::object next;
  if (options.status) {
    next = old;
    copy_field(next, body, "status");
  } else {
    next = std::move(body);
    auto& next_meta = ensure_object(next, "metadata");
    const auto& old_meta = object_or_empty(old, "metadata");
    for (auto key : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
                     "resourceVersion", "name", "namespace"})
      copy_field(next_meta, old_meta, key);
    next_meta.erase("managedFields");
    next_meta.erase("selfLink");
    if (type.status_subresource) copy_field(next, old, "status");
  }
  if (auto r = prepare_for_update(type, next, old, options); !r) return r.error();

  const auto& old_meta = object_or_empty(old, "metadata");
  if (old_meta.contains("deletionTimestamp")) {
    const auto* old_finalizers = old_meta.if_contains("finalizers");
    std::vector<std::string> added;
    if (const auto* f = find_path(next, "metadata.finalizers"); f != nullptr && f->is_array())
      for (const auto& x : f->get_array()) {
        bool known = old_finalizers != nullptr && old_finalizers->is_array() &&
                     std::any_of(old_finalizers->get_array().begin(), old_finalizers->get_array().end(),
                                 [&](const json::value& o) { return o == x; });
        if (!known && x.is_string()) added.emplace_back(x.get_string());
      }
    if (!added.empty()) {
      std::string list;
      for (const auto& a : added) list += (list.empty() ? "\"" : ", \"") + a + "\"";
      return errors::invalid(type.kind, type.group, name,
                             {errors::forbidden_field("metadata.finalizers",
                                                      "no new finalizers can be added if the object is being deleted, "
                                                      "found new finalizers []string{" + list + "}")});
    }
  }
  if (admission_ != nullptr) {
    AdmissionRequest request{&type, "UPDATE", options.status ? "status" : "", type.namespaced ? ns : "", name, &old,
                             options.dry_run, options.user};
    auto mutated = admission_->mutate(request, std::move(next));
    if (!mutated) return mutated.error();
    if (string_at(*mutated, "metadata.name") != name || string_at(*mutated, "metadata.uid") != string_at(old, "metadata.uid"))
      return errors::internal("an admission webhook changed the object's name or uid");
    next = std::move(*mutated);
  }
  // ClusterIPs kept and immutable (kube's BeginUpdate); an address freed only once stored.
  Unreserve unreserve{service_ips_, ""};
  std::string to_release;
  if (is_services(type) && !options.status) {
    auto change = service_ips_.on_update(next, old, options.dry_run);
    if (!change) return change.error();
    unreserve.ip = change->reserved;
    to_release = change->to_release;
  }
  if (auto r = validate(type, next, &old); !r) return r.error();
  if (json_equal(next, old)) return old;  // a no-op: the real server does not bump the version either
  if (admission_ != nullptr) {
    AdmissionRequest request{&type, "UPDATE", options.status ? "status" : "", type.namespaced ? ns : "", name, &old,
                             options.dry_run, options.user};
    if (auto r = admission_->validate(request, next); !r) return r.error();
    // Other requests are served while a webhook is called (webhook.hpp): one that wrote this
    // object meanwhile wins, as kube's optimistic concurrency decides.
    if (find(type.collection_key(), type.namespaced ? ns : "", name) != existing)
      return errors::conflict(type.resource, type.group, name,
                              "the object has been modified; please apply your changes to the latest version and try again");
  }
  if (bumps_generation(type, next, old)) {
    auto& next_meta = ensure_object(next, "metadata");
    const auto* g = old_meta.if_contains("generation");
    next_meta["generation"] = (g != nullptr && g->is_number() ? int_of(*g) : 0) + 1;
  }
  if (options.dry_run) return next;

  unreserve.ip.clear();
  if (!to_release.empty()) service_ips_.release_ip(to_release);
  std::string key = key_of(type.namespaced ? ns : "", name);
  const auto* finalizers = find_path(next, "metadata.finalizers");
  bool finalized = find_path(next, "metadata.deletionTimestamp") != nullptr &&
                   (finalizers == nullptr || !finalizers->is_array() || finalizers->get_array().empty());
  if (finalized) {
    json::object last = std::move(next);
    ensure_object(last, "metadata")["resourceVersion"] = std::to_string(resource_version_ + 1);
    json::object result = last;
    auto replacement = std::make_shared<const json::object>(std::move(last));
    index_owners({type.collection_key(), key}, existing.get(), replacement.get());
    objects_[type.collection_key()][key] = replacement;
    finish_deletion(type.collection_key(), key);
    collect_garbage();
    return result;
  }
  auto stored = commit(type.collection_key(), key, std::move(next), false);
  if (type.resource == "customresourcedefinitions" && type.group == "apiextensions.k8s.io" &&
      find_path(*stored, "metadata.deletionTimestamp") == nullptr)
    registry_.install_crd(*stored);
  json::object result = *stored;
  collect_garbage();
  return result;
}

Result<json::object> Store::patch(const ResourceType& type, const std::string& ns, const std::string& name,
                                  PatchType patch_type, const json::value& patch, const WriteOptions& options) {
  if (auto r = check_namespace(type, ns, false); !r) return r.error();
  auto existing = find(type.collection_key(), type.namespaced ? ns : "", name);
  if (existing == nullptr) return errors::not_found(type.resource, type.group, name);
  json::value current = *existing;
  Result<json::value> patched = json::value();
  switch (patch_type) {
    case PatchType::merge: patched = merge_patch(current, patch); break;
    case PatchType::json: patched = json_patch(current, patch); break;
    case PatchType::strategic: patched = strategic_merge_patch(current, patch); break;
  }
  if (!patched) return patched.error();
  if (!patched->is_object()) return errors::bad_request("the patched object is not a JSON object");
  auto& obj = patched->get_object();
  // apiVersion follows the endpoint, like the real server's conversion.
  obj["apiVersion"] = type.api_version();
  obj["kind"] = type.kind;
  return update(type, ns, name, std::move(obj), options);
}

ObjectPtr Store::commit(const std::string& collection, const std::string& key, json::object object, bool added) {
  ++resource_version_;
  ensure_object(object, "metadata")["resourceVersion"] = std::to_string(resource_version_);
  auto ptr = std::make_shared<const json::object>(std::move(object));
  auto& slot = objects_[collection][key];
  ObjectPtr before = slot;
  slot = ptr;
  Location where{collection, key};
  uid_index_[string_at(*ptr, "metadata.uid")] = where;
  index_owners(where, before.get(), ptr.get());
  if (find_path(*ptr, "metadata.deletionTimestamp") != nullptr) deleting_.insert({collection, key});
  else deleting_.erase({collection, key});
  record({added ? "ADDED" : "MODIFIED", resource_version_, collection, ptr, before});
  return ptr;
}

void Store::finish_deletion(const std::string& collection, const std::string& key) {
  auto c = objects_.find(collection);
  if (c == objects_.end()) return;
  auto it = c->second.find(key);
  if (it == c->second.end()) return;
  ObjectPtr before = it->second;
  ++resource_version_;
  json::object last = *before;
  ensure_object(last, "metadata")["resourceVersion"] = std::to_string(resource_version_);
  auto ptr = std::make_shared<const json::object>(std::move(last));
  c->second.erase(it);
  deleting_.erase({collection, key});
  std::string uid = string_at(*ptr, "metadata.uid");
  uid_index_.erase(uid);
  index_owners({collection, key}, before.get(), nullptr);
  record({"DELETED", resource_version_, collection, ptr, before});
  gc_queue_.push_back(uid);
  if (collection == "/services") service_ips_.release(*ptr);
  if (collection == "apiextensions.k8s.io/customresourcedefinitions") {
    registry_.remove_crd(string_at(*ptr, "metadata.name"));
  }
}

void Store::index_owners(const Location& where, const json::object* before, const json::object* after) {
  auto each_owner = [](const json::object* obj, auto&& fn) {
    if (obj == nullptr) return;
    if (const auto* refs = find_path(*obj, "metadata.ownerReferences"); refs != nullptr && refs->is_array())
      for (const auto& r : refs->get_array())
        if (r.is_object()) fn(string_at(r.get_object(), "uid"));
  };
  auto entry = std::make_pair(where.collection, where.key);
  each_owner(before, [&](const std::string& uid) {
    auto it = dependents_.find(uid);
    if (it != dependents_.end()) {
      it->second.erase(entry);
      if (it->second.empty()) dependents_.erase(it);
    }
  });
  each_owner(after, [&](const std::string& uid) { dependents_[uid].insert(entry); });
}

}  // namespace dragops::apiserver
