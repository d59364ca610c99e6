#include "inject/sidecar_rbac.hpp"


namespace dragops::inject {

namespace json = boost::json;

namespace {

json::object labels() {
  return {{"app.kubernetes.io/managed-by", "dragops-operator"}, {"app.kubernetes.io/component", kSidecarAccessComponent}};
}

}  // namespace

std::string sidecar_role_name(std::string_view service_account) { return std::string(kSidecarRolePrefix) + std::string(service_account); }

json::object build_sidecar_role(std::string_view namespace_, std::string_view service_account, const std::set<std::string>& names) {
  json::array resource_names;
  for (const auto& name : names) resource_names.emplace_back(name);
  // Reading exactly the allowed stores, and nothing else: the app container holds this
  // ServiceAccount's token, so no write to a store and no Lease right (docs/security.md,
  // finding 2); the operator alone refreshes OAuth tokens.
  json::array rules{{{"apiGroups", json::array{""}},
                     {"resources", json::array{"secrets"}},
                     {"verbs", json::array{"get", "list", "watch"}},
                     {"resourceNames", std::move(resource_names)}}};
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
    // The read rule on secrets names every store (a Role an older operator wrote also had
    // refresh rules that repeat some of them).
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
