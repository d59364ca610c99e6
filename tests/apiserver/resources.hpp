#pragma once
// The resource types the server serves: the built-in kinds and, once their CRDs are created,
// custom resources. Everything discovery, the handler and the store need to know about a type.

#include "apiserver/api_error.hpp"

#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dragops::apiserver {

// Which changes bump metadata.generation (kube sets it per kind in the registry strategies).
enum class GenerationPolicy {
  none,                     // generation stays unset (ConfigMap, Secret, ...)
  spec,                     // bumped when .spec changes (Deployment, CRD, PDB)
  all_but_metadata_status,  // custom resources with a status subresource
  all_but_metadata,         // custom resources without one
  webhooks,                 // webhook configurations: bumped when .webhooks changes
};

struct PrinterColumn {
  std::string name;
  std::string type;         // string | integer | number | boolean | date
  std::string format;
  std::string description;
  std::string json_path;
  int priority = 0;
};

struct ResourceType {
  std::string group;
  std::string version;
  std::string resource;     // plural
  std::string kind;
  std::string singular;
  std::string list_kind;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> verbs;
  bool status_subresource = false;
  bool custom = false;      // served from a CRD
  std::string crd_name;
  GenerationPolicy generation = GenerationPolicy::none;
  std::vector<PrinterColumn> columns;      // CRD additionalPrinterColumns
  boost::json::object schema;              // CRD openAPIV3Schema ({} for built-ins)
  std::vector<std::string> field_labels;   // field selectors beyond metadata.name/namespace

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  std::string collection_key() const { return group + "/" + resource; }  // storage is version-free
};

struct GroupVersions {
  std::string group;
  std::vector<std::string> versions;  // preferred first
};

class Registry {
 public:
  Registry();

  const ResourceType* find(const std::string& group, const std::string& version, const std::string& resource) const;
  // Any served version of group/resource (for garbage collection and webhooks by resource).
  const ResourceType* find_any_version(const std::string& group, const std::string& resource) const;
  const ResourceType* find_kind(const std::string& api_version, const std::string& kind) const;
  std::vector<const ResourceType*> in_group_version(const std::string& group, const std::string& version) const;
  std::vector<const ResourceType*> all() const;
  std::vector<GroupVersions> groups() const;  // core ("") first, then built-in groups, then CRD groups

  // Validates a CRD (422 causes) and fills in its defaults (names, conditions).
  Result<void> prepare_crd(boost::json::object& crd, const boost::json::object* old) const;
  // Starts serving the CRD's versions (replacing earlier ones of the same CRD).
  void install_crd(const boost::json::object& crd);
  void remove_crd(const std::string& crd_name);

 private:
  void add(ResourceType type);

  std::vector<std::unique_ptr<ResourceType>> types_;
  std::vector<std::string> builtin_group_order_;
};

}  // namespace dragops::apiserver
