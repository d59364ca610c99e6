#include "inject/sidecar_rbac.hpp"

#include "oauth/lease_lock.hpp"

namespace dragops::inject {

namespace json = boost::json;

namespace {

constexpr std::string_view kConnectionStorePrefix = "dragops-conn-";

json::object labels() {
  return {{"app.kubernetes.io/managed-by", "dragops-operator"}, {"app.kubernetes.io/component", kSidecarAccessComponent}};
}

}  // namespace

std::string sidecar_role_name(std::string_view service_account) { return std::string(kSidecarRolePrefix) + std::string(service_account); }

json::object build_sidecar_role(std::string_view namespace_, std::string_view service_account, const std::set<std::string>& names) {
  json::array resource_names;
  json::array connection_stores;
  json::array refresh_leases;
  for (const auto& name : names) {
    resource_names.emplace_back(name);
    if (name.starts_with(kConnectionStorePrefix)) {
      connection_stores.emplace_back(name);
      refresh_leases.emplace_back(oauth::refresh_lease_name(std::string_view(name).substr(kConnectionStorePrefix.size())));
    }
  }
  // Reading: exactly the allowed stores. OAuth refresh (sidecar/refresher): write the new sealed
  // token set back to a connection's store, under that connection's Lease. RBAC cannot limit
  // `create` by name, so creating a Lease is granted without names; everything else is named.
  json::array rules{{{"apiGroups", json::array{""}},
                     {"resources", json::array{"secrets"}},
                     {"verbs", json::array{"get", "list", "watch"}},
                     {"resourceNames", std::move(resource_names)}}};
  if (!connection_stores.empty()) {
    rules.push_back(json::object{{"apiGroups", json::array{""}},
                                 {"resources", json::array{"secrets"}},
                                 {"verbs", json::array{"update", "patch"}},
                                 {"resourceNames", std::move(connection_stores)}});
    rules.push_back(json::object{{"apiGroups", json::array{"coordination.k8s.io"}},
                                 {"resources", json::array{"leases"}},
                                 {"verbs", json::array{"get", "update"}},
                                 {"resourceNames", std::move(refresh_leases)}});
    rules.push_back(json::object{{"apiGroups", json::array{"coordination.k8s.io"}},
                                 {"resources", json::array{"leases"}},
                                 {"verbs", json::array{"create"}}});
  }
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "Role"},
          {"metadata", {{"name", sidecar_role_name(service_account)}, {"namespace", namespace_}, {"labels", labels()}}},
          {"rules", std::move(rules)}};
}

json::object build_sidecar_role_binding(std::string_view namespace_, std::string_view service_account) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "RoleBinding"},
          {"metadata", {{"name", sidecar_role_name(service_account)}, {"namespace", namespace_}, {"labels", labels()}}},
          {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", sidecar_role_name(service_account)}}},
          {"subjects", json::array{{{"kind", "ServiceAccount"}, {"name", service_account}, {"namespace", namespace_}}}}};
}

std::set<std::string> granted_names(const json::object& role) {
  std::set<std::string> names;
  auto rules = role.find("rules");
  if (rules == role.end() || !rules->value().is_array()) return names;
  for (const auto& rule : rules->value().get_array()) {
    const auto* r = rule.if_object();
    if (!r || !r->contains("resourceNames") || !r->at("resourceNames").is_array()) continue;
    // The read rule on secrets names every store; the refresh rules only repeat some of them.
    if (r->at("resources") != json::array{"secrets"} || !r->contains("verbs") ||
        r->at("verbs") != json::array{"get", "list", "watch"}) {
      continue;
    }
    for (const auto& name : r->at("resourceNames").get_array()) {
      if (name.is_string()) names.emplace(name.get_string());
    }
  }
  return names;
}

}  // namespace dragops::inject
