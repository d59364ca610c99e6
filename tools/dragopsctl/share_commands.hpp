#pragma once
// `kubectl dragops share` and `unshare` (docs/sharing.md): a Connection or dragops Secret is
// used by a pod only if the pod's ServiceAccount may `use` it (RBAC's custom-verb pattern). These
// write, or remove, exactly the RBAC that grants it:
//   Role        dragops-use-<kind>-<name>          verbs [use] on <kind>.dragops.io, resourceNames [<name>]
//   RoleBinding dragops-use-<kind>-<name>-<sa>     that Role to ServiceAccount <sa>
// both in the object's namespace, labelled app.kubernetes.io/managed-by: kubectl-dragops.

#include "commands.hpp"

#include "common/use_grant.hpp"

#include <boost/json/array.hpp>

#include <string>

namespace dragops::dragopsctl {

using use_grant::ShareGrant;
using use_grant::use_binding_name;
using use_grant::use_role_name;
// The Role and the RoleBinding, in that order (common/use_grant.hpp).
boost::json::array share_manifests(const ShareGrant& grant);

int kubectl_share(const Args& args, bool share);

}  // namespace dragops::dragopsctl
