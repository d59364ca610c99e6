#include "inject/sidecar_rbac.hpp"

#include "common/log.hpp"

#include <boost/json/string_view.hpp>

namespace dragops::inject {

namespace json = boost::json;

namespace {

kube::Gvr roles() { return {"rbac.authorization.k8s.io", "v1", "roles"}; }
kube::Gvr role_bindings() { return {"rbac.authorization.k8s.io", "v1", "rolebindings"}; }

json::object labels() {
  return {{"app.kubernetes.io/managed-by", "dragops-operator"}, {"app.kubernetes.io/component", "sidecar-access"}};
}

boost::system::result<void, std::string> fail(std::string message) {
  return boost::system::result<void, std::string>(boost::system::in_place_error, std::move(message));
}

}  // namespace

std::string sidecar_role_name(std::string_view service_account) { return "dragops-sidecar-" + std::string(service_account); }

json::object build_sidecar_role(std::string_view namespace_, std::string_view service_account, const std::set<std::string>& names) {
  json::array resource_names;
  for (const auto& name : names) resource_names.emplace_back(name);
  // Read-only, exactly the allowed stores (docs/security.md, finding 2): the app container holds
  // this ServiceAccount's token, so anything more (update, patch, delete, Leases) would let it
  // change what a sidecar serves, roll a store back or stall a refresh. The operator alone
  // refreshes and writes OAuth tokens.
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

boost::system::result<void, std::string> SidecarAccess::ensure(const std::string& namespace_, const std::string& service_account,
                                                               const std::vector<std::string>& store_names) {
  const auto key = std::make_pair(namespace_, service_account);
  {
    std::lock_guard lock(mutex_);
    auto it = known_.find(key);
    if (it != known_.end() && std::all_of(store_names.begin(), store_names.end(), [&](const auto& n) { return it->second.count(n); })) {
      return {};
    }
  }
  const std::string name = sidecar_role_name(service_account);
  std::set<std::string> granted;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto role = api_.get(roles(), namespace_, name);
    if (!role && !role.error().not_found()) return fail("cannot read Role " + name + ": " + role.error().message);
    std::set<std::string> wanted = role ? granted_names(*role) : std::set<std::string>{};
    const std::size_t before = wanted.size();
    wanted.insert(store_names.begin(), store_names.end());
    if (!role) {
      auto created = api_.create(roles(), namespace_, build_sidecar_role(namespace_, service_account, wanted));
      if (!created && created.error().already_exists()) continue;
      if (!created) return fail("cannot create Role " + name + ": " + created.error().message);
    } else if (auto updated = build_sidecar_role(namespace_, service_account, wanted);
               wanted.size() != before || role->if_contains("rules") == nullptr || role->at("rules") != updated.at("rules")) {
      // Widened, or written by an older operator with write rules (update/patch, Leases): rewritten.
      updated["metadata"].as_object()["resourceVersion"] = role->at("metadata").at("resourceVersion");
      auto written = api_.update(roles(), namespace_, updated);
      if (!written && written.error().conflict()) continue;
      if (!written) return fail("cannot update Role " + name + ": " + written.error().message);
    }
    granted = std::move(wanted);
    break;
  }
  if (granted.empty()) return fail("Role " + name + " keeps changing under us");
  auto binding = api_.get(role_bindings(), namespace_, name);
  if (!binding && binding.error().not_found()) {
    auto created = api_.create(role_bindings(), namespace_, build_sidecar_role_binding(namespace_, service_account));
    if (!created && !created.error().already_exists()) return fail("cannot create RoleBinding " + name + ": " + created.error().message);
  } else if (!binding) {
    return fail("cannot read RoleBinding " + name + ": " + binding.error().message);
  }
  std::lock_guard lock(mutex_);
  known_[key] = std::move(granted);
  log::debug("sidecar access ensured", {{"namespace", json::string_view(namespace_)}, {"service_account", json::string_view(service_account)}});
  return {};
}

}  // namespace dragops::inject
