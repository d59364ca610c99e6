#pragma once
// The Role and RoleBinding dragops-sidecar-<SA> of one ServiceAccount, written by the leading
// operator to match the injected pods that exist (inject/injected_pod.hpp): created or widened
// when a pod needs a name, narrowed when no pod needs it any more, deleted with the last pod.
// The admission webhook writes none of this (docs/security.md, finding 1).

#include "kube/api.hpp"

#include <boost/system/result.hpp>

#include <set>
#include <string>
#include <vector>

namespace dragops::op::sidecar_access {

class RoleWriter {
 public:
  explicit RoleWriter(kube::Api& api) : api_(api) {}

  // Makes the Role grant exactly `names` (inject::build_sidecar_role) and binds it to the
  // ServiceAccount; with no names, deletes both. Writes only what differs. A Role or RoleBinding
  // of that name without our component label is someone else's: left alone, and an error.
  boost::system::result<void, std::string> reconcile(const std::string& ns, const std::string& service_account,
                                                     const std::set<std::string>& names);

  // The ServiceAccounts that have a sidecar Role in ns ("" : every namespace) as (namespace,
  // ServiceAccount): after a restart, their Roles are checked against the pods that remain.
  boost::system::result<std::vector<std::pair<std::string, std::string>>, std::string> list_granted(const std::string& ns);

 private:
  boost::system::result<void, std::string> write_role(const std::string& ns, const std::string& service_account,
                                                      const std::set<std::string>& names);
  boost::system::result<void, std::string> write_binding(const std::string& ns, const std::string& service_account);
  boost::system::result<void, std::string> remove(const kube::Gvr& gvr, const std::string& ns, const std::string& name);

  kube::Api& api_;
};

}  // namespace dragops::op::sidecar_access
