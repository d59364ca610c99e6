#pragma once
// The informer's local cache: objects by "namespace/name" (or "name" when cluster-scoped),
// immutable once stored (shared_ptr<const object>), with indexes that map an index value to
// the keys of the objects that produce it. Thread-safe: readers see whole objects only.

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dragops::kube {

using ObjectPtr = std::shared_ptr<const boost::json::object>;

// The values under which an object is filed in one index (none, one or several).
using IndexFunc = std::function<std::vector<std::string>(const boost::json::object&)>;

// "namespace/name", or "name" for a cluster-scoped object.
std::string object_key(const boost::json::object& object);
std::string key_of(std::string_view ns, std::string_view name);
std::string namespace_of(const boost::json::object& object);
std::string name_of(const boost::json::object& object);
std::string resource_version_of(const boost::json::object& object);

// Built-in index functions.
IndexFunc namespace_index();
IndexFunc label_index(std::string label);  // files the object under its value of that label

constexpr const char* kNamespaceIndex = "namespace";

class Cache {
 public:
  Cache();

  // Before objects arrive (the informer refuses after start).
  void add_index(std::string name, IndexFunc fn);

  ObjectPtr get(std::string_view ns, std::string_view name) const;
  ObjectPtr get_by_key(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<std::string> keys() const;
  std::vector<ObjectPtr> by_index(std::string_view index, std::string_view value) const;
  std::vector<std::string> keys_by_index(std::string_view index, std::string_view value) const;
  std::size_t size() const;

  // Writers (the informer). Each returns the previous object, or null.
  ObjectPtr upsert(const std::string& key, ObjectPtr object);
  ObjectPtr erase(const std::string& key);

 private:
  void unindex_locked(const std::string& key, const boost::json::object& object);
  void index_locked(const std::string& key, const boost::json::object& object);

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, ObjectPtr> objects_;
  std::map<std::string, IndexFunc, std::less<>> index_functions_;
  // index name -> value -> keys
  std::map<std::string, std::map<std::string, std::set<std::string>, std::less<>>, std::less<>> indexes_;
};

}  // namespace dragops::kube
