#pragma once
// The in-memory object store: one global resourceVersion counter, create/get/list/update/
// delete with kube's semantics (preconditions, no-op updates that do not bump the version,
// generation, finalizers, deletionTimestamp, namespace and CRD cleanup, ownerReference garbage
// collection), and the event history that watches replay from.
//
// Single-threaded by design: the server calls it from one io_context thread.

#include "apiserver/api_error.hpp"
#include "apiserver/resources.hpp"
#include "apiserver/selector.hpp"
#include "apiserver/service_ips.hpp"
#include "apiserver/user_info.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dragops::apiserver {

using ObjectPtr = std::shared_ptr<const boost::json::object>;
using Clock = std::function<std::chrono::system_clock::time_point()>;

enum class FieldValidation { ignore, warn, strict };

struct WriteOptions {
  bool dry_run = false;
  bool status = false;                 // the /status subresource
  FieldValidation field_validation = FieldValidation::warn;
  std::vector<std::string>* warnings = nullptr;
  const UserInfo* user = nullptr;      // who asks (admission's userInfo); nullptr: the server itself
};

enum class Propagation { background, foreground, orphan };

struct DeleteOptions {
  bool dry_run = false;
  std::optional<Propagation> propagation;
  std::string precondition_uid;
  std::string precondition_resource_version;
  const UserInfo* user = nullptr;
};

// What a delete did: the object is either gone (Status Success in the response) or still there
// with a deletionTimestamp, waiting for finalizers.
struct DeleteResult {
  bool deleted = false;
  boost::json::object object;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::int64_t limit = 0;
  std::string continue_token;
  std::string resource_version;
};

struct ListResult {
  std::vector<ObjectPtr> items;
  std::uint64_t resource_version = 0;
  std::string continue_token;
  std::int64_t remaining = -1;  // -1: unknown / not paginated
};

enum class PatchType { merge, json, strategic };

struct AdmissionRequest {
  const ResourceType* type = nullptr;
  std::string operation;               // CREATE | UPDATE | DELETE
  std::string subresource;
  std::string ns;
  std::string name;
  const boost::json::object* old_object = nullptr;
  bool dry_run = false;
  const UserInfo* user = nullptr;      // nullptr: the server itself (reported as admin_user())
};

// Admission (webhooks): mutation before the server's own validation, validation after it.
class Admission {
 public:
  virtual ~Admission() = default;
  virtual Result<boost::json::object> mutate(const AdmissionRequest& request, boost::json::object object) = 0;
  virtual Result<void> validate(const AdmissionRequest& request, const boost::json::object& object) = 0;
};

struct WatchEvent {
  std::string type;        // ADDED | MODIFIED | DELETED
  std::uint64_t resource_version = 0;
  std::string collection;  // ResourceType::collection_key()
  ObjectPtr object;
  ObjectPtr old_object;    // for MODIFIED: what it was
};

struct WatchSpec {
  std::string collection;
  std::string ns;          // "" for all namespaces / cluster-scoped
  LabelSelector labels;
  FieldSelector fields;
  const ResourceType* type = nullptr;  // for field label lookups; only used during the call
};

using WatchSink = std::function<void(const std::string& type, const ObjectPtr& object)>;

class Store {
 public:
  Store(Registry& registry, std::size_t history_limit, Clock clock);

  void set_admission(Admission* admission) { admission_ = admission; }
  std::uint64_t resource_version() const { return resource_version_; }
  Registry& registry() { return registry_; }
  // Services' ClusterIPs (service_ips.hpp); a new range forgets the old allocations and tracks
  // the stored Services' addresses again.
  const ServiceIPs& service_ips() const { return service_ips_; }
  void set_service_ip_range(Ipv4Range range);

  Result<boost::json::object> create(const ResourceType& type, const std::string& ns, boost::json::object body,
                                     const WriteOptions& options);
  Result<boost::json::object> get(const ResourceType& type, const std::string& ns, const std::string& name) const;
  Result<ListResult> list(const ResourceType& type, const std::string& ns, const ListOptions& options) const;
  Result<boost::json::object> update(const ResourceType& type, const std::string& ns, const std::string& name,
                                     boost::json::object body, const WriteOptions& options);
  Result<boost::json::object> patch(const ResourceType& type, const std::string& ns, const std::string& name,
                                    PatchType patch_type, const boost::json::value& patch, const WriteOptions& options);
  Result<DeleteResult> remove(const ResourceType& type, const std::string& ns, const std::string& name,
                              const DeleteOptions& options);

  // Starts a watch: replays from `resource_version` ("" or "0": the current objects as ADDED),
  // then calls `sink` for every later matching event until `unwatch`. 410 Expired beyond the
  // history.
  Result<std::uint64_t> watch(WatchSpec spec, const std::string& resource_version, WatchSink sink);
  void unwatch(std::uint64_t id);

  // Lookups used by admission and the handler.
  ObjectPtr find(const std::string& collection, const std::string& ns, const std::string& name) const;
  std::vector<ObjectPtr> all_of(const std::string& collection) const;
  std::optional<std::string> field_value(const ResourceType& type, const boost::json::object& object,
                                         const std::string& label) const;

  // Persistence across restarts (--state), the service IP range included.
  boost::json::object snapshot() const;
  Result<void> restore(const boost::json::object& state);

  std::size_t history_size() const { return history_.size(); }
  std::size_t object_count() const;

 private:
  struct Location {
    std::string collection;
    std::string key;
  };
  struct Watch {
    WatchSpec spec;
    std::vector<std::string> field_labels;
    WatchSink sink;
  };

  static std::string key_of(const std::string& ns, const std::string& name) { return ns.empty() ? name : ns + "/" + name; }
  std::string now() const;
  void create_default_service_account(const std::string& ns);
  void track_service_ips();

  // Type rules (type_rules.cpp): per-kind preparation and validation.
  Result<void> check_body_kind(const ResourceType& type, const boost::json::object& body) const;
  Result<void> check_body_kind_and_fill(const ResourceType& type, boost::json::object& body) const;
  Result<void> prepare_for_create(const ResourceType& type, boost::json::object& object, const WriteOptions& options);
  Result<void> prepare_for_update(const ResourceType& type, boost::json::object& object, const boost::json::object& old,
                                  const WriteOptions& options);
  Result<void> apply_schema(const ResourceType& type, boost::json::object& object, const WriteOptions& options);
  Result<void> validate(const ResourceType& type, const boost::json::object& object, const boost::json::object* old) const;
  bool bumps_generation(const ResourceType& type, const boost::json::object& object, const boost::json::object& old) const;
  Result<void> check_namespace(const ResourceType& type, const std::string& ns, bool creating) const;
  Result<std::vector<std::string>> field_labels_of(const ResourceType& type, const FieldSelector& selector) const;

  // Mutations that every path goes through: version bump, history, watchers, indexes.
  ObjectPtr commit(const std::string& collection, const std::string& key, boost::json::object object, bool added);
  void erase(const std::string& collection, const std::string& key);
  void record(WatchEvent event);
  void index_owners(const Location& where, const boost::json::object* before, const boost::json::object* after);

  // Deletion and garbage collection (store_gc.cpp).
  Result<DeleteResult> delete_object(const ResourceType& type, const std::string& ns, const std::string& name,
                                     const DeleteOptions& options);
  void finish_deletion(const std::string& collection, const std::string& key);
  void collect_garbage();
  void delete_dependents_of(const std::string& uid, bool only_non_deleting);
  void orphan_dependents_of(const std::string& uid);
  bool has_blocking_dependents(const std::string& uid) const;
  bool owner_exists(const std::string& uid) const { return uid_index_.contains(uid); }

  Registry& registry_;
  std::size_t history_limit_;
  Clock clock_;
  Admission* admission_ = nullptr;
  ServiceIPs service_ips_;
  std::uint64_t resource_version_ = 0;
  std::uint64_t history_start_ = 0;  // the history holds every event after this version
  std::map<std::string, std::map<std::string, ObjectPtr>> objects_;
  std::map<std::string, Location> uid_index_;
  std::map<std::string, std::set<std::pair<std::string, std::string>>> dependents_;  // owner uid -> locations
  std::deque<WatchEvent> history_;
  std::map<std::uint64_t, Watch> watches_;
  std::uint64_t next_watch_id_ = 1;
  std::vector<std::string> gc_queue_;  // owner uids to look at
  std::set<std::pair<std::string, std::string>> deleting_;  // objects with a deletionTimestamp
  bool collecting_ = false;
};

}  // namespace dragops::apiserver
