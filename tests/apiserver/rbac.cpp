#include "apiserver/rbac.hpp"

#include "apiserver/authn.hpp"
#include "apiserver/json_util.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cctype>

namespace dragops::apiserver {

namespace {

constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

std::string query_value(const std::map<std::string, std::string>& query, const std::string& key) {
  auto it = query.find(key);
  return it == query.end() ? std::string() : it->second;
}

// Go's strconv.ParseBool, which is how kube reads `watch`.
bool parse_bool(const std::string& text) {
  return text == "1" || text == "t" || text == "T" || text == "true" || text == "TRUE" || text == "True";
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// fields.Selector.RequiresExactMatch("metadata.name"), then path.IsValidPathSegmentName.
std::string exact_name(const std::string& field_selector) {
  std::size_t start = 0;
  while (start <= field_selector.size()) {
    auto comma = field_selector.find(',', start);
    std::string term = trim(field_selector.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    for (std::string_view op : {"==", "="}) {
      std::string prefix = "metadata.name" + std::string(op);
      if (term.starts_with(prefix)) {
        std::string name = trim(term.substr(prefix.size()));
        bool valid = !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
                     name.find('%') == std::string::npos;
        return valid ? name : std::string();
      }
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return {};
}

bool has(const std::vector<std::string>& values, const std::string& wanted) {
  return std::find(values.begin(), values.end(), wanted) != values.end();
}

bool verb_matches(const json::object& rule, const std::string& verb) {
  auto verbs = strings_at(rule, "verbs");
  return has(verbs, "*") || has(verbs, verb);
}

bool resource_matches(const std::vector<std::string>& rule_resources, const std::string& combined,
                      const std::string& subresource) {
  for (const auto& r : rule_resources) {
    if (r == "*" || r == combined) return true;
    if (!subresource.empty() && r.size() == subresource.size() + 2 && r.starts_with("*/") && r.ends_with(subresource))
      return true;
  }
  return false;
}

bool non_resource_url_matches(const std::vector<std::string>& urls, const std::string& path) {
  for (const auto& url : urls) {
    if (url == "*" || url == path) return true;
    if (url.ends_with("*") && path.starts_with(url.substr(0, url.size() - 1))) return true;
  }
  return false;
}

std::string describe_subject(const json::object& subject, const std::string& binding_ns) {
  std::string kind = string_at(subject, "kind");
  std::string name = string_at(subject, "name");
  if (kind == "ServiceAccount") {
    std::string ns = string_at(subject, "namespace");
    name = (ns.empty() ? binding_ns : ns) + "/" + name;
  }
  return kind + " \"" + name + "\"";
}

json::object policy_rule(std::vector<std::string> verbs, std::vector<std::string> groups, std::vector<std::string> resources) {
  auto array = [](const std::vector<std::string>& values) {
    json::array out;
    for (const auto& v : values) out.emplace_back(v);
    return out;
  };
  return {{"verbs", array(verbs)}, {"apiGroups", array(groups)}, {"resources", array(resources)}};
}

json::object non_resource_rule(std::vector<std::string> urls) {
  json::array list;
  for (const auto& u : urls) list.emplace_back(u);
  return {{"verbs", json::array{"get"}}, {"nonResourceURLs", std::move(list)}};
}

}  // namespace

RequestAttributes request_attributes(const std::string& method, const std::string& path,
                                     const std::map<std::string, std::string>& query) {
  RequestAttributes a;
  a.path = path;
  a.verb = method;
  std::transform(a.verb.begin(), a.verb.end(), a.verb.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto parts = split_path(path);
  if (parts.size() < 3) return a;
  std::size_t i = 0;
  if (parts[0] == "api") {
    i = 1;
  } else if (parts[0] == "apis") {
    if (parts.size() < 4) return a;
    a.api_group = parts[1];
    i = 2;
  } else {
    return a;
  }
  a.resource_request = true;
  a.api_version = parts[i++];
  std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
  bool by_method = true;
  if (rest[0] == "watch" || rest[0] == "proxy") {
    if (rest.size() < 2) {  // kube refuses to guess; treat it as nothing it can authorize
      a.resource_request = false;
      return a;
    }
    a.verb = rest[0];
    rest.erase(rest.begin());
    by_method = false;
  } else if (method == "POST") {
    a.verb = "create";
  } else if (method == "GET" || method == "HEAD") {
    a.verb = "get";
  } else if (method == "PUT") {
    a.verb = "update";
  } else if (method == "PATCH") {
    a.verb = "patch";
  } else if (method == "DELETE") {
    a.verb = "delete";
  } else {
    a.verb = "";
  }
  if (rest[0] == "namespaces") {
    if (rest.size() > 1) {
      a.ns = rest[1];
      // /namespaces/<ns>/status and /finalize are subresources of the namespace itself.
      if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") rest.erase(rest.begin(), rest.begin() + 2);
    }
  }
  if (rest.size() >= 3 && a.verb != "proxy") a.subresource = rest[2];
  if (rest.size() >= 2) a.name = rest[1];
  a.resource = rest[0];
  if (by_method && a.name.empty() && a.verb == "get") {
    a.verb = parse_bool(query_value(query, "watch")) ? "watch" : "list";
    a.name = exact_name(query_value(query, "fieldSelector"));
  }
  if (a.name.empty() && a.verb == "delete") a.verb = "deletecollection";
  return a;
}

bool rule_allows(const json::object& rule, const RequestAttributes& a) {
  if (!verb_matches(rule, a.verb)) return false;
  if (!a.resource_request) return non_resource_url_matches(strings_at(rule, "nonResourceURLs"), a.path);
  auto groups = strings_at(rule, "apiGroups");
  if (!has(groups, "*") && !has(groups, a.api_group)) return false;
  std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  if (!resource_matches(strings_at(rule, "resources"), combined, a.subresource)) return false;
  auto names = strings_at(rule, "resourceNames");
  return names.empty() || has(names, a.name);
}

bool subject_matches(const json::object& subject, const UserInfo& user, const std::string& binding_namespace) {
  std::string kind = string_at(subject, "kind");
  std::string name = string_at(subject, "name");
  if (kind == "User") return user.username == name;
  if (kind == "Group") return user.in_group(name);
  if (kind == "ServiceAccount") {
    std::string ns = string_at(subject, "namespace");
    if (ns.empty()) ns = binding_namespace;
    return !ns.empty() && user.username == service_account_username(ns, name);
  }
  return false;
}

const std::vector<json::object>& bootstrap_rules() {
  static const std::vector<json::object> rules = {
      // system:discovery
      non_resource_rule({"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                         "/readyz", "/version", "/version/"}),
      // system:public-info-viewer
      non_resource_rule({"/healthz", "/livez", "/readyz", "/version", "/version/"}),
      // system:basic-user
      policy_rule({"create"}, {"authorization.k8s.io"}, {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}),
      policy_rule({"create"}, {"authentication.k8s.io"}, {"selfsubjectreviews"}),
  };
  return rules;
}

std::vector<json::object> Authorizer::role_rules(const json::object& role_ref, const std::string& binding_ns) const {
  std::string kind = string_at(role_ref, "kind");
  std::string name = string_at(role_ref, "name");
  ObjectPtr role;
  if (kind == "ClusterRole") role = store_.find(std::string(kRbacGroup) + "/clusterroles", "", name);
  else if (kind == "Role" && !binding_ns.empty()) role = store_.find(std::string(kRbacGroup) + "/roles", binding_ns, name);
  std::vector<json::object> out;
  if (role == nullptr) return out;
  if (const auto* rules = role->if_contains("rules"); rules != nullptr && rules->is_array())
    for (const auto& rule : rules->get_array())
      if (rule.is_object()) out.push_back(rule.get_object());
  return out;
}

void Authorizer::visit_rules(const UserInfo& user, const std::string& ns,
                             const std::function<bool(const json::object&, const std::string&)>& visit) const {
  if (user.in_group(kAuthenticatedGroup)) {
    static const char* kSources[] = {"system:discovery", "system:public-info-viewer", "system:basic-user",
                                     "system:basic-user"};
    const auto& rules = bootstrap_rules();
    for (std::size_t i = 0; i < rules.size(); ++i) {
      std::string source = std::string("ClusterRoleBinding \"") + kSources[i] + "\" of ClusterRole \"" + kSources[i] +
                           "\" to Group \"system:authenticated\"";
      if (visit(rules[i], source)) return;
    }
  }
  auto walk = [&](const std::string& collection, const std::string& binding_kind) {
    for (const auto& binding : store_.all_of(collection)) {
      std::string binding_ns = string_at(*binding, "metadata.namespace");
      if (binding_kind == "RoleBinding" && binding_ns != ns) continue;
      const auto* subjects = binding->if_contains("subjects");
      if (subjects == nullptr || !subjects->is_array()) continue;
      for (const auto& subject : subjects->get_array()) {
        if (!subject.is_object() || !subject_matches(subject.get_object(), user, binding_ns)) continue;
        const auto& role_ref = object_or_empty(*binding, "roleRef");
        std::string name = string_at(*binding, "metadata.name");
        if (!binding_ns.empty()) name += "/" + binding_ns;
        std::string source = binding_kind + " \"" + name + "\" of " + string_at(role_ref, "kind") + " \"" +
                             string_at(role_ref, "name") + "\" to " + describe_subject(subject.get_object(), binding_ns);
        for (const auto& rule : role_rules(role_ref, binding_ns))
          if (visit(rule, source)) return true;
        break;  // one matching subject is enough for this binding
      }
    }
    return false;
  };
  if (walk(std::string(kRbacGroup) + "/clusterrolebindings", "ClusterRoleBinding")) return;
  if (!ns.empty()) walk(std::string(kRbacGroup) + "/rolebindings", "RoleBinding");
}

Decision Authorizer::authorize(const RequestAttributes& attributes) const {
  if (attributes.user.in_group(kMastersGroup)) return {true, ""};
  Decision decision;
  visit_rules(attributes.user, attributes.resource_request ? attributes.ns : "",
              [&](const json::object& rule, const std::string& source) {
                if (!rule_allows(rule, attributes)) return false;
                decision = {true, "RBAC: allowed by " + source};
                return true;
              });
  return decision;
}

std::vector<json::object> Authorizer::rules_for(const UserInfo& user, const std::string& ns) const {
  std::vector<json::object> out;
  if (user.in_group(kMastersGroup)) {
    out.push_back(policy_rule({"*"}, {"*"}, {"*"}));
    out.push_back(json::object{{"verbs", json::array{"*"}}, {"nonResourceURLs", json::array{"*"}}});
  }
  visit_rules(user, ns, [&](const json::object& rule, const std::string&) {
    out.push_back(rule);
    return false;
  });
  return out;
}

ApiError forbidden(const RequestAttributes& a) {
  std::string user = "User \"" + a.user.username + "\" cannot " + a.verb;
  if (!a.resource_request) return ApiError{403, "Forbidden", "forbidden: " + user + " path \"" + a.path + "\""};
  std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  std::string why = user + " resource \"" + resource + "\" in API group \"" + a.api_group + "\"" +
                    (a.ns.empty() ? " at the cluster scope" : " in the namespace \"" + a.ns + "\"");
  return errors::forbidden(a.resource, a.api_group, a.name, why);
}

}  // namespace dragops::apiserver
