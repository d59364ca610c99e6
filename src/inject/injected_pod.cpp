#include "inject/injected_pod.hpp"

#include "inject/annotations.hpp"
#include "inject/json_fields.hpp"
#include "inject/pod_checks.hpp"

namespace dragops::inject {

namespace json = boost::json;

using json_fields::object_at;
using json_fields::string_at;

std::string service_account_of(const json::object& pod) {
  const std::string_view name = string_at(object_at(pod, "spec"), "serviceAccountName");
  return name.empty() ? "default" : std::string(name);
}

std::optional<InjectedPod> read_injected_pod(const json::object& pod) {
  const json::object& metadata = object_at(pod, "metadata");
  if (string_at(object_at(metadata, "labels"), kInjectedLabel) != "true") return std::nullopt;
  auto request = read_annotations(metadata);
  if (!request || !request->inject || !request->injected) return std::nullopt;
  const json::object& spec = object_at(pod, "spec");
  if (count_sidecar_init_containers(spec) != 1) return std::nullopt;
  const std::string_view phase = string_at(object_at(pod, "status"), "phase");
  if (phase == "Succeeded" || phase == "Failed") return std::nullopt;

  InjectedPod injected;
  injected.service_account = service_account_of(pod);
  for (const auto& c : request->connections) injected.store_names.insert("dragops-conn-" + c);
  for (const auto& s : request->secrets) injected.store_names.insert("dragops-secret-" + s);
  return injected;
}

std::set<std::string> sidecar_store_names(std::string_view service_account, const std::vector<kube::ObjectPtr>& pods) {
  std::set<std::string> names;
  for (const auto& pod : pods) {
    if (!pod) continue;
    auto injected = read_injected_pod(*pod);
    if (!injected || injected->service_account != service_account) continue;
    names.merge(injected->store_names);
  }
  return names;
}

}  // namespace dragops::inject
