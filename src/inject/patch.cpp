#include "inject/patch.hpp"

#include "inject/injected_pod.hpp"
#include "inject/json_fields.hpp"
#include "inject/pod_checks.hpp"

#include <boost/json/value.hpp>

namespace dragops::inject {

namespace json = boost::json;

using json_fields::array_at;
using json_fields::object_at;
using json_fields::string_at;

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

json::object env_value(std::string_view name, std::string_view value) { return {{"name", name}, {"value", value}}; }

json::object env_field(std::string_view name, std::string_view path) {
  return {{"name", name}, {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", path}}}}}};
}

json::object probe(std::string_view path, int port, int period, int failures) {
  return {{"httpGet", {{"path", path}, {"port", port}}}, {"periodSeconds", period}, {"failureThreshold", failures},
          {"timeoutSeconds", 1}};
}

json::object sidecar_container(const InjectRequest& request, const InjectOptions& options) {
  json::array env{env_field("DRAGOPS_POD_NAMESPACE", "metadata.namespace"), env_field("DRAGOPS_POD_NAME", "metadata.name")};
  if (!request.connections.empty()) env.push_back(env_value("DRAGOPS_CONNECTIONS", join(request.connections)));
  if (!request.secrets.empty()) env.push_back(env_value("DRAGOPS_SECRETS", join(request.secrets)));
  if (!request.environment.empty()) env.push_back(env_value("DRAGOPS_ENVIRONMENT", request.environment));
  env.push_back(env_value("DRAGOPS_KEY_DIR", kKeyDir));
  env.push_back(env_value("DRAGOPS_TOKEN_FILE", kTokenFile));
  const std::string api = std::to_string(options.api_port);
  env.push_back(env_value("DRAGOPS_LISTEN", "127.0.0.1:" + api + ",[::1]:" + api));
  env.push_back(env_value("DRAGOPS_HEALTH_LISTEN", "0.0.0.0:" + std::to_string(options.health_port)));
  env.push_back(env_value("DRAGOPS_STALE_AFTER", options.stale_after));

  return {
      {"name", kSidecarName},
      {"image", options.sidecar_image},
      {"imagePullPolicy", options.image_pull_policy},
      // Native sidecar: started before the next init container, kept running for the pod's life.
      {"restartPolicy", "Always"},
      {"env", std::move(env)},
      {"ports", json::array{{{"name", "dragops-health"}, {"containerPort", options.health_port}, {"protocol", "TCP"}}}},
      {"resources",
       {{"requests", {{"cpu", options.cpu_request}, {"memory", options.memory_request}}},
        {"limits", {{"memory", options.memory_limit}}}}},
      // Startup gates the app containers until every allowed item is synced (or known absent).
      {"startupProbe", probe("/readyz", options.health_port, 1, 120)},
      {"readinessProbe", probe("/readyz", options.health_port, 5, 3)},
      {"livenessProbe", probe("/healthz", options.health_port, 10, 3)},
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", 65532},
        {"runAsGroup", 65532},
        {"readOnlyRootFilesystem", true},
        {"allowPrivilegeEscalation", false},
        {"privileged", false},
        {"capabilities", {{"drop", json::array{"ALL"}}}},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"volumeMounts",
       json::array{{{"name", kKeysVolume}, {"mountPath", kKeyDir}, {"readOnly", true}},
                   {{"name", kTokenVolume}, {"mountPath", kTokenDir}}}},
  };
}

json::object op_add(std::string path, json::value value) {
  return {{"op", "add"}, {"path", std::move(path)}, {"value", std::move(value)}};
}

// Adds env and the read-only token mount to one app container; "" or a deny message.
std::string patch_app_container(const json::object& container, const std::string& base, json::array& patch) {
  std::string_view name = string_at(container, "name");
  if (const json::array* env = array_at(container, "env")) {
    for (const auto& entry : *env) {
      if (!entry.is_object()) continue;
      std::string_view var = string_at(entry.get_object(), "name");
      if (var == "DRAGOPS_URL" || var == "DRAGOPS_TOKEN_FILE") {
        return "container \"" + std::string(name) + "\" already sets " + std::string(var) +
               "; remove it, the webhook sets it";
      }
    }
  }
  const json::array* mounts = array_at(container, "volumeMounts");
  if (mounts) {
    for (const auto& mount : *mounts) {
      if (!mount.is_object()) continue;
      if (string_at(mount.get_object(), "mountPath") == kTokenDir) {
        return "container \"" + std::string(name) + "\" already mounts something at " + std::string(kTokenDir);
      }
    }
  }
  json::object url = env_value("DRAGOPS_URL", "http://127.0.0.1:8900");
  json::object file = env_value("DRAGOPS_TOKEN_FILE", kTokenFile);
  if (array_at(container, "env")) {
    patch.push_back(op_add(base + "/env/-", std::move(url)));
    patch.push_back(op_add(base + "/env/-", std::move(file)));
  } else {
    patch.push_back(op_add(base + "/env", json::array{std::move(url), std::move(file)}));
  }
  json::object mount{{"name", kTokenVolume}, {"mountPath", kTokenDir}, {"readOnly", true}};
  if (mounts) patch.push_back(op_add(base + "/volumeMounts/-", std::move(mount)));
  else patch.push_back(op_add(base + "/volumeMounts", json::array{std::move(mount)}));
  return {};
}

}  // namespace

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out.push_back(c);
  }
  return out;
}

PatchDecision build_patch(const json::object& pod, const InjectOptions& options) {
  PatchDecision decision;
  auto deny = [&](std::string message) {
    decision.action = PatchDecision::Action::deny;
    decision.message = std::move(message);
    decision.patch.clear();
    return std::move(decision);
  };
  const json::object& metadata = object_at(pod, "metadata");
  auto request = read_annotations(metadata);
  if (!request) return deny(request.error());
  if (!request->inject) {
    decision.message = "no dragops.io/inject: \"true\" annotation";
    return decision;
  }
  const json::object& spec = object_at(pod, "spec");
  const json::array* init_containers = array_at(spec, "initContainers");
  // Idempotence: a pod this webhook injected carries the marker annotation and exactly one
  // dragops-sidecar init container. Either one without the other is not our doing, and a
  // dragops-sidecar the user wrote would be handed the key volume: refused.
  const std::size_t sidecars = count_sidecar_init_containers(spec);
  if (request->injected) {
    if (sidecars != 1) {
      return deny("the pod carries " + std::string(kInjectedAnnotation) + ": \"true\" but " +
                  (sidecars == 0 ? std::string("no init container named ") : std::string("more than one init container named ")) +
                  std::string(kSidecarName) + "; that annotation is set by the webhook only, remove it");
    }
    if (auto refusal = refuse_pod(spec, true)) return deny(std::move(*refusal));
    decision.message = "already injected";
    return decision;
  }
  if (sidecars != 0) {
    return deny("an init container is already named " + std::string(kSidecarName) + " but the pod has no " +
                std::string(kInjectedAnnotation) + ": \"true\" annotation; that name is reserved for the injected sidecar");
  }
  if (auto refusal = refuse_pod(spec, false)) return deny(std::move(*refusal));
  if (auto it = spec.find("automountServiceAccountToken"); it != spec.end() && it->value() == json::value(false)) {
    return deny("the sidecar reads its store objects with the pod's service account, so automountServiceAccountToken "
                "must not be false on a pod with dragops.io/inject: \"true\"");
  }
  const json::array* containers = array_at(spec, "containers");
  for (const json::array* list : {containers, array_at(spec, "ephemeralContainers")}) {
    if (!list) continue;
    for (const auto& c : *list) {
      if (c.is_object() && string_at(c.get_object(), "name") == kSidecarName) {
        return deny("a container is already named " + std::string(kSidecarName) + "; that name is reserved");
      }
    }
  }
  const json::array* volumes = array_at(spec, "volumes");
  if (volumes) {
    for (const auto& v : *volumes) {
      std::string_view name = v.is_object() ? string_at(v.get_object(), "name") : std::string_view();
      if (name == kKeysVolume || name == kTokenVolume) {
        return deny("the pod already has a volume named " + std::string(name) + "; that name is reserved for DRAGOPS");
      }
    }
  }

  json::array& patch = decision.patch;
  // App containers first, at their current indices: the sidecar is inserted into
  // initContainers last, so no index here shifts under a later operation.
  if (containers) {
    for (std::size_t i = 0; i < containers->size(); ++i) {
      if (!(*containers)[i].is_object()) continue;
      if (auto error = patch_app_container((*containers)[i].get_object(), "/spec/containers/" + std::to_string(i), patch);
          !error.empty()) {
        return deny(error);
      }
    }
  }
  if (init_containers) {
    for (std::size_t i = 0; i < init_containers->size(); ++i) {
      if (!(*init_containers)[i].is_object()) continue;
      if (auto error =
              patch_app_container((*init_containers)[i].get_object(), "/spec/initContainers/" + std::to_string(i), patch);
          !error.empty()) {
        return deny(error);
      }
    }
  }
  // 0444: the volume is mounted into the sidecar only, which runs as 65532 (no fsGroup imposed
  // on the user's pod); emptyDir directories are world-writable, so the sidecar can write the token.
  json::object keys_volume{{"name", kKeysVolume}, {"secret", {{"secretName", kKeysSecret}, {"defaultMode", 0444}}}};
  json::object token_volume{{"name", kTokenVolume}, {"emptyDir", {{"medium", "Memory"}, {"sizeLimit", "1Mi"}}}};
  if (volumes) {
    patch.push_back(op_add("/spec/volumes/-", std::move(keys_volume)));
    patch.push_back(op_add("/spec/volumes/-", std::move(token_volume)));
  } else {
    patch.push_back(op_add("/spec/volumes", json::array{std::move(keys_volume), std::move(token_volume)}));
  }
  // First init container: it must be running before any other init container could ask it.
  json::object sidecar = sidecar_container(*request, options);
  if (init_containers) patch.push_back(op_add("/spec/initContainers/0", std::move(sidecar)));
  else patch.push_back(op_add("/spec/initContainers", json::array{std::move(sidecar)}));
  patch.push_back(op_add("/metadata/annotations/" + escape_pointer_token(kInjectedAnnotation), "true"));
  // The label the operator's Pod informer selects on to grant the sidecar its reads.
  // (A JSON Patch add onto a member replaces it: so also a null `labels`.)
  if (auto labels = metadata.find("labels"); labels != metadata.end() && labels->value().is_object()) {
    patch.push_back(op_add("/metadata/labels/" + escape_pointer_token(kInjectedLabel), "true"));
  } else {
    patch.push_back(op_add("/metadata/labels", json::object{{kInjectedLabel, "true"}}));
  }

  decision.action = PatchDecision::Action::patch;
  decision.message = "injected";
  return decision;
}

}  // namespace dragops::inject
