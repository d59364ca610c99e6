#include "inject/pod_checks.hpp"

#include "inject/json_fields.hpp"
#include "inject/patch.hpp"

#include <boost/json/value.hpp>

namespace dragops::inject {

namespace json = boost::json;

using json_fields::array_at;
using json_fields::string_at;

namespace {

bool mounts_key_volume(const json::object& container) {
  const json::array* mounts = array_at(container, "volumeMounts");
  if (!mounts) return false;
  for (const auto& mount : *mounts) {
    if (mount.is_object() && string_at(mount.get_object(), "name") == kKeysVolume) return true;
  }
  return false;
}

}  // namespace

std::size_t count_sidecar_init_containers(const json::object& spec) {
  std::size_t count = 0;
  if (const json::array* init = array_at(spec, "initContainers")) {
    for (const auto& c : *init) {
      if (c.is_object() && string_at(c.get_object(), "name") == kSidecarName) ++count;
    }
  }
  return count;
}

std::optional<std::string> refuse_pod(const json::object& spec, bool sidecar_injected) {
  if (auto it = spec.find("hostNetwork"); it != spec.end() && it->value() == json::value(true)) {
    return "hostNetwork: true is not allowed with dragops.io/inject: \"true\": the sidecar's loopback API "
           "(127.0.0.1:8900) would be the node's, reachable by every host-network process on it";
  }
  struct List {
    std::string_view field, kind;
  };
  for (List list : {List{"containers", "container"}, List{"initContainers", "init container"},
                    List{"ephemeralContainers", "ephemeral container"}}) {
    const json::array* containers = array_at(spec, list.field);
    if (!containers) continue;
    for (const auto& c : *containers) {
      if (!c.is_object() || !mounts_key_volume(c.get_object())) continue;
      std::string_view name = string_at(c.get_object(), "name");
      // The sidecar an earlier admission injected is the one container allowed the keys.
      if (sidecar_injected && list.field == "initContainers" && name == kSidecarName) continue;
      return std::string(list.kind) + " \"" + std::string(name) + "\" mounts the volume " + std::string(kKeysVolume) +
             "; that volume holds the namespace's data keys and is mounted into the dragops-sidecar only";
    }
  }
  return std::nullopt;
}

}  // namespace dragops::inject
