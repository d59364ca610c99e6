#pragma once
// `kubectl dragops share` and `unshare` (docs/sharing.md): a Connection or dragops Secret is
// used by a pod only if the pod's ServiceAccount may `use` it (RBAC's custom-verb pattern). These
// write, or remove, exactly the RBAC that grants it:
//   Role        dragops-use-<kind>-<name>          verbs [use] on <kind>.dragops.io, resourceNames [<name>]
//   RoleBinding dragops-use-<kind>-<name>-<sa>     that Role to ServiceAccount <sa>
// both in the object's namespace, labelled app.kubernetes.io/managed-by: kubectl-dragops.

#include "commands.hpp"

#include <boost/json/array.hpp>

#include <string>

namespace dragops::dragopsctl {

struct ShareGrant {
  std::string kind;              // "connection" or "secret"
  std::string name;
  std::string namespace_;
  std::string service_account;
};

std::string use_role_name(const ShareGrant& grant);
std::string use_binding_name(const ShareGrant& grant);
// The Role and the RoleBinding, in that order.
boost::json::array share_manifests(const ShareGrant& grant);

int kubectl_share(const Args& args, bool share);

}  // namespace dragops::dragopsctl
