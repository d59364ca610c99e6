#pragma once
// The Pods the webhook injected, as the operator sees them: an informer on one watched namespace
// ("" : every namespace) selecting dragops.io/injected=true, indexed by ServiceAccount. Its
// handlers report "namespace/serviceAccount" whenever what that ServiceAccount's sidecar Role
// must grant may have changed (a pod added, deleted, finished or relabelled); status updates
// that change nothing the Role depends on are not reported.

#include "kube/api.hpp"
#include "kube/informer.hpp"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace dragops::op::sidecar_access {

// Pods in these namespaces are ignored: the operator's own and kube-system never get a sidecar
// Role, whatever a pod there is labelled.
std::set<std::string> excluded_namespaces(const std::string& operator_namespace);

std::unique_ptr<kube::Informer> make_injected_pod_informer(kube::Api& api, const std::string& ns,
                                                           std::set<std::string> excluded,
                                                           std::function<void(const std::string& key)> enqueue);

// The cached pods of that ServiceAccount (the input of inject::sidecar_store_names).
std::vector<kube::ObjectPtr> pods_of(const kube::Informer& informer, std::string_view ns, std::string_view service_account);

// "namespace/serviceAccount" -> both halves (ServiceAccount names hold no '/').
std::pair<std::string, std::string> split_key(std::string_view key);

}  // namespace dragops::op::sidecar_access
