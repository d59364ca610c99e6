#pragma once
// The `use` permission (docs/sharing.md): a pod's sidecar may read a Connection or dragops Secret
// only if the pod's ServiceAccount may `use` it, a custom RBAC verb on connections.dragops.io /
// secrets.dragops.io with the object's name, asked of the API server with a SubjectAccessReview
// (a read: admission stays free of side effects). Checked by the webhook when a pod is created,
// and by the operator each time it reconciles a ServiceAccount's sidecar Role, so that a grant
// withdrawn narrows the Role.

#include "inject/annotations.hpp"
#include "kube/api.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace dragops::inject {

// Who may use what: every ServiceAccount needs its own grant (the default), or every
// ServiceAccount of a namespace may use every name in it (the behaviour before issue 18, for
// clusters that choose it: operator flag --use-scope=namespace, chart value
// sharing.namespaceWide).
enum class UseScope { service_account, namespace_ };
std::optional<UseScope> parse_use_scope(std::string_view text);

inline constexpr std::string_view kUseVerb = "use";
inline constexpr std::string_view kUseGroup = "dragops.io";

// One object a pod asks for: resource "connections" or "secrets", the name in the annotation.
struct UsedObject {
  std::string resource;
  std::string name;
  bool operator<(const UsedObject& other) const { return std::tie(resource, name) < std::tie(other.resource, other.name); }
};
std::vector<UsedObject> used_objects(const InjectRequest& request);
// The store object a sidecar reads for it (dragops-conn-<name>, dragops-secret-<name>), and back.
std::string store_name_of(const UsedObject& object);
std::optional<UsedObject> used_object_of_store(std::string_view store_name);

// The SubjectAccessReview for "may system:serviceaccount:<ns>:<sa> use <resource>/<name> in ns",
// with the groups the API server gives a ServiceAccount token (so that grants to
// system:serviceaccounts:<ns> count).
boost::json::object use_access_review(std::string_view ns, std::string_view service_account, const UsedObject& object);

// The authorizer's answer, or an error saying why there is none (never a credential).
using UseCheck = std::function<boost::system::result<bool, std::string>(std::string_view ns, std::string_view service_account,
                                                                        const UsedObject& object)>;
// A UseCheck that POSTs use_access_review to the API server with `api`'s credentials.
UseCheck api_use_check(kube::Api& api);

// Checks every object of a pod in order; a check after the first starts only before `deadline`.
// nullopt: all allowed; otherwise the reason to deny the pod, which names the objects not allowed
// and the verb and resource to grant, or says the check could not be made (unreachable API
// server, no time left).
std::optional<std::string> refuse_unusable(std::string_view ns, std::string_view service_account,
                                           const std::vector<UsedObject>& objects, const UseCheck& check,
                                           std::chrono::steady_clock::time_point deadline,
                                           const std::function<std::chrono::steady_clock::time_point()>& now =
                                               [] { return std::chrono::steady_clock::now(); });

// The store names of a sidecar Role (inject::sidecar_store_names) that the ServiceAccount may
// still use; names that are not a Connection's or Secret's store pass. Error: a check had no
// answer (the caller keeps the Role as it is and retries).
boost::system::result<std::set<std::string>, std::string> usable_store_names(std::string_view ns,
                                                                              std::string_view service_account,
                                                                              const std::set<std::string>& store_names,
                                                                              const UseCheck& check);

// How long after a review arrives the webhook may still start a check: kube-apiserver sends its
// webhook timeout as the query parameter `timeout` ("10s"; 10 s when absent, the chart's
// default); less a second for the answer's way back, less the longest one check may take (its
// client's timeout), so that the answer is back within the timeout (for timeouts of at least
// longest_check + 1 s; below that the first check still runs, and the API server's own timeout
// denies the pod if it takes too long).
std::chrono::milliseconds check_budget(std::string_view target, std::chrono::milliseconds longest_check);

}  // namespace dragops::inject
