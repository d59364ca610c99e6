#pragma once
// Authorization: the request attributes kube's RequestInfo derives from a request, RBAC's
// rule and subject matching, and the authorizer that walks ClusterRoleBindings and the
// request namespace's RoleBindings (plus the bootstrap bindings every cluster has for
// system:authenticated). system:masters is allowed everything without a look at RBAC.

#include "apiserver/api_error.hpp"
#include "apiserver/store.hpp"
#include "apiserver/user_info.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dragops::apiserver {

struct RequestAttributes {
  UserInfo user;
  std::string verb;              // get list watch create update patch delete deletecollection impersonate; or the
                                 // lower-case HTTP method for non-resource requests
  bool resource_request = false;
  std::string api_group;
  std::string api_version;
  std::string resource;
  std::string subresource;
  std::string name;
  std::string ns;
  std::string path;              // non-resource requests
};

// kube's RequestInfoFactory: /api/v1/... and /apis/<g>/<v>/... are resource requests (verb
// from the method, list/watch for GET without a name, the name of a list or watch from a
// `metadata.name=` field selector, deletecollection for DELETE without a name); anything
// else is a non-resource request for the path.
RequestAttributes request_attributes(const std::string& method, const std::string& path,
                                     const std::map<std::string, std::string>& query);

// rbac/v1 PolicyRule against the attributes (verbs, apiGroups, resources with `*`, `res/sub`
// and `*/sub`, resourceNames, nonResourceURLs with a trailing `*`).
bool rule_allows(const boost::json::object& rule, const RequestAttributes& attributes);
// rbac/v1 Subject: User, Group, or ServiceAccount (namespace defaulting to the binding's).
bool subject_matches(const boost::json::object& subject, const UserInfo& user, const std::string& binding_namespace);

struct Decision {
  bool allowed = false;
  std::string reason;  // "RBAC: allowed by ..." when allowed
};

// The ClusterRoles kube bootstraps and binds to system:authenticated: system:discovery,
// system:public-info-viewer and system:basic-user (served from memory, not stored).
const std::vector<boost::json::object>& bootstrap_rules();

class Authorizer {
 public:
  explicit Authorizer(const Store& store) : store_(store) {}

  Decision authorize(const RequestAttributes& attributes) const;
  // Every rule that applies to the user in the namespace ("" : cluster-wide rules only).
  std::vector<boost::json::object> rules_for(const UserInfo& user, const std::string& ns) const;

 private:
  // Calls `visit(rule, source)` for each rule granted to the user in `ns`; stops when it returns true.
  void visit_rules(const UserInfo& user, const std::string& ns,
                   const std::function<bool(const boost::json::object&, const std::string&)>& visit) const;
  std::vector<boost::json::object> role_rules(const boost::json::object& role_ref, const std::string& binding_ns) const;

  const Store& store_;
};

// kube's 403: `secrets "x" is forbidden: User "u" cannot get resource "secrets" in API group ""
// in the namespace "ns"` (at the cluster scope; `cannot get path "/p"` for non-resource requests).
ApiError forbidden(const RequestAttributes& attributes);

}  // namespace dragops::apiserver
