#include "apiserver/openapi.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <functional>

namespace dragops::apiserver::openapi {

namespace {

constexpr std::string_view kObjectMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

json::object str(const std::string& description) { return {{"type", "string"}, {"description", description}}; }

json::object string_map(const std::string& description) {
  return {{"type", "object"}, {"description", description}, {"additionalProperties", json::object{{"type", "string"}, {"default", ""}}}};
}

json::object object_meta() {
  return {{"type", "object"},
          {"description", "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create."},
          {"properties",
           json::object{{"name", str("Name must be unique within a namespace.")},
                        {"generateName", str("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.")},
                        {"namespace", str("Namespace defines the space within which each name must be unique.")},
                        {"uid", str("UID is the unique in time and space value for this object.")},
                        {"resourceVersion", str("An opaque value that represents the internal version of this object.")},
                        {"generation", json::object{{"type", "integer"}, {"format", "int64"}, {"description", "A sequence number representing a specific generation of the desired state."}}},
                        {"creationTimestamp", str("CreationTimestamp is a timestamp representing the server time when this object was created.")},
                        {"deletionTimestamp", str("DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.")},
                        {"labels", string_map("Map of string keys and values that can be used to organize and categorize objects.")},
                        {"annotations", string_map("Annotations is an unstructured key value map stored with a resource.")},
                        {"finalizers", json::object{{"type", "array"}, {"description", "Must be empty before the object is deleted from the registry."}, {"items", json::object{{"type", "string"}, {"default", ""}}}}},
                        {"ownerReferences", json::object{{"type", "array"}, {"description", "List of objects depended by this object."}, {"items", json::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}};
}

std::string reversed_group(const std::string& group) {
  if (group.empty()) return "io.k8s.api.core";
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto dot = group.find('.', start);
    parts.push_back(group.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  // Built-in groups live under io.k8s.api.<first label>; CRDs under the reversed group.
  if (group.ends_with(".k8s.io") || group == "apps" || group == "policy")
    return "io.k8s.api." + parts.front();
  std::reverse(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ".") + p;
  return out;
}

std::string schema_name(const ResourceType& t) { return reversed_group(t.group) + "." + t.version + "." + t.kind; }

json::object builtin_schema(const ResourceType& t) {
  json::object props{{"apiVersion", str("APIVersion defines the versioned schema of this representation of an object.")},
                     {"kind", str("Kind is a string value representing the REST resource this object represents.")}};
  const std::string& r = t.resource;
  if (r == "secrets") {
    props["data"] = json::object{{"type", "object"}, {"description", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string."}, {"additionalProperties", json::object{{"type", "string"}, {"format", "byte"}}}};
    props["stringData"] = string_map("stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience.");
    props["type"] = str("Used to facilitate programmatic handling of secret data.");
    props["immutable"] = json::object{{"type", "boolean"}, {"description", "Immutable, if set to true, ensures that data stored in the Secret cannot be updated."}};
  } else if (r == "configmaps") {
    props["data"] = string_map("Data contains the configuration data.");
    props["binaryData"] = json::object{{"type", "object"}, {"description", "BinaryData contains the binary data."}, {"additionalProperties", json::object{{"type", "string"}, {"format", "byte"}}}};
    props["immutable"] = json::object{{"type", "boolean"}, {"description", "Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated."}};
  } else if (r == "events") {
    for (auto f : {"reason", "message", "type", "action", "reportingComponent", "reportingInstance", "firstTimestamp", "lastTimestamp", "eventTime"})
      props[f] = str(std::string("The event's ") + f + ".");
    props["count"] = json::object{{"type", "integer"}, {"description", "The number of times this event has occurred."}};
    props["involvedObject"] = json::object{{"type", "object"}, {"description", "The object that this event is about."}, {"x-kubernetes-preserve-unknown-fields", true}};
    props["source"] = json::object{{"type", "object"}, {"description", "The component reporting this event."}, {"x-kubernetes-preserve-unknown-fields", true}};
  } else if (r == "rolebindings" || r == "clusterrolebindings") {
    props["roleRef"] = json::object{{"type", "object"}, {"description", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace."}, {"x-kubernetes-preserve-unknown-fields", true}};
    props["subjects"] = json::object{{"type", "array"}, {"description", "Subjects holds references to the objects the role applies to."}, {"items", json::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}};
  } else if (r == "roles" || r == "clusterroles") {
    props["rules"] = json::object{{"type", "array"}, {"description", "Rules holds all the PolicyRules for this Role"}, {"items", json::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}};
    if (r == "clusterroles") props["aggregationRule"] = json::object{{"type", "object"}, {"description", "AggregationRule is an optional field that describes how to build the Rules for this ClusterRole."}, {"x-kubernetes-preserve-unknown-fields", true}};
  } else if (r == "mutatingwebhookconfigurations" || r == "validatingwebhookconfigurations") {
    props["webhooks"] = json::object{{"type", "array"}, {"description", "Webhooks is a list of webhooks and the affected resources and operations."}, {"items", json::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}};
  } else if (r == "serviceaccounts") {
    props["secrets"] = json::object{{"type", "array"}, {"description", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."}, {"items", json::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}};
    props["imagePullSecrets"] = json::object{{"type", "array"}, {"description", "ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images."}, {"items", json::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}};
    props["automountServiceAccountToken"] = json::object{{"type", "boolean"}, {"description", "AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted."}};
  } else if (r == "endpoints") {
    props["subsets"] = json::object{{"type", "array"}, {"description", "The set of all endpoints is the union of all subsets."}, {"items", json::object{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}};
  } else {
    props["spec"] = json::object{{"type", "object"}, {"description", "Spec defines the desired behavior of the " + t.kind + "."}, {"x-kubernetes-preserve-unknown-fields", true}};
    if (t.status_subresource)
      props["status"] = json::object{{"type", "object"}, {"description", "Status is the most recently observed status of the " + t.kind + "."}, {"x-kubernetes-preserve-unknown-fields", true}};
  }
  return {{"type", "object"}, {"description", t.kind + " (served by the local API server)."}, {"properties", std::move(props)}};
}

json::object schema_for(const ResourceType& t, std::string_view meta_ref_prefix) {
  json::object s = t.custom ? t.schema : builtin_schema(t);
  auto& props = ensure_object(s, "properties");
  if (!props.contains("apiVersion")) props["apiVersion"] = str("APIVersion defines the versioned schema of this representation of an object.");
  if (!props.contains("kind")) props["kind"] = str("Kind is a string value representing the REST resource this object represents.");
  props["metadata"] = json::object{
      {"description", "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"},
      {"allOf", json::array{json::object{{"$ref", std::string(meta_ref_prefix) + std::string(kObjectMetaName)}}}}};
  if (!s.contains("type")) s["type"] = "object";
  s["x-kubernetes-group-version-kind"] =
      json::array{json::object{{"group", t.group}, {"version", t.version}, {"kind", t.kind}}};
  return s;
}

json::array query_parameters(bool v3) {
  json::array params;
  for (auto name : {"dryRun", "fieldValidation", "fieldManager", "force", "pretty"}) {
    json::object p{{"name", name}, {"in", "query"}, {"description", std::string(name) + " parameter"}};
    if (v3) p["schema"] = json::object{{"type", std::string(name) == "force" ? "boolean" : "string"}};
    else p["type"] = std::string(name) == "force" ? "boolean" : "string";
    params.push_back(std::move(p));
  }
  return params;
}

json::object operation(const ResourceType& t, const std::string& verb, const std::string& ref, bool v3) {
  json::object op{{"operationId", verb + t.kind},
                  {"description", verb + " the specified " + t.kind},
                  {"x-kubernetes-action", verb},
                  {"x-kubernetes-group-version-kind",
                   json::object{{"group", t.group}, {"version", t.version}, {"kind", t.kind}}}};
  json::object ok{{"description", "OK"}};
  if (v3) ok["content"] = json::object{{"application/json", json::object{{"schema", json::object{{"$ref", ref}}}}}};
  else ok["schema"] = json::object{{"$ref", ref}};
  op["responses"] = json::object{{"200", std::move(ok)}};
  if (verb == "patch") {
    op["parameters"] = query_parameters(v3);
    if (v3) {
      json::object content;
      // Strategic merge patch is deliberately not listed: kubectl then computes it from its own
      // compiled-in types (exact patch metadata) instead of from these simplified schemas.
      for (auto type : {"application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"})
        content[type] = json::object{{"schema", json::object{{"type", "object"}}}};
      op["requestBody"] = json::object{{"content", std::move(content)}, {"required", true}};
    }
  } else if (verb == "post" || verb == "put") {
    op["parameters"] = query_parameters(v3);
  }
  return op;
}

void add_paths(json::object& paths, const ResourceType& t, const std::string& ref, bool v3) {
  std::string prefix = t.group.empty() ? "/api/" + t.version : "/apis/" + t.group + "/" + t.version;
  std::string collection = t.namespaced ? prefix + "/namespaces/{namespace}/" + t.resource : prefix + "/" + t.resource;
  std::string item = collection + "/{name}";
  // Every type gets every path, the create-only review APIs too: kubectl decides that the server
  // validates fields when the type has a PATCH declaring fieldValidation, and otherwise falls
  // back to OpenAPI v2, which it asks for as protobuf and this server does not serve.
  paths[collection] = json::object{{"get", operation(t, "list", ref, v3)}, {"post", operation(t, "post", ref, v3)}};
  paths[item] = json::object{{"get", operation(t, "get", ref, v3)},
                             {"put", operation(t, "put", ref, v3)},
                             {"patch", operation(t, "patch", ref, v3)},
                             {"delete", operation(t, "delete", ref, v3)}};
  if (t.status_subresource)
    paths[item + "/status"] = json::object{{"get", operation(t, "get", ref, v3)},
                                           {"put", operation(t, "put", ref, v3)},
                                           {"patch", operation(t, "patch", ref, v3)}};
}

}  // namespace

json::object v3_index(const Registry& registry) {
  json::object paths;
  for (const auto& g : registry.groups())
    for (const auto& v : g.versions) {
      std::string key = g.group.empty() ? "api/" + v : "apis/" + g.group + "/" + v;
      // The hash changes whenever the served types change, so kubectl's cache notices CRDs.
      std::string digest;
      for (const auto* t : registry.in_group_version(g.group, v)) digest += to_json(t->schema) + t->resource;
      paths[key] = json::object{{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + std::to_string(std::hash<std::string>{}(digest))}};
    }
  return {{"paths", std::move(paths)}};
}

std::optional<json::object> v3_document(const Registry& registry, const std::string& group, const std::string& version) {
  auto types = registry.in_group_version(group, version);
  if (types.empty()) return std::nullopt;
  json::object schemas{{std::string(kObjectMetaName), object_meta()}};
  json::object paths;
  for (const auto* t : types) {
    std::string name = schema_name(*t);
    schemas[name] = schema_for(*t, "#/components/schemas/");
    add_paths(paths, *t, "#/components/schemas/" + name, true);
  }
  return json::object{{"openapi", "3.0.0"},
                      {"info", json::object{{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                      {"paths", std::move(paths)},
                      {"components", json::object{{"schemas", std::move(schemas)}}}};
}

json::object v2_document(const Registry& registry) {
  json::object definitions{{std::string(kObjectMetaName), object_meta()}};
  json::object paths;
  for (const auto* t : registry.all()) {
    std::string name = schema_name(*t);
    definitions[name] = schema_for(*t, "#/definitions/");
    add_paths(paths, *t, "#/definitions/" + name, false);
  }
  return {{"swagger", "2.0"},
          {"info", json::object{{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
          {"paths", std::move(paths)},
          {"definitions", std::move(definitions)}};
}

}  // namespace dragops::apiserver::openapi
