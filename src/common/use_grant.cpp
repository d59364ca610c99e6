#include "common/use_grant.hpp"

namespace dragops::use_grant {

namespace json = boost::json;

namespace {

json::object labels(std::string_view manager) { return {{"app.kubernetes.io/managed-by", manager}}; }

bool lists(const json::object& rule, std::string_view key, std::string_view want, bool empty_means_all) {
  const auto* list = rule.if_contains(key);
  if (!list || !list->is_array() || list->as_array().empty()) return empty_means_all;
  for (const auto& item : list->as_array())
    if (item.is_string() && (item.as_string() == want || item.as_string() == "*")) return true;
  return false;
}

}  // namespace

std::string use_role_name(const ShareGrant& grant) { return "dragops-use-" + grant.kind + "-" + grant.name; }

std::string use_binding_name(const ShareGrant& grant) { return use_role_name(grant) + "-" + grant.service_account; }

json::object use_role(const ShareGrant& grant, std::string_view manager) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "Role"},
          {"metadata", {{"name", use_role_name(grant)}, {"namespace", grant.namespace_}, {"labels", labels(manager)}}},
          {"rules", json::array{{{"apiGroups", json::array{"dragops.io"}},
                                 {"resources", json::array{json::string(grant.kind + "s")}},
                                 {"verbs", json::array{"use"}},
                                 {"resourceNames", json::array{json::string(grant.name)}}}}}};
}

json::object use_role_binding(const ShareGrant& grant, std::string_view manager) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "RoleBinding"},
          {"metadata", {{"name", use_binding_name(grant)}, {"namespace", grant.namespace_}, {"labels", labels(manager)}}},
          {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", use_role_name(grant)}}},
          {"subjects",
           json::array{{{"kind", "ServiceAccount"}, {"name", grant.service_account}, {"namespace", grant.namespace_}}}}};
}

bool rule_grants_use(const json::value& rule, std::string_view resource, std::string_view name) {
  if (!rule.is_object()) return false;
  const auto& r = rule.as_object();
  return lists(r, "verbs", "use", false) && lists(r, "apiGroups", "dragops.io", false) &&
         lists(r, "resources", resource, false) && lists(r, "resourceNames", name, true);
}

}  // namespace dragops::use_grant
