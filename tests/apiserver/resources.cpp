#include "apiserver/resources.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace dragops::apiserver {

namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};

ResourceType builtin(std::string group, std::string version, std::string resource, std::string kind, bool namespaced,
                     std::vector<std::string> short_names = {}, std::vector<std::string> categories = {},
                     bool status = false, GenerationPolicy generation = GenerationPolicy::none) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.resource = std::move(resource);
  t.kind = std::move(kind);
  t.singular = t.kind;
  std::transform(t.singular.begin(), t.singular.end(), t.singular.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  t.list_kind = t.kind + "List";
  t.namespaced = namespaced;
  t.short_names = std::move(short_names);
  t.categories = std::move(categories);
  t.verbs = kAllVerbs;
  t.status_subresource = status;
  t.generation = generation;
  return t;
}

bool is_dns_label(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  if (!std::isalnum(static_cast<unsigned char>(s.front())) || !std::isalnum(static_cast<unsigned char>(s.back()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
}

json::object condition(const std::string& type, const std::string& reason, const std::string& message,
                       const std::string& now) {
  return {{"type", type}, {"status", "True"}, {"lastTransitionTime", now}, {"reason", reason}, {"message", message}};
}

// kube's version priority (GA > beta > alpha, then higher numbers; others last, by name):
// true when `a` is preferred over `b`.
bool version_before(const std::string& a, const std::string& b) {
  struct Rank {
    bool kube_like = false;
    int major = 0;
    int stability = 0;  // 2 GA, 1 beta, 0 alpha
    int minor = 0;
  };
  auto rank = [](const std::string& v) {
    Rank r;
    if (v.size() < 2 || v[0] != 'v' || !std::isdigit(static_cast<unsigned char>(v[1]))) return r;
    std::size_t i = 1;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) r.major = r.major * 10 + (v[i++] - '0');
    std::string rest = v.substr(i);
    if (rest.empty()) {
      r.kube_like = true;
      r.stability = 2;
      return r;
    }
    for (auto [word, stability] : {std::pair<const char*, int>{"beta", 1}, {"alpha", 0}}) {
      std::string w(word);
      if (rest.starts_with(w) && rest.size() > w.size() &&
          std::all_of(rest.begin() + static_cast<std::ptrdiff_t>(w.size()), rest.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        r.kube_like = true;
        r.stability = stability;
        r.minor = std::stoi(rest.substr(w.size()));
      }
    }
    return r;
  };
  Rank ra = rank(a), rb = rank(b);
  if (ra.kube_like != rb.kube_like) return ra.kube_like;
  if (!ra.kube_like) return a < b;
  if (ra.stability != rb.stability) return ra.stability > rb.stability;
  if (ra.major != rb.major) return ra.major > rb.major;
  return ra.minor > rb.minor;
}

}  // namespace

Registry::Registry() {
  using G = GenerationPolicy;
  auto namespaces = builtin("", "v1", "namespaces", "Namespace", false, {"ns"}, {}, true);
  namespaces.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  namespaces.field_labels = {"status.phase"};
  add(std::move(namespaces));
  auto secrets = builtin("", "v1", "secrets", "Secret", true);
  secrets.field_labels = {"type"};
  add(std::move(secrets));
  add(builtin("", "v1", "configmaps", "ConfigMap", true, {"cm"}));
  auto pods = builtin("", "v1", "pods", "Pod", true, {"po"}, {"all"}, true);
  pods.field_labels = {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                       "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"};
  add(std::move(pods));
  add(builtin("", "v1", "serviceaccounts", "ServiceAccount", true, {"sa"}));
  add(builtin("", "v1", "services", "Service", true, {"svc"}, {"all"}, true));
  add(builtin("", "v1", "endpoints", "Endpoints", true, {"ep"}));
  auto events = builtin("", "v1", "events", "Event", true, {"ev"});
  events.field_labels = {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                         "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                         "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"};
  add(std::move(events));
  add(builtin("apps", "v1", "deployments", "Deployment", true, {"deploy"}, {"all"}, true, G::spec));
  add(builtin("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, {"pdb"}, {}, true, G::spec));
  // The chart's optional dashboard Ingress (tests/e2e/chart_apply.sh applies it).
  add(builtin("networking.k8s.io", "v1", "ingresses", "Ingress", true, {"ing"}, {}, true, G::spec));
  add(builtin("coordination.k8s.io", "v1", "leases", "Lease", true));
  add(builtin("rbac.authorization.k8s.io", "v1", "roles", "Role", true));
  add(builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true));
  add(builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false));
  add(builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false));
  add(builtin("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration",
              false, {}, {"api-extensions"}, false, G::webhooks));
  add(builtin("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
              "ValidatingWebhookConfiguration", false, {}, {"api-extensions"}, false, G::webhooks));
  add(builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false,
              {"crd", "crds"}, {"api-extensions"}, true, G::spec));
  // Create-only APIs that answer and store nothing (served by handler_auth.cpp).
  auto review = [&](std::string group, std::string resource, std::string kind, bool namespaced) {
    auto t = builtin(std::move(group), "v1", std::move(resource), std::move(kind), namespaced);
    t.verbs = {"create"};
    add(std::move(t));
  };
  review("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview", false);
  review("authorization.k8s.io", "localsubjectaccessreviews", "LocalSubjectAccessReview", true);
  review("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false);
  review("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false);
  review("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", false);
  builtin_group_order_ = {"", "apps", "policy", "networking.k8s.io", "coordination.k8s.io", "rbac.authorization.k8s.io",
                          "admissionregistration.k8s.io", "apiextensions.k8s.io", "authentication.k8s.io",
                          "authorization.k8s.io"};
}

void Registry::add(ResourceType type) { types_.push_back(std::make_unique<ResourceType>(std::move(type))); }

const ResourceType* Registry::find(const std::string& group, const std::string& version,
                                   const std::string& resource) const {
  for (const auto& t : types_)
    if (t->group == group && t->version == version && t->resource == resource) return t.get();
  return nullptr;
}

const ResourceType* Registry::find_any_version(const std::string& group, const std::string& resource) const {
  for (const auto& t : types_)
    if (t->group == group && t->resource == resource) return t.get();
  return nullptr;
}

const ResourceType* Registry::find_kind(const std::string& api_version, const std::string& kind) const {
  for (const auto& t : types_)
    if (t->api_version() == api_version && t->kind == kind) return t.get();
  return nullptr;
}

std::vector<const ResourceType*> Registry::in_group_version(const std::string& group, const std::string& version) const {
  std::vector<const ResourceType*> out;
  for (const auto& t : types_)
    if (t->group == group && t->version == version) out.push_back(t.get());
  return out;
}

std::vector<const ResourceType*> Registry::all() const {
  std::vector<const ResourceType*> out;
  for (const auto& t : types_) out.push_back(t.get());
  return out;
}

std::vector<GroupVersions> Registry::groups() const {
  std::vector<GroupVersions> out;
  auto add_version = [&](const ResourceType& t) {
    auto it = std::find_if(out.begin(), out.end(), [&](const GroupVersions& g) { return g.group == t.group; });
    if (it == out.end()) {
      out.push_back({t.group, {}});
      it = out.end() - 1;
    }
    if (std::find(it->versions.begin(), it->versions.end(), t.version) == it->versions.end())
      it->versions.push_back(t.version);
  };
  for (const auto& name : builtin_group_order_)
    for (const auto& t : types_)
      if (!t->custom && t->group == name) add_version(*t);
  std::vector<const ResourceType*> custom;
  for (const auto& t : types_)
    if (t->custom) custom.push_back(t.get());
  std::stable_sort(custom.begin(), custom.end(),
                   [](const ResourceType* a, const ResourceType* b) { return a->group < b->group; });
  for (const auto* t : custom) add_version(*t);
  for (auto& g : out) std::stable_sort(g.versions.begin(), g.versions.end(), version_before);
  return out;
}

Result<void> Registry::prepare_crd(json::object& crd, const json::object* old) const {
  std::vector<Cause> causes;
  std::string name = string_at(crd, "metadata.name");
  auto& spec = ensure_object(crd, "spec");
  std::string group = string_at(spec, "group");
  auto& names = ensure_object(spec, "names");
  std::string plural = string_at(names, "plural");
  std::string kind = string_at(names, "kind");
  if (group.empty()) causes.push_back(errors::required("spec.group"));
  if (plural.empty()) causes.push_back(errors::required("spec.names.plural"));
  else if (!is_dns_label(plural))
    causes.push_back(errors::invalid_value("spec.names.plural", "\"" + plural + "\"",
                                           "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                                           "characters or '-', and must start and end with an alphanumeric character"));
  if (kind.empty()) causes.push_back(errors::required("spec.names.kind"));
  if (!plural.empty() && !group.empty() && name != plural + "." + group)
    causes.push_back(errors::invalid_value("metadata.name", "\"" + name + "\"", "must be spec.names.plural+\".\"+spec.group"));
  std::string scope = string_at(spec, "scope");
  if (scope != "Namespaced" && scope != "Cluster")
    causes.push_back(errors::unsupported_value("spec.scope", "\"" + scope + "\"", {"\"Cluster\"", "\"Namespaced\""}));
  const auto* versions = spec.if_contains("versions");
  int storage = 0;
  if (versions == nullptr || !versions->is_array() || versions->get_array().empty()) {
    causes.push_back(errors::invalid_value("spec.versions", "null", "must have exactly one version marked as storage version"));
  } else {
    for (std::size_t i = 0; i < versions->get_array().size(); ++i) {
      const auto& v = versions->get_array()[i];
      std::string p = "spec.versions[" + std::to_string(i) + "]";
      if (!v.is_object()) continue;
      if (string_at(v.get_object(), "name").empty()) causes.push_back(errors::required(p + ".name"));
      if (const auto* s = v.get_object().if_contains("storage"); s != nullptr && s->is_bool() && s->get_bool()) ++storage;
      if (find_path(v.get_object(), "schema.openAPIV3Schema") == nullptr)
        causes.push_back(errors::required(p + ".schema.openAPIV3Schema", "schemas are required"));
    }
    if (storage != 1)
      causes.push_back(errors::invalid_value("spec.versions", "[]", "must have exactly one version marked as storage version"));
  }
  if (old != nullptr) {
    if (string_at(*old, "spec.group") != group)
      causes.push_back(errors::invalid_value("spec.group", "\"" + group + "\"", "field is immutable"));
    if (string_at(*old, "spec.scope") != scope)
      causes.push_back(errors::invalid_value("spec.scope", "\"" + scope + "\"", "field is immutable"));
  }
  // Names clash with another CRD's plural in the same group?
  if (causes.empty()) {
    for (const auto& t : types_)
      if (t->group == group && t->resource == plural && t->crd_name != name)
        causes.push_back(errors::invalid_value("spec.names.plural", "\"" + plural + "\"", "is already in use"));
  }
  if (!causes.empty()) return errors::invalid("CustomResourceDefinition", "apiextensions.k8s.io", name, std::move(causes));

  if (string_at(names, "singular").empty()) {
    std::string singular = kind;
    std::transform(singular.begin(), singular.end(), singular.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    names["singular"] = singular;
  }
  if (string_at(names, "listKind").empty()) names["listKind"] = kind + "List";
  if (!spec.contains("conversion")) spec["conversion"] = json::object{{"strategy", "None"}};
  for (auto& v : spec["versions"].get_array())
    if (v.is_object() && !v.get_object().contains("served")) v.get_object()["served"] = true;
  auto& status = ensure_object(crd, "status");
  status["acceptedNames"] = names;
  std::string now = rfc3339(std::chrono::system_clock::now());
  json::array conditions;
  conditions.push_back(condition("NamesAccepted", "NoConflicts", "no conflicts found", now));
  conditions.push_back(condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now));
  if (old != nullptr)
    if (const auto* oc = find_path(*old, "status.conditions"); oc != nullptr && oc->is_array()) conditions = oc->get_array();
  status["conditions"] = std::move(conditions);
  json::array stored;
  if (old != nullptr)
    if (const auto* os = find_path(*old, "status.storedVersions"); os != nullptr && os->is_array()) stored = os->get_array();
  for (const auto& v : spec["versions"].get_array()) {
    if (!v.is_object()) continue;
    const auto* s = v.get_object().if_contains("storage");
    if (s != nullptr && s->is_bool() && s->get_bool()) {
      json::value vn = v.get_object().at("name");
      if (std::none_of(stored.begin(), stored.end(), [&](const json::value& x) { return x == vn; })) stored.push_back(vn);
    }
  }
  status["storedVersions"] = std::move(stored);
  return {};
}

void Registry::install_crd(const json::object& crd) {
  std::string name = string_at(crd, "metadata.name");
  remove_crd(name);
  const auto& spec = object_or_empty(crd, "spec");
  const auto& names = object_or_empty(spec, "names");
  const auto* versions = spec.if_contains("versions");
  if (versions == nullptr || !versions->is_array()) return;
  for (const auto& v : versions->get_array()) {
    if (!v.is_object()) continue;
    const auto& version = v.get_object();
    if (const auto* served = version.if_contains("served"); served != nullptr && served->is_bool() && !served->get_bool())
      continue;
    ResourceType t;
    t.group = string_at(spec, "group");
    t.version = string_at(version, "name");
    t.resource = string_at(names, "plural");
    t.kind = string_at(names, "kind");
    t.singular = string_at(names, "singular");
    t.list_kind = string_at(names, "listKind");
    t.namespaced = string_at(spec, "scope") != "Cluster";
    t.short_names = strings_at(names, "shortNames");
    t.categories = strings_at(names, "categories");
    t.verbs = kAllVerbs;
    t.status_subresource = find_path(version, "subresources.status") != nullptr;
    t.custom = true;
    t.crd_name = name;
    t.generation = t.status_subresource ? GenerationPolicy::all_but_metadata_status : GenerationPolicy::all_but_metadata;
    if (const auto* s = find_path(version, "schema.openAPIV3Schema"); s != nullptr && s->is_object())
      t.schema = s->get_object();
    if (const auto* cols = version.if_contains("additionalPrinterColumns"); cols != nullptr && cols->is_array()) {
      for (const auto& c : cols->get_array()) {
        if (!c.is_object()) continue;
        const auto& col = c.get_object();
        PrinterColumn pc{string_at(col, "name"), string_at(col, "type"), string_at(col, "format"),
                         string_at(col, "description"), string_at(col, "jsonPath"), 0};
        if (const auto* p = col.if_contains("priority"); p != nullptr && p->is_number()) pc.priority = int_of(*p);
        t.columns.push_back(std::move(pc));
      }
    }
    add(std::move(t));
  }
}

void Registry::remove_crd(const std::string& crd_name) {
  std::erase_if(types_, [&](const std::unique_ptr<ResourceType>& t) { return t->custom && t->crd_name == crd_name; });
}

}  // namespace dragops::apiserver
