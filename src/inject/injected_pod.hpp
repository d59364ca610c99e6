#pragma once
// What the sidecar of an injected pod reads, read back from the pod the API server stored: the
// input from which the operator reconciles each ServiceAccount's Role (operator/sidecar_access).
// Admission has no side effects; the webhook only labels what it injects (kInjectedLabel), and
// the operator watches Pods by that label. Pure functions.

#include "kube/cache.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::inject {

// Set by the webhook on every pod it injects, next to the dragops.io/injected annotation; the
// operator's Pod informer selects on it (dragops.io/injected=true).
inline constexpr std::string_view kInjectedLabel = "dragops.io/injected";

struct InjectedPod {
  std::string service_account;          // spec.serviceAccountName, "default" when unset
  std::set<std::string> store_names;    // dragops-conn-<name>, dragops-secret-<name>
};

// spec.serviceAccountName, or "default" when unset (as the API server's ServiceAccount admission sets it).
std::string service_account_of(const boost::json::object& pod);

// The pod's ServiceAccount and the store objects its sidecar reads, or nullopt when the pod
// holds no running sidecar of ours: without the dragops.io/injected label and annotation, with
// not exactly one dragops-sidecar init container, with annotations the webhook would deny, or
// finished (status.phase Succeeded or Failed: its containers no longer run). A pod that is
// being deleted still counts: its sidecar serves until the kubelet stops it.
std::optional<InjectedPod> read_injected_pod(const boost::json::object& pod);

// The names the Role dragops-sidecar-<service_account> grants: the union of what the pods of
// that ServiceAccount (any pods of the namespace; others are ignored) may read. The one place
// that decides it, so that a later rule (a `use` permission, issue 18) filters here.
std::set<std::string> sidecar_store_names(std::string_view service_account, const std::vector<kube::ObjectPtr>& pods);

}  // namespace dragops::inject
