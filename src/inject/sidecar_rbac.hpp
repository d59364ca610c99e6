#pragma once
// Least-privilege reads for sidecars: per ServiceAccount SA in namespace NS, a Role and a
// RoleBinding `dragops-sidecar-<SA>` granting get/list/watch on exactly the store Secrets the
// pods of that SA were admitted to read (resourceNames). Names are only ever added: other pods
// of the same ServiceAccount may still need the ones already there.

#include "kube/api.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace dragops::inject {

std::string sidecar_role_name(std::string_view service_account);

// Pure: the Role granting names (sorted, unique).
boost::json::object build_sidecar_role(std::string_view namespace_, std::string_view service_account,
                                       const std::set<std::string>& names);
boost::json::object build_sidecar_role_binding(std::string_view namespace_, std::string_view service_account);
// The resourceNames a Role grants today.
std::set<std::string> granted_names(const boost::json::object& role);

class SidecarAccess {
 public:
  explicit SidecarAccess(kube::Api& api) : api_(api) {}

  // Makes sure the SA can read store_names (creates or widens the Role, creates the binding).
  // Remembers what it has ensured, so repeated admissions of the same pods cost no API call.
  boost::system::result<void, std::string> ensure(const std::string& namespace_, const std::string& service_account,
                                                  const std::vector<std::string>& store_names);

 private:
  kube::Api& api_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> known_;
};

}  // namespace dragops::inject
