#pragma once
// Least-privilege reads for sidecars: per ServiceAccount SA in namespace NS, a Role and a
// RoleBinding `dragops-sidecar-<SA>` granting get/list/watch on exactly the store Secrets the
// running injected pods of that SA read (resourceNames). The objects only: the operator writes
// them (operator/sidecar_access), from the pods that exist (inject/injected_pod.hpp), never the
// admission webhook.

#include <boost/json/object.hpp>

#include <set>
#include <string>
#include <string_view>

namespace dragops::inject {

inline constexpr std::string_view kSidecarRolePrefix = "dragops-sidecar-";
// Label app.kubernetes.io/component on the Roles and RoleBindings (which the operator lists to
// remove those no pod needs any more).
inline constexpr std::string_view kSidecarAccessComponent = "sidecar-access";

std::string sidecar_role_name(std::string_view service_account);

// Pure: the Role granting names (sorted, unique).
boost::json::object build_sidecar_role(std::string_view namespace_, std::string_view service_account,
                                       const std::set<std::string>& names);
boost::json::object build_sidecar_role_binding(std::string_view namespace_, std::string_view service_account);
// The resourceNames a Role grants today.
std::set<std::string> granted_names(const boost::json::object& role);

}  // namespace dragops::inject
