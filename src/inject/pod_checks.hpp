#pragma once
// What the webhook refuses in a pod that asks for injection, beyond its annotations: things that
// would hand the sidecar's key volume to another container, or make its loopback API the node's.
// Pure functions over the pod spec as the API server sends it; each message names the problem.

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace dragops::inject {

// The spec of a pod the webhook is about to inject (sidecar_injected = false) or that it injected
// before (sidecar_injected = true: the one init container named dragops-sidecar is ours and may
// mount the key volume). Refused: hostNetwork: true; any other container (containers,
// initContainers, ephemeralContainers) that mounts the key volume by name.
std::optional<std::string> refuse_pod(const boost::json::object& spec, bool sidecar_injected);

// How many init containers of the spec are named dragops-sidecar.
std::size_t count_sidecar_init_containers(const boost::json::object& spec);

}  // namespace dragops::inject
