#pragma once
// The RBAC that grants a ServiceAccount the verb `use` on one Connection or dragops Secret
// (docs/sharing.md), written by `kubectl dragops share` and by the dashboard's Share button, and
// read back by the dashboard to show who may use an object:
//   Role        dragops-use-<kind>-<name>          verbs [use] on <kind>s.dragops.io, resourceNames [<name>]
//   RoleBinding dragops-use-<kind>-<name>-<sa>     that Role to ServiceAccount <sa>
// both in the object's namespace, labelled app.kubernetes.io/managed-by: <manager>.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace dragops::use_grant {

struct ShareGrant {
  std::string kind;              // "connection" or "secret"
  std::string name;
  std::string namespace_;
  std::string service_account;
};

std::string use_role_name(const ShareGrant& grant);
std::string use_binding_name(const ShareGrant& grant);
boost::json::object use_role(const ShareGrant& grant, std::string_view manager);
boost::json::object use_role_binding(const ShareGrant& grant, std::string_view manager);

// Whether an RBAC rule (an element of a Role's or ClusterRole's rules) grants `use` on the
// object `name` of `resource` ("connections" or "secrets") in the group dragops.io: verbs use or
// *, apiGroups dragops.io or *, resources <resource> or *, and resourceNames empty or naming it.
bool rule_grants_use(const boost::json::value& rule, std::string_view resource, std::string_view name);

}  // namespace dragops::use_grant
