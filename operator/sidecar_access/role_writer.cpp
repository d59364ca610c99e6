#include "operator/sidecar_access/role_writer.hpp"

#include "inject/sidecar_rbac.hpp"
#include "kube/cache.hpp"
#include "store/json_access.hpp"

namespace dragops::op::sidecar_access {

namespace json = boost::json;
using namespace store::json_access;

namespace {

using Done = boost::system::result<void, std::string>;
Done fail(std::string message) { return Done(boost::system::in_place_error, std::move(message)); }

kube::Gvr roles() { return {"rbac.authorization.k8s.io", "v1", "roles"}; }
kube::Gvr role_bindings() { return {"rbac.authorization.k8s.io", "v1", "rolebindings"}; }

constexpr std::string_view kComponentLabel = "app.kubernetes.io/component";
constexpr int kAttempts = 3;   // conflicts with another writer; then the work queue backs off

bool ours(const json::object& object) { return label(object, kComponentLabel) == inject::kSidecarAccessComponent; }

std::string what(const kube::Gvr& gvr, std::string_view ns, std::string_view name) {
  return (gvr.resource == "roles" ? "Role " : "RoleBinding ") + std::string(ns) + "/" + std::string(name);
}

// `desired` with the stored object's resourceVersion, for an update that fails on a conflict.
json::object at_version(json::object desired, const json::object& stored) {
  desired["metadata"].as_object()["resourceVersion"] = stored.at("metadata").at("resourceVersion");
  return desired;
}

}  // namespace

Done RoleWriter::reconcile(const std::string& ns, const std::string& service_account, const std::set<std::string>& names) {
  const std::string name = inject::sidecar_role_name(service_account);
  if (names.empty()) {
    // The binding first: a Role without a binding grants nothing.
    if (auto removed = remove(role_bindings(), ns, name); !removed) return removed;
    return remove(roles(), ns, name);
  }
  if (auto written = write_role(ns, service_account, names); !written) return written;
  return write_binding(ns, service_account);
}

Done RoleWriter::write_role(const std::string& ns, const std::string& service_account, const std::set<std::string>& names) {
  const std::string name = inject::sidecar_role_name(service_account);
  const json::object desired = inject::build_sidecar_role(ns, service_account, names);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto stored = api_.get(roles(), ns, name);
    if (!stored && !stored.error().not_found()) return fail("cannot read " + what(roles(), ns, name) + ": " + stored.error().message);
    if (!stored) {
      auto created = api_.create(roles(), ns, desired);
      if (created) return {};
      if (created.error().already_exists()) continue;
      return fail("cannot create " + what(roles(), ns, name) + ": " + created.error().message);
    }
    if (!ours(*stored)) return fail(what(roles(), ns, name) + " exists without the label " + std::string(kComponentLabel) + "=" +
                                    std::string(inject::kSidecarAccessComponent) + "; not overwritten");
    if (stored->if_contains("rules") && stored->at("rules") == desired.at("rules")) return {};
    auto updated = api_.update(roles(), ns, at_version(desired, *stored));
    if (updated) return {};
    if (updated.error().conflict() || updated.error().not_found()) continue;
    return fail("cannot update " + what(roles(), ns, name) + ": " + updated.error().message);
  }
  return fail(what(roles(), ns, name) + " keeps changing; retrying later");
}

Done RoleWriter::write_binding(const std::string& ns, const std::string& service_account) {
  const std::string name = inject::sidecar_role_name(service_account);
  const json::object desired = inject::build_sidecar_role_binding(ns, service_account);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto stored = api_.get(role_bindings(), ns, name);
    if (!stored && !stored.error().not_found()) {
      return fail("cannot read " + what(role_bindings(), ns, name) + ": " + stored.error().message);
    }
    if (!stored) {
      auto created = api_.create(role_bindings(), ns, desired);
      if (created) return {};
      if (created.error().already_exists()) continue;
      return fail("cannot create " + what(role_bindings(), ns, name) + ": " + created.error().message);
    }
    if (!ours(*stored)) {
      return fail(what(role_bindings(), ns, name) + " exists without the label " + std::string(kComponentLabel) + "=" +
                  std::string(inject::kSidecarAccessComponent) + "; not overwritten");
    }
    const bool same_role = stored->if_contains("roleRef") && stored->at("roleRef") == desired.at("roleRef");
    const bool same_subjects = stored->if_contains("subjects") && stored->at("subjects") == desired.at("subjects");
    if (same_role && same_subjects) return {};
    if (!same_role) {   // roleRef is immutable: replace the binding
      if (auto removed = remove(role_bindings(), ns, name); !removed) return removed;
      continue;
    }
    auto updated = api_.update(role_bindings(), ns, at_version(desired, *stored));
    if (updated) return {};
    if (updated.error().conflict() || updated.error().not_found()) continue;
    return fail("cannot update " + what(role_bindings(), ns, name) + ": " + updated.error().message);
  }
  return fail(what(role_bindings(), ns, name) + " keeps changing; retrying later");
}

Done RoleWriter::remove(const kube::Gvr& gvr, const std::string& ns, const std::string& name) {
  auto stored = api_.get(gvr, ns, name);
  if (!stored && stored.error().not_found()) return {};
  if (!stored) return fail("cannot read " + what(gvr, ns, name) + ": " + stored.error().message);
  if (!ours(*stored)) return {};   // not ours to delete
  kube::DeleteOptions options;
  options.precondition_resource_version = kube::resource_version_of(*stored);
  auto removed = api_.remove(gvr, ns, name, options);
  if (removed || removed.error().not_found()) return {};
  return fail("cannot delete " + what(gvr, ns, name) + ": " + removed.error().message);
}

boost::system::result<std::vector<std::pair<std::string, std::string>>, std::string> RoleWriter::list_granted(
    const std::string& ns) {
  using Listed = boost::system::result<std::vector<std::pair<std::string, std::string>>, std::string>;
  std::vector<std::pair<std::string, std::string>> granted;
  kube::ListOptions options;
  options.label_selector = std::string(kComponentLabel) + "=" + std::string(inject::kSidecarAccessComponent);
  options.limit = 500;
  do {
    auto page = api_.list(roles(), ns, options);
    if (!page) return Listed(boost::system::in_place_error, "cannot list the sidecar Roles: " + page.error().message);
    if (const auto* items = page->if_contains("items"); items && items->is_array()) {
      for (const auto& item : items->get_array()) {
        if (!item.is_object()) continue;
        const std::string role = kube::name_of(item.get_object());
        if (!role.starts_with(inject::kSidecarRolePrefix)) continue;
        granted.emplace_back(kube::namespace_of(item.get_object()), role.substr(inject::kSidecarRolePrefix.size()));
      }
    }
    const auto* metadata = object_at(*page, "metadata");
    options.continue_token = metadata ? std::string(string_at(*metadata, "continue")) : "";
  } while (!options.continue_token.empty());
  return granted;
}

}  // namespace dragops::op::sidecar_access
