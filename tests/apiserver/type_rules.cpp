// Per-kind rules of the store: what kube's registry strategies do on create and update
// (defaults, system fields, status handling) and the validation they run.
#include "apiserver/json_util.hpp"
#include "apiserver/schema.hpp"
#include "apiserver/selector.hpp"
#include "apiserver/service_ips.hpp"
#include "apiserver/store.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cctype>

namespace dragops::apiserver {

namespace {

constexpr std::size_t kMaxSecretBytes = 1024 * 1024;

const std::vector<std::string_view> kObjectMetaFields = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
    "managedFields"};

const char* kSubdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* kLabelMessage =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

bool is_subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  if (!std::isalnum(static_cast<unsigned char>(s.front())) || !std::isalnum(static_cast<unsigned char>(s.back()))) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    if (!ok) return false;
    if (c == '.' && (s[i - 1] == '.' || s[i - 1] == '-' || s[i + 1] == '-')) return false;
  }
  return true;
}

bool is_dns_label(const std::string& s) {
  return s.size() <= 63 && s.find('.') == std::string::npos && is_subdomain(s);
}

bool is_config_key(const std::string& s) {
  return !s.empty() && s.size() <= 253 && s != "." && s != ".." && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

void prune_metadata(json::object& obj) {
  auto& meta = ensure_object(obj, "metadata");
  std::vector<std::string> unknown;
  for (const auto& kv : meta)
    if (std::find(kObjectMetaFields.begin(), kObjectMetaFields.end(), kv.key()) == kObjectMetaFields.end())
      unknown.emplace_back(kv.key());
  for (const auto& k : unknown) meta.erase(k);
  meta.erase("managedFields");
  meta.erase("selfLink");
}

// stringData merges into data; data must be base64 (the typed decoder refuses anything else).
Result<void> prepare_secret(json::object& secret) {
  auto& data_slot = secret["data"];
  if (data_slot.is_null()) data_slot = json::object{};
  if (!data_slot.is_object())
    return errors::bad_request("Secret in version \"v1\" cannot be handled as a Secret: json: cannot unmarshal into Go "
                               "struct field Secret.data of type map[string][]uint8");
  auto& data = data_slot.get_object();
  for (const auto& kv : data) {
    if (!kv.value().is_string() || !base64_decode(kv.value().get_string()))
      return errors::bad_request("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input");
  }
  if (auto* sd = secret.if_contains("stringData"); sd != nullptr) {
    if (!sd->is_object() && !sd->is_null())
      return errors::bad_request("Secret in version \"v1\" cannot be handled as a Secret: stringData must be a map");
    if (sd->is_object())
      for (const auto& kv : sd->get_object()) {
        if (!kv.value().is_string())
          return errors::bad_request("Secret in version \"v1\" cannot be handled as a Secret: stringData values must be strings");
        data[kv.key()] = base64_encode(kv.value().get_string());
      }
    secret.erase("stringData");
  }
  if (data.empty()) secret.erase("data");
  if (string_at(secret, "type").empty()) secret["type"] = "Opaque";
  return {};
}

void default_pod(json::object& pod) {
  auto& spec = ensure_object(pod, "spec");
  auto set_default = [](json::object& o, std::string_view k, json::value v) {
    if (!o.contains(k)) o[k] = std::move(v);
  };
  set_default(spec, "restartPolicy", "Always");
  set_default(spec, "dnsPolicy", "ClusterFirst");
  set_default(spec, "schedulerName", "default-scheduler");
  set_default(spec, "terminationGracePeriodSeconds", 30);
  set_default(spec, "securityContext", json::object{});
  set_default(spec, "enableServiceLinks", true);
  for (auto key : {"containers", "initContainers"}) {
    auto* list = spec.if_contains(key);
    if (list == nullptr || !list->is_array()) continue;
    for (auto& c : list->get_array()) {
      if (!c.is_object()) continue;
      auto& container = c.get_object();
      std::string image = string_at(container, "image");
      bool latest = image.find(':') == std::string::npos || image.ends_with(":latest");
      set_default(container, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
      set_default(container, "terminationMessagePath", "/dev/termination-log");
      set_default(container, "terminationMessagePolicy", "File");
      set_default(container, "resources", json::object{});
    }
  }
}

bool equal_without(const json::object& a, const json::object& b, std::initializer_list<std::string_view> skip) {
  json::object x = a, y = b;
  for (auto k : skip) {
    x.erase(k);
    y.erase(k);
  }
  return json_equal(x, y);
}

}  // namespace

Result<void> Store::check_body_kind(const ResourceType& type, const json::object& body) const {
  std::string api_version = string_at(body, "apiVersion");
  std::string kind = string_at(body, "kind");
  if (type.custom && kind.empty())
    return errors::bad_request("Object 'Kind' is missing in '" + to_json(body).substr(0, 200) + "'");
  if (!api_version.empty() && api_version != type.api_version())
    return errors::bad_request("the API version in the data (" + api_version +
                               ") does not match the expected API version (" + type.api_version() + ")");
  if (!kind.empty() && kind != type.kind)
    return errors::bad_request("the object provided is unrecognized (must be of type " + type.kind + "): " + kind +
                               " (" + type.api_version() + ")");
  return {};
}

Result<void> Store::check_body_kind_and_fill(const ResourceType& type, json::object& body) const {
  if (auto r = check_body_kind(type, body); !r) return r.error();
  body["apiVersion"] = type.api_version();
  body["kind"] = type.kind;
  return {};
}

Result<void> Store::apply_schema(const ResourceType& type, json::object& object, const WriteOptions& options) {
  if (type.schema.empty()) return {};
  json::value v = std::move(object);
  auto pruned = schema::prune(v, type.schema);
  if (!pruned.empty() && options.field_validation == FieldValidation::strict) {
    std::string list;
    for (const auto& p : pruned) list += (list.empty() ? "" : ", ") + std::string("unknown field \"") + p + "\"";
    return errors::bad_request(type.kind + " in version \"" + type.version + "\" cannot be handled as a " + type.kind +
                               ": strict decoding error: " + list);
  }
  if (!pruned.empty() && options.field_validation == FieldValidation::warn && options.warnings != nullptr)
    for (const auto& p : pruned) options.warnings->push_back("unknown field \"" + p + "\"");
  schema::apply_defaults(v, type.schema);
  object = std::move(v.get_object());
  return {};
}

Result<void> Store::prepare_for_create(const ResourceType& type, json::object& object, const WriteOptions& options) {
  if (auto r = check_body_kind_and_fill(type, object); !r) return r.error();
  prune_metadata(object);
  const std::string& r = type.resource;
  if (type.group.empty()) {
    if (r == "secrets") return prepare_secret(object);
    if (r == "namespaces") {
      auto& meta = ensure_object(object, "metadata");
      ensure_object(meta, "labels")["kubernetes.io/metadata.name"] = string_at(meta, "name");
      ensure_object(object, "spec")["finalizers"] = json::array{"kubernetes"};
      object["status"] = json::object{{"phase", "Active"}};
      return {};
    }
    if (r == "pods") {
      default_pod(object);
      object["status"] = json::object{{"phase", "Pending"}, {"qosClass", "BestEffort"}};
      return {};
    }
    if (r == "services") {
      auto& spec = ensure_object(object, "spec");
      if (!spec.contains("type")) spec["type"] = "ClusterIP";
      if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
      if (auto* ports = spec.if_contains("ports"); ports != nullptr && ports->is_array())
        for (auto& p : ports->get_array())
          if (p.is_object()) {
            if (!p.get_object().contains("protocol")) p.get_object()["protocol"] = "TCP";
            if (!p.get_object().contains("targetPort") && p.get_object().contains("port"))
              p.get_object()["targetPort"] = p.get_object().at("port");
          }
      object["status"] = json::object{{"loadBalancer", json::object{}}};
      return {};
    }
    return {};
  }
  if (type.group == "apiextensions.k8s.io") return registry_.prepare_crd(object, nullptr);
  if (type.status_subresource) object.erase("status");
  if (type.custom) return apply_schema(type, object, options);
  return {};
}

Result<void> Store::prepare_for_update(const ResourceType& type, json::object& object, const json::object& old,
                                       const WriteOptions& options) {
  if (auto r = check_body_kind_and_fill(type, object); !r) return r.error();
  prune_metadata(object);
  const std::string& r = type.resource;
  std::string name = string_at(old, "metadata.name");
  if (type.group.empty()) {
    if (r == "secrets") {
      if (auto p = prepare_secret(object); !p) return p.error();
      std::vector<Cause> causes;
      if (string_at(object, "type") != string_at(old, "type"))
        causes.push_back(errors::invalid_value("type", "\"" + string_at(object, "type") + "\"", "field is immutable"));
      const auto* immutable = old.if_contains("immutable");
      if (immutable != nullptr && immutable->is_bool() && immutable->get_bool()) {
        const auto* now_data = object.if_contains("data");
        const auto* old_data = old.if_contains("data");
        bool same = (now_data == nullptr && old_data == nullptr) ||
                    (now_data != nullptr && old_data != nullptr && json_equal(*now_data, *old_data));
        if (!same) causes.push_back(errors::forbidden_field("data", "field is immutable when `immutable` is set"));
        const auto* now_immutable = object.if_contains("immutable");
        if (now_immutable == nullptr || !now_immutable->is_bool() || !now_immutable->get_bool())
          causes.push_back(errors::forbidden_field("immutable", "field is immutable when `immutable` is set"));
      }
      if (!causes.empty()) return errors::invalid("Secret", "", name, std::move(causes));
      return {};
    }
    if (r == "namespaces") {
      auto& meta = ensure_object(object, "metadata");
      ensure_object(meta, "labels")["kubernetes.io/metadata.name"] = name;
      if (const auto* spec = old.if_contains("spec")) object["spec"] = *spec;
      return {};
    }
    if (r == "pods" && !options.status) {
      default_pod(object);
      return {};
    }
    return {};
  }
  if (type.group == "apiextensions.k8s.io") return registry_.prepare_crd(object, &old);
  if (type.custom) return apply_schema(type, object, options);
  return {};
}

Result<void> Store::validate(const ResourceType& type, const json::object& object, const json::object* old) const {
  std::vector<Cause> causes;
  const auto& meta = object_or_empty(object, "metadata");
  std::string name = string_at(meta, "name");
  if (name.empty()) {
    causes.push_back(errors::required("metadata.name", "name or generateName is required"));
  } else if (old == nullptr) {
    bool ok = true;
    const char* message = kSubdomainMessage;
    if (type.group.empty() && type.resource == "namespaces") {
      ok = is_dns_label(name);
      message = kLabelMessage;
    } else if (type.group == "rbac.authorization.k8s.io") {
      ok = name.find('/') == std::string::npos && name.find('%') == std::string::npos && name != "." && name != "..";
      message = "may not contain '/' or '%'";
    } else {
      ok = is_subdomain(name);
    }
    if (!ok) causes.push_back(errors::invalid_value("metadata.name", "\"" + name + "\"", message));
  }
  if (const auto* labels = meta.if_contains("labels"); labels != nullptr && labels->is_object()) {
    for (const auto& kv : labels->get_object()) {
      if (!valid_label_key(kv.key()))
        causes.push_back(errors::invalid_value("metadata.labels", "\"" + std::string(kv.key()) + "\"",
                                               "name part must consist of alphanumeric characters, '-', '_' or '.', "
                                               "and must start and end with an alphanumeric character"));
      if (!kv.value().is_string() || !valid_label_value(kv.value().get_string()))
        causes.push_back(errors::invalid_value(
            "metadata.labels", value_repr(kv.value()),
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
            "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
    }
  }
  if (const auto* annotations = meta.if_contains("annotations"); annotations != nullptr && annotations->is_object())
    for (const auto& kv : annotations->get_object())
      if (!valid_label_key(kv.key()) || !kv.value().is_string())
        causes.push_back(errors::invalid_value("metadata.annotations", "\"" + std::string(kv.key()) + "\"",
                                               "name part must consist of alphanumeric characters, '-', '_' or '.', "
                                               "and must start and end with an alphanumeric character"));
  const std::string& r = type.resource;
  if (type.group.empty() && (r == "secrets" || r == "configmaps")) {
    std::size_t total = 0;
    for (auto field : {"data", "binaryData"}) {
      const auto* data = object.if_contains(field);
      if (data == nullptr || !data->is_object()) continue;
      for (const auto& kv : data->get_object()) {
        std::string key(kv.key());
        if (!is_config_key(key))
          causes.push_back(errors::invalid_value(std::string(field) + "[" + key + "]", "\"" + key + "\"",
                                                 "a valid config key must consist of alphanumeric characters, '-', "
                                                 "'_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex "
                                                 "used for validation is '[-._a-zA-Z0-9]+')"));
        if (kv.value().is_string()) total += kv.value().get_string().size();
      }
    }
    if (total > kMaxSecretBytes)
      causes.push_back(errors::too_long("data", "must have at most " + std::to_string(kMaxSecretBytes) + " bytes"));
  }
  if (type.group.empty() && r == "pods") {
    const auto* containers = find_path(object, "spec.containers");
    if (containers == nullptr || !containers->is_array() || containers->get_array().empty()) {
      causes.push_back(errors::required("spec.containers"));
    } else {
      for (std::size_t i = 0; i < containers->get_array().size(); ++i) {
        const auto& c = containers->get_array()[i];
        std::string p = "spec.containers[" + std::to_string(i) + "]";
        if (!c.is_object()) continue;
        if (string_at(c.get_object(), "name").empty()) causes.push_back(errors::required(p + ".name"));
        if (string_at(c.get_object(), "image").empty()) causes.push_back(errors::required(p + ".image"));
      }
    }
  }
  if (type.group.empty() && r == "endpoints") {
    // kube's validateEndpointSubsets, of it the addresses: no loopback, link-local or unspecified IPs.
    if (const auto* subsets = object.if_contains("subsets"); subsets != nullptr && subsets->is_array()) {
      for (std::size_t i = 0; i < subsets->get_array().size(); ++i) {
        const auto& subset = subsets->get_array()[i];
        if (!subset.is_object()) continue;
        for (const char* key : {"addresses", "notReadyAddresses"}) {
          const auto* addresses = subset.get_object().if_contains(key);
          if (addresses == nullptr || !addresses->is_array()) continue;
          for (std::size_t k = 0; k < addresses->get_array().size(); ++k) {
            const auto& address = addresses->get_array()[k];
            if (!address.is_object()) continue;
            auto ip_causes = endpoint_ip_causes(
                "subsets[" + std::to_string(i) + "]." + key + "[" + std::to_string(k) + "].ip", string_at(address.get_object(), "ip"));
            causes.insert(causes.end(), ip_causes.begin(), ip_causes.end());
          }
        }
      }
    }
  }
  if (type.group == "admissionregistration.k8s.io") {
    if (const auto* hooks = object.if_contains("webhooks"); hooks != nullptr && hooks->is_array()) {
      for (std::size_t i = 0; i < hooks->get_array().size(); ++i) {
        const auto& h = hooks->get_array()[i];
        std::string p = "webhooks[" + std::to_string(i) + "]";
        if (!h.is_object()) continue;
        const auto& hook = h.get_object();
        if (string_at(hook, "name").empty()) causes.push_back(errors::required(p + ".name"));
        std::string side = string_at(hook, "sideEffects");
        if (side.empty()) causes.push_back(errors::required(p + ".sideEffects", "must specify one of None, NoneOnDryRun"));
        if (!hook.contains("admissionReviewVersions"))
          causes.push_back(errors::required(p + ".admissionReviewVersions",
                                            "must specify one of v1, v1beta1"));
        const auto& client = object_or_empty(hook, "clientConfig");
        if (!client.contains("url") && !client.contains("service"))
          causes.push_back(errors::required(p + ".clientConfig", "exactly one of url or service is required"));
      }
    }
  }
  if (type.custom && !type.schema.empty()) {
    auto schema_causes = schema::validate(object, type.schema);
    causes.insert(causes.end(), schema_causes.begin(), schema_causes.end());
  }
  if (!causes.empty()) return errors::invalid(type.kind, type.group, name, std::move(causes));
  return {};
}

bool Store::bumps_generation(const ResourceType& type, const json::object& object, const json::object& old) const {
  switch (type.generation) {
    case GenerationPolicy::none: return false;
    case GenerationPolicy::spec: {
      const auto* a = object.if_contains("spec");
      const auto* b = old.if_contains("spec");
      if (a == nullptr || b == nullptr) return a != b;
      return !json_equal(*a, *b);
    }
    case GenerationPolicy::all_but_metadata_status: return !equal_without(object, old, {"metadata", "status"});
    case GenerationPolicy::all_but_metadata: return !equal_without(object, old, {"metadata"});
    case GenerationPolicy::webhooks: {
      const auto* a = object.if_contains("webhooks");
      const auto* b = old.if_contains("webhooks");
      if (a == nullptr || b == nullptr) return a != b;
      return !json_equal(*a, *b);
    }
  }
  return false;
}

}  // namespace dragops::apiserver
