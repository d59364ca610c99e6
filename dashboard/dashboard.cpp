#include "dashboard.hpp"

#include "web_security.hpp"

#include "common/log.hpp"
#include "common/use_grant.hpp"
#include "crypto/random.hpp"
#include "oauth/pkce.hpp"

#include <openssl/crypto.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <set>

namespace dragops::dashboard {
namespace json = boost::json;
namespace {

constexpr std::string_view kGroup = "/apis/dragops.io/v1alpha1";
constexpr std::string_view kJson = "application/json";

http::Response json_answer(int status, const json::value& body) {
  http::Response response;
  response.status = status;
  response.set_header("Content-Type", "application/json");
  response.body = json::serialize(body);
  return response;
}

http::Response error_answer(int status, std::string_view message, std::string_view reason = {}) {
  json::object body{{"error", message}};
  if (!reason.empty()) body["reason"] = reason;
  return json_answer(status, body);
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

// The API server's answer, passed on: its status and its Status message.
http::Response kube_error(const KubeAnswer& answer) {
  if (answer.status == 0) return error_answer(502, answer.body, "Unreachable");
  std::string message = "the Kubernetes API server answered " + std::to_string(answer.status);
  std::string reason;
  if (auto status = parse_object(answer.body)) {
    if (auto* m = status->if_contains("message"); m && m->is_string()) message = std::string(m->as_string());
    if (auto* r = status->if_contains("reason"); r && r->is_string()) reason = std::string(r->as_string());
  }
  int code = answer.status >= 400 && answer.status < 600 ? answer.status : 502;
  return error_answer(code, message, reason);
}

bool ok(const KubeAnswer& answer) { return answer.status >= 200 && answer.status < 300; }

const json::value* at_path(const json::value& root, std::initializer_list<std::string_view> path) {
  const json::value* v = &root;
  for (auto key : path) {
    if (!v->is_object()) return nullptr;
    v = v->as_object().if_contains(key);
    if (!v) return nullptr;
  }
  return v;
}

std::string string_at(const json::value& root, std::initializer_list<std::string_view> path) {
  const auto* v = at_path(root, path);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto end = query.find('&');
    auto pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view{} : query.substr(end + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
  }
  return {};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

// A query parameter of a whole URL, percent-decoded ("" if absent).
std::string query_param_decoded(std::string_view url, std::string_view name) {
  auto q = url.find('?');
  if (q == std::string_view::npos) return {};
  auto fragment = url.find('#', q);
  return percent_decode(query_param(url.substr(q + 1, fragment == std::string_view::npos ? std::string_view::npos : fragment - q - 1), name));
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto end = path.find('/');
    parts.push_back(path.substr(0, end));
    path = end == std::string_view::npos ? std::string_view{} : path.substr(end);
  }
  return parts;
}

json::object condition(const json::value& object, std::string_view type) {
  if (const auto* conditions = at_path(object, {"status", "conditions"}); conditions && conditions->is_array()) {
    for (const auto& c : conditions->as_array()) {
      if (c.is_object() && string_at(c, {"type"}) == type) return c.as_object();
    }
  }
  return {};
}

std::vector<std::string> split_names(std::string_view list) {
  std::vector<std::string> names;
  while (!list.empty()) {
    auto end = list.find(',');
    auto name = list.substr(0, end);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!name.empty()) names.emplace_back(name);
    list = end == std::string_view::npos ? std::string_view{} : list.substr(end + 1);
  }
  return names;
}

// Sealed values are one line of base64; anything else is refused here before the API server.
bool is_base64_line(std::string_view text) {
  if (text.empty() || text.size() > 65536) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
}

class Api {
 public:
  Api(const KubeCall& kube, std::string token, const DashboardOptions& options)
      : kube_(kube), token_(std::move(token)), options_(options) {}
  ~Api() { std::fill(token_.begin(), token_.end(), '\0'); }

  KubeAnswer call(std::string method, std::string path, std::string body = {}, std::string content_type = {}) {
    KubeRequest request{std::move(method), std::move(path), std::move(body), std::move(content_type)};
    return kube_(request, token_);
  }

  http::Response route(std::string_view method, const std::vector<std::string_view>& parts, std::string_view query,
                       std::string_view body);

 private:
  http::Response permissions(const std::string& ns);
  std::optional<bool> may(json::object attributes, KubeAnswer& unauthorized);
  http::Response namespaces();
  http::Response packs();
  http::Response sealing_key();
  http::Response list(std::string_view resource, const std::string& ns);
  http::Response connection_detail(std::string_view ns, std::string_view name);
  http::Response secret_detail(std::string_view ns, std::string_view name);
  http::Response create(std::string_view resource, std::string_view ns, std::string_view body);
  http::Response patch(std::string_view resource, std::string_view ns, std::string_view name, std::string_view body);
  http::Response remove(std::string_view resource, std::string_view ns, std::string_view name);

  std::map<std::string, json::object> pack_index();
  json::object connection_summary(const json::value& item, const std::map<std::string, json::object>& packs);
  json::object secret_summary(const json::value& item);
  json::array events_for(std::string_view ns, std::string_view kind, std::string_view name, bool& forbidden);
  json::array pods_allowing(std::string_view ns, std::string_view annotation, std::string_view name, bool& forbidden);
  json::array users_of(std::string_view ns, std::string_view resource, std::string_view name, bool& forbidden);
  http::Response share(std::string_view resource, std::string_view ns, std::string_view name, std::string_view body);
  http::Response unshare(std::string_view resource, std::string_view ns, std::string_view name,
                         std::string_view service_account);

  const KubeCall& kube_;
  std::string token_;
  const DashboardOptions& options_;
};

std::string collection(std::string_view resource, std::string_view ns) {
  std::string path(kGroup);
  if (!ns.empty()) path += "/namespaces/" + std::string(ns);
  path += "/" + std::string(resource);
  return path;
}

http::Response Api::route(std::string_view method, const std::vector<std::string_view>& parts, std::string_view query,
                          std::string_view body) {
  // parts[0] == "api"
  if (parts.size() < 2) return error_answer(404, "no such API path");
  const auto what = parts[1];
  if (what == "permissions" && parts.size() == 2 && method == "GET") {
    auto ns = query_param(query, "namespace");
    if (!ns.empty() && !is_dns1123_label(ns)) return error_answer(400, "namespace must be a DNS-1123 label");
    return permissions(ns);
  }
  if (what == "namespaces" && parts.size() == 2 && method == "GET") return namespaces();
  if (what == "packs" && parts.size() == 2 && method == "GET") return packs();
  if (what == "sealing-key" && parts.size() == 2 && method == "GET") return sealing_key();
  if (what != "connections" && what != "secrets") return error_answer(404, "no such API path");
  const std::string_view resource = what;
  if (parts.size() == 2) {
    if (method != "GET") return error_answer(405, "use GET here");
    auto ns = query_param(query, "namespace");
    if (!ns.empty() && !is_dns1123_label(ns)) return error_answer(400, "namespace must be a DNS-1123 label");
    return list(resource, ns);
  }
  const auto ns = parts[2];
  if (!is_dns1123_label(ns)) return error_answer(400, "namespace must be a DNS-1123 label");
  if (parts.size() == 3) {
    if (method != "POST") return error_answer(405, "use POST here");
    return create(resource, ns, body);
  }
  if (parts.size() < 4) return error_answer(404, "no such API path");
  const auto name = parts[3];
  if (!is_dns1123_subdomain(name)) return error_answer(400, "the name must be a DNS-1123 subdomain");
  // .../NAME/share (POST {serviceAccount}) and .../NAME/share/SA (DELETE): the `use` grant.
  if (parts.size() == 5 && parts[4] == "share") {
    if (method != "POST") return error_answer(405, "use POST here");
    return share(resource, ns, name, body);
  }
  if (parts.size() == 6 && parts[4] == "share") {
    if (method != "DELETE") return error_answer(405, "use DELETE here");
    if (!is_dns1123_subdomain(parts[5])) return error_answer(400, "the ServiceAccount must be a DNS-1123 subdomain");
    return unshare(resource, ns, name, parts[5]);
  }
  if (parts.size() != 4) return error_answer(404, "no such API path");
  if (method == "GET") return resource == "connections" ? connection_detail(ns, name) : secret_detail(ns, name);
  if (method == "PATCH") return patch(resource, ns, name, body);
  if (method == "DELETE") return remove(resource, ns, name);
  return error_answer(405, "use GET, PATCH or DELETE here");
}

// A SelfSubjectAccessReview of the user: the answer's status.allowed (false when there is none),
// or nullopt when the API server no longer accepts the user's token (401, passed on).
std::optional<bool> Api::may(json::object attributes, KubeAnswer& unauthorized) {
  json::object review{{"apiVersion", "authorization.k8s.io/v1"},
                      {"kind", "SelfSubjectAccessReview"},
                      {"spec", json::object{{"resourceAttributes", std::move(attributes)}}}};
  auto answer = call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json::serialize(review),
                     std::string(kJson));
  if (answer.status == 401) {
    unauthorized = std::move(answer);
    return std::nullopt;
  }
  auto parsed = ok(answer) ? parse_object(answer.body) : std::nullopt;
  const auto* a = parsed ? at_path(json::value(*parsed), {"status", "allowed"}) : nullptr;
  return a && a->is_bool() && a->as_bool();
}

http::Response Api::permissions(const std::string& ns) {
  json::object out;
  KubeAnswer unauthorized;
  for (std::string_view resource : {"connections", "secrets"}) {
    json::object verbs;
    for (std::string_view verb : {"list", "get", "create", "patch", "delete"}) {
      json::object attributes{{"group", "dragops.io"}, {"resource", resource}, {"verb", verb}};
      if (!ns.empty()) attributes["namespace"] = ns;
      auto allowed = may(std::move(attributes), unauthorized);
      if (!allowed) return kube_error(unauthorized);
      verbs[verb] = *allowed;
    }
    out[resource] = std::move(verbs);
  }
  // Sharing writes a Role and a RoleBinding in the namespace (kubectl dragops share does the same).
  bool may_share = !ns.empty();
  for (std::string_view rbac_resource : {"roles", "rolebindings"}) {
    if (!may_share) break;
    auto allowed = may({{"group", "rbac.authorization.k8s.io"}, {"resource", rbac_resource}, {"verb", "create"},
                        {"namespace", ns}},
                       unauthorized);
    if (!allowed) return kube_error(unauthorized);
    may_share = *allowed;
  }
  out["share"] = may_share;
  return json_answer(200, out);
}

http::Response Api::namespaces() {
  auto answer = call("GET", "/api/v1/namespaces");
  if (answer.status == 403) return json_answer(200, json::object{{"items", json::array{}}, {"forbidden", true}});
  if (!ok(answer)) return kube_error(answer);
  json::array names;
  if (auto list = parse_object(answer.body)) {
    if (auto* items = list->if_contains("items"); items && items->is_array()) {
      for (const auto& item : items->as_array()) names.push_back(json::value(string_at(item, {"metadata", "name"})));
    }
  }
  return json_answer(200, json::object{{"items", names}, {"forbidden", false}});
}

std::map<std::string, json::object> Api::pack_index() {
  std::map<std::string, json::object> index;
  auto answer = call("GET", std::string(kGroup) + "/integrationpacks");
  if (!ok(answer)) return index;
  auto list = parse_object(answer.body);
  if (!list) return index;
  auto* items = list->if_contains("items");
  if (!items || !items->is_array()) return index;
  for (const auto& item : items->as_array()) {
    json::object pack;
    auto name = string_at(item, {"metadata", "name"});
    pack["name"] = name;
    auto display = string_at(item, {"spec", "displayName"});
    pack["displayName"] = display.empty() ? name : display;
    pack["description"] = string_at(item, {"spec", "description"});
    pack["authType"] = string_at(item, {"spec", "authType"});
    json::array fields;
    if (const auto* f = at_path(item, {"spec", "fields"}); f && f->is_array()) {
      for (const auto& field : f->as_array()) {
        if (!field.is_object()) continue;
        const auto& o = field.as_object();
        json::object out;
        out["name"] = string_at(field, {"name"});
        auto label = string_at(field, {"label"});
        out["label"] = label.empty() ? string_at(field, {"name"}) : label;
        out["description"] = string_at(field, {"description"});
        const auto* required = o.if_contains("required");
        out["required"] = !(required && required->is_bool() && !required->as_bool());
        const auto* secret = o.if_contains("secret");
        out["secret"] = secret && secret->is_bool() && secret->as_bool();
        out["format"] = string_at(field, {"format"});
        fields.push_back(std::move(out));
      }
    }
    // An apiKey pack without fields has the one field api_key.
    if (fields.empty() && pack["authType"] == "apiKey") {
      fields.push_back(json::object{{"name", "api_key"}, {"label", "API key"}, {"description", ""},
                                    {"required", true}, {"secret", true}, {"format", ""}});
    }
    pack["fields"] = std::move(fields);
    index[name] = std::move(pack);
  }
  return index;
}

http::Response Api::packs() {
  auto answer = call("GET", std::string(kGroup) + "/integrationpacks");
  if (!ok(answer)) return kube_error(answer);
  json::array items;
  for (auto& [name, pack] : pack_index()) items.push_back(pack);
  return json_answer(200, json::object{{"items", items}});
}

http::Response Api::sealing_key() {
  auto answer = call("GET", "/api/v1/namespaces/" + options_.operator_namespace + "/configmaps/dragops-sealing-key");
  if (answer.status == 404) return error_answer(503, "the operator has not published a sealing key yet (ConfigMap dragops-sealing-key)");
  if (!ok(answer)) return kube_error(answer);
  auto object = parse_object(answer.body);
  if (!object) return error_answer(502, "ConfigMap dragops-sealing-key is not JSON");
  json::value root(std::move(*object));
  auto key = string_at(root, {"data", "publicKey"});
  auto id = string_at(root, {"data", "keyId"});
  if (key.empty() || id.empty()) return error_answer(503, "ConfigMap dragops-sealing-key has no publicKey or keyId");
  return json_answer(200, json::object{{"keyId", id}, {"publicKey", key}});
}

json::object Api::connection_summary(const json::value& item, const std::map<std::string, json::object>& packs) {
  json::object out;
  out["namespace"] = string_at(item, {"metadata", "namespace"});
  out["name"] = string_at(item, {"metadata", "name"});
  auto pack = string_at(item, {"spec", "pack"});
  out["pack"] = pack;
  auto it = packs.find(pack);
  out["service"] = it != packs.end() ? it->second.at("displayName") : json::value(pack);
  auto auth = string_at(item, {"status", "authType"});
  if (auth.empty() && it != packs.end()) auth = std::string(it->second.at("authType").as_string());
  out["authType"] = auth;
  auto ready = condition(item, "Ready");
  out["ready"] = ready.empty() ? "Unknown" : string_at(json::value(ready), {"status"});
  out["reason"] = ready.empty() ? "" : string_at(json::value(ready), {"reason"});
  out["message"] = ready.empty() ? "" : string_at(json::value(ready), {"message"});
  out["expiresAt"] = string_at(item, {"status", "expiresAt"});
  const auto authorization_url = string_at(item, {"status", "authorizationURL"});
  out["authorizable"] = !authorization_url.empty();
  out["redirectURI"] = query_param_decoded(authorization_url, "redirect_uri");
  out["owner"] = string_at(item, {"metadata", "annotations", "dragops.io/owner"});
  out["created"] = string_at(item, {"metadata", "creationTimestamp"});
  const auto* revoked = at_path(item, {"spec", "revoked"});
  out["revoked"] = revoked && revoked->is_bool() && revoked->as_bool();
  out["deleting"] = at_path(item, {"metadata", "deletionTimestamp"}) != nullptr;
  out["source"] = at_path(item, {"spec", "sealedCredentials"}) ? "sealed"
                  : at_path(item, {"spec", "credentialsRef"}) ? "secret" : "oauth";
  return out;
}

json::object Api::secret_summary(const json::value& item) {
  json::object out;
  out["namespace"] = string_at(item, {"metadata", "namespace"});
  out["name"] = string_at(item, {"metadata", "name"});
  json::array envs;
  if (const auto* e = at_path(item, {"spec", "environments"}); e && e->is_object()) {
    for (const auto& [env, source] : e->as_object()) {
      json::object o{{"name", env}};
      o["set"] = source.is_object() && (source.as_object().contains("sealedValue") || source.as_object().contains("secretKeyRef"));
      o["source"] = source.is_object() && source.as_object().contains("sealedValue") ? "sealed" : "secretKeyRef";
      envs.push_back(std::move(o));
    }
  }
  out["environments"] = std::move(envs);
  auto ready = condition(item, "Ready");
  out["ready"] = ready.empty() ? "Unknown" : string_at(json::value(ready), {"status"});
  out["reason"] = ready.empty() ? "" : string_at(json::value(ready), {"reason"});
  out["message"] = ready.empty() ? "" : string_at(json::value(ready), {"message"});
  out["owner"] = string_at(item, {"metadata", "annotations", "dragops.io/owner"});
  out["created"] = string_at(item, {"metadata", "creationTimestamp"});
  out["deleting"] = at_path(item, {"metadata", "deletionTimestamp"}) != nullptr;
  return out;
}

http::Response Api::list(std::string_view resource, const std::string& ns) {
  auto answer = call("GET", collection(resource, ns));
  if (!ok(answer)) return kube_error(answer);
  auto parsed = parse_object(answer.body);
  if (!parsed) return error_answer(502, "the API server's list is not JSON");
  std::map<std::string, json::object> packs;
  if (resource == "connections") packs = pack_index();
  json::array items;
  if (auto* list = parsed->if_contains("items"); list && list->is_array()) {
    for (const auto& item : list->as_array()) {
      items.push_back(resource == "connections" ? connection_summary(item, packs) : secret_summary(item));
    }
  }
  return json_answer(200, json::object{{"items", items}});
}

json::array Api::events_for(std::string_view ns, std::string_view kind, std::string_view name, bool& forbidden) {
  json::array out;
  auto answer = call("GET", "/api/v1/namespaces/" + std::string(ns) + "/events?fieldSelector=involvedObject.name%3D" +
                                std::string(name));
  forbidden = answer.status == 403;
  if (!ok(answer)) return out;
  auto parsed = parse_object(answer.body);
  if (!parsed) return out;
  std::vector<json::object> events;
  if (auto* items = parsed->if_contains("items"); items && items->is_array()) {
    for (const auto& e : items->as_array()) {
      if (string_at(e, {"involvedObject", "name"}) != name) continue;
      auto k = string_at(e, {"involvedObject", "kind"});
      if (!k.empty() && k != kind) continue;
      auto time = string_at(e, {"lastTimestamp"});
      if (time.empty()) time = string_at(e, {"eventTime"});
      if (time.empty()) time = string_at(e, {"metadata", "creationTimestamp"});
      const auto* count = at_path(e, {"count"});
      events.push_back(json::object{{"type", string_at(e, {"type"})},
                                    {"reason", string_at(e, {"reason"})},
                                    {"message", string_at(e, {"message"})},
                                    {"time", time},
                                    {"count", count && count->is_int64() ? count->as_int64() : 1}});
    }
  }
  std::sort(events.begin(), events.end(), [](const json::object& a, const json::object& b) {
    return a.at("time").as_string() < b.at("time").as_string();
  });
  for (auto& e : events) out.push_back(std::move(e));
  return out;
}

json::array Api::pods_allowing(std::string_view ns, std::string_view annotation, std::string_view name, bool& forbidden) {
  json::array out;
  auto answer = call("GET", "/api/v1/namespaces/" + std::string(ns) + "/pods");
  forbidden = answer.status == 403;
  if (!ok(answer)) return out;
  auto parsed = parse_object(answer.body);
  if (!parsed) return out;
  if (auto* items = parsed->if_contains("items"); items && items->is_array()) {
    for (const auto& pod : items->as_array()) {
      const auto* annotations = at_path(pod, {"metadata", "annotations"});
      if (!annotations || !annotations->is_object()) continue;
      const auto* list = annotations->as_object().if_contains(annotation);
      if (!list || !list->is_string()) continue;
      auto names = split_names(list->as_string());
      if (std::find(names.begin(), names.end(), name) == names.end()) continue;
      out.push_back(json::object{{"name", string_at(pod, {"metadata", "name"})},
                                 {"serviceAccount", string_at(pod, {"spec", "serviceAccountName"})}});
    }
  }
  return out;
}

// The label value of the use grants the dashboard writes (kubectl dragops share writes
// "kubectl-dragops"), and the grant of `resource` ("connections" or "secrets") named `name`.
constexpr std::string_view kShareManager = "dragops-dashboard";
use_grant::ShareGrant share_grant(std::string_view resource, std::string_view ns, std::string_view name,
                                  std::string_view service_account) {
  return {std::string(resource.substr(0, resource.size() - 1)), std::string(name), std::string(ns),
          std::string(service_account)};
}

// Who may use the object, read from the namespace's RoleBindings and the Roles and ClusterRoles
// they name, with the user's own rights (forbidden: the user may not list them): each
// ServiceAccount subject, and groups of ServiceAccounts. Grants through ClusterRoleBindings are not
// shown (docs/dashboard.md).
json::array Api::users_of(std::string_view ns, std::string_view resource, std::string_view name, bool& forbidden) {
  json::array out;
  const std::string rbac = "/apis/rbac.authorization.k8s.io/v1";
  auto bindings = call("GET", rbac + "/namespaces/" + std::string(ns) + "/rolebindings");
  forbidden = bindings.status == 403;
  if (!ok(bindings)) return out;
  auto parsed = parse_object(bindings.body);
  if (!parsed) return out;
  std::map<std::string, bool> grants;   // "Role/x" or "ClusterRole/x" -> grants use on the object
  auto role_grants = [&](const std::string& kind, const std::string& role) {
    const std::string key = kind + "/" + role;
    if (auto it = grants.find(key); it != grants.end()) return it->second;
    auto answer = call("GET", kind == "Role" ? rbac + "/namespaces/" + std::string(ns) + "/roles/" + role
                                             : rbac + "/clusterroles/" + role);
    bool granted = false;
    if (auto object = ok(answer) ? parse_object(answer.body) : std::nullopt) {
      if (const auto* rules = object->if_contains("rules"); rules && rules->is_array()) {
        for (const auto& rule : rules->as_array()) granted = granted || use_grant::rule_grants_use(rule, resource, name);
      }
    }
    return grants[key] = granted;
  };
  std::set<std::string> seen;
  if (const auto* items = parsed->if_contains("items"); items && items->is_array()) {
    for (const auto& binding : items->as_array()) {
      const auto kind = string_at(binding, {"roleRef", "kind"});
      const auto role = string_at(binding, {"roleRef", "name"});
      if ((kind != "Role" && kind != "ClusterRole") || role.empty() || !role_grants(kind, role)) continue;
      const auto* subjects = at_path(binding, {"subjects"});
      if (!subjects || !subjects->is_array()) continue;
      for (const auto& subject : subjects->as_array()) {
        const auto subject_kind = string_at(subject, {"kind"});
        std::string who;
        if (subject_kind == "ServiceAccount") {
          auto subject_ns = string_at(subject, {"namespace"});
          if (subject_ns.empty()) subject_ns = std::string(ns);
          if (subject_ns != ns) continue;   // pods of another namespace cannot run here
          who = string_at(subject, {"name"});
        } else if (subject_kind == "Group") {
          const auto group = string_at(subject, {"name"});
          if (group == "system:serviceaccounts" || group == "system:serviceaccounts:" + std::string(ns)) who = "*";
        }
        if (who.empty()) continue;
        const std::string binding_name = string_at(binding, {"metadata", "name"});
        if (!seen.insert(who + "/" + binding_name).second) continue;
        const auto manager = string_at(binding, {"metadata", "labels", "app.kubernetes.io/managed-by"});
        const bool ours = manager == kShareManager || manager == "kubectl-dragops";
        out.push_back(json::object{
            {"serviceAccount", who},
            {"binding", binding_name},
            {"shared", ours && binding_name == use_grant::use_binding_name(share_grant(resource, ns, name, who))}});
      }
    }
  }
  return out;
}

http::Response Api::share(std::string_view resource, std::string_view ns, std::string_view name, std::string_view body) {
  auto input = parse_object(body);
  if (!input) return error_answer(400, "the body must be a JSON object");
  const auto service_account = string_at(json::value(std::move(*input)), {"serviceAccount"});
  if (!is_dns1123_subdomain(service_account)) return error_answer(400, "ServiceAccount must be a DNS-1123 subdomain");
  const auto grant = share_grant(resource, ns, name, service_account);
  const std::string rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/" + std::string(ns);
  // The Role may exist already (shared with another ServiceAccount); the RoleBinding too (shared before).
  auto role = call("POST", rbac + "/roles", json::serialize(use_grant::use_role(grant, kShareManager)), std::string(kJson));
  if (!ok(role) && role.status != 409) return kube_error(role);
  auto binding = call("POST", rbac + "/rolebindings", json::serialize(use_grant::use_role_binding(grant, kShareManager)),
                      std::string(kJson));
  if (!ok(binding) && binding.status != 409) return kube_error(binding);
  return json_answer(ok(binding) ? 201 : 200, json::object{{"serviceAccount", service_account},
                                                          {"binding", use_grant::use_binding_name(grant)}});
}

http::Response Api::unshare(std::string_view resource, std::string_view ns, std::string_view name,
                            std::string_view service_account) {
  const auto grant = share_grant(resource, ns, name, service_account);
  auto answer = call("DELETE", "/apis/rbac.authorization.k8s.io/v1/namespaces/" + std::string(ns) + "/rolebindings/" +
                                   use_grant::use_binding_name(grant));
  if (!ok(answer) && answer.status != 404) return kube_error(answer);
  return json_answer(200, json::object{{"serviceAccount", service_account}, {"shared", false}});
}

http::Response Api::connection_detail(std::string_view ns, std::string_view name) {
  auto answer = call("GET", collection("connections", ns) + "/" + std::string(name));
  if (!ok(answer)) return kube_error(answer);
  auto parsed = parse_object(answer.body);
  if (!parsed) return error_answer(502, "the API server's answer is not JSON");
  json::value item(std::move(*parsed));
  auto out = connection_summary(item, pack_index());
  json::array conditions;
  if (const auto* c = at_path(item, {"status", "conditions"}); c && c->is_array()) {
    for (const auto& cond : c->as_array()) {
      conditions.push_back(json::object{{"type", string_at(cond, {"type"})},
                                        {"status", string_at(cond, {"status"})},
                                        {"reason", string_at(cond, {"reason"})},
                                        {"message", string_at(cond, {"message"})},
                                        {"time", string_at(cond, {"lastTransitionTime"})}});
    }
  }
  out["conditions"] = std::move(conditions);
  json::array fields;
  if (const auto* s = at_path(item, {"spec", "sealedCredentials"}); s && s->is_object()) {
    for (const auto& [field, value] : s->as_object()) fields.push_back(json::value(field));
  }
  out["sealedFields"] = std::move(fields);
  bool events_forbidden = false, pods_forbidden = false;
  out["events"] = events_for(ns, "Connection", name, events_forbidden);
  out["eventsForbidden"] = events_forbidden;
  out["pods"] = pods_allowing(ns, "dragops.io/connections", name, pods_forbidden);
  out["podsForbidden"] = pods_forbidden;
  bool users_forbidden = false;
  out["users"] = users_of(ns, "connections", name, users_forbidden);
  out["usersForbidden"] = users_forbidden;
  return json_answer(200, out);
}

http::Response Api::secret_detail(std::string_view ns, std::string_view name) {
  auto answer = call("GET", collection("secrets", ns) + "/" + std::string(name));
  if (!ok(answer)) return kube_error(answer);
  auto parsed = parse_object(answer.body);
  if (!parsed) return error_answer(502, "the API server's answer is not JSON");
  json::value item(std::move(*parsed));
  auto out = secret_summary(item);
  bool events_forbidden = false, pods_forbidden = false;
  out["events"] = events_for(ns, "Secret", name, events_forbidden);
  out["eventsForbidden"] = events_forbidden;
  out["pods"] = pods_allowing(ns, "dragops.io/secrets", name, pods_forbidden);
  out["podsForbidden"] = pods_forbidden;
  bool users_forbidden = false;
  out["users"] = users_of(ns, "secrets", name, users_forbidden);
  out["usersForbidden"] = users_forbidden;
  return json_answer(200, out);
}

http::Response Api::create(std::string_view resource, std::string_view ns, std::string_view body) {
  auto input = parse_object(body);
  if (!input) return error_answer(400, "the body must be a JSON object");
  json::value in(std::move(*input));
  auto name = string_at(in, {"name"});
  if (!is_dns1123_subdomain(name)) return error_answer(400, "Name must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')");
  json::object object{{"apiVersion", "dragops.io/v1alpha1"},
                      {"kind", resource == "connections" ? "Connection" : "Secret"},
                      {"metadata", json::object{{"name", name}, {"namespace", ns}}}};
  json::object spec;
  if (resource == "connections") {
    auto pack = string_at(in, {"pack"});
    if (!is_dns1123_subdomain(pack)) return error_answer(400, "pick a service");
    spec["pack"] = pack;
    const auto* sealed = at_path(in, {"sealedCredentials"});
    if (sealed && sealed->is_object() && !sealed->as_object().empty()) {
      json::object values;
      for (const auto& [field, value] : sealed->as_object()) {
        if (!value.is_string() || !is_base64_line(value.as_string())) {
          return error_answer(400, "sealedCredentials." + std::string(field) + " is not a sealed value");
        }
        values[field] = value;
      }
      spec["sealedCredentials"] = std::move(values);
    }
    if (const auto* client = at_path(in, {"oauthClientSecret"}); client && client->is_string() && !client->as_string().empty()) {
      if (!is_dns1123_subdomain(client->as_string())) return error_answer(400, "the OAuth client Secret must be a DNS-1123 subdomain");
      spec["oauth"] = json::object{{"clientRef", json::object{{"name", client->as_string()}}}};
    }
  } else {
    const auto* envs = at_path(in, {"environments"});
    if (!envs || !envs->is_object() || envs->as_object().empty()) return error_answer(400, "add at least one environment");
    json::object environments;
    for (const auto& [env, value] : envs->as_object()) {
      if (!is_dns1123_label(env)) return error_answer(400, "environment \"" + std::string(env) + "\" must be a DNS-1123 label");
      if (!value.is_string() || !is_base64_line(value.as_string())) {
        return error_answer(400, "environment \"" + std::string(env) + "\" is not a sealed value");
      }
      environments[env] = json::object{{"sealedValue", value}};
    }
    spec["environments"] = std::move(environments);
  }
  object["spec"] = std::move(spec);
  auto answer = call("POST", collection(resource, ns), json::serialize(object), std::string(kJson));
  if (!ok(answer)) return kube_error(answer);
  return json_answer(201, json::object{{"namespace", ns}, {"name", name}});
}

http::Response Api::patch(std::string_view resource, std::string_view ns, std::string_view name, std::string_view body) {
  auto input = parse_object(body);
  if (!input) return error_answer(400, "the body must be a JSON object");
  json::object spec;
  if (const auto* revoked = input->if_contains("revoked")) {
    if (!revoked->is_bool()) return error_answer(400, "revoked must be true or false");
    spec["revoked"] = revoked->as_bool();
  }
  if (resource == "connections") {
    if (const auto* sealed = input->if_contains("sealedCredentials")) {
      if (!sealed->is_object() || sealed->as_object().empty()) return error_answer(400, "sealedCredentials must be an object");
      json::object values;
      for (const auto& [field, value] : sealed->as_object()) {
        if (value.is_null()) {
          values[field] = nullptr;
          continue;
        }
        if (!value.is_string() || !is_base64_line(value.as_string())) {
          return error_answer(400, "sealedCredentials." + std::string(field) + " is not a sealed value");
        }
        values[field] = value;
      }
      spec["sealedCredentials"] = std::move(values);
      spec["credentialsRef"] = nullptr;
    }
  } else if (const auto* envs = input->if_contains("environments")) {
    if (!envs->is_object() || envs->as_object().empty()) return error_answer(400, "environments must be an object");
    json::object environments;
    for (const auto& [env, value] : envs->as_object()) {
      if (!is_dns1123_label(env)) return error_answer(400, "environment \"" + std::string(env) + "\" must be a DNS-1123 label");
      if (value.is_null()) {
        environments[env] = nullptr;
        continue;
      }
      if (!value.is_string() || !is_base64_line(value.as_string())) {
        return error_answer(400, "environment \"" + std::string(env) + "\" is not a sealed value");
      }
      environments[env] = json::object{{"sealedValue", value}, {"secretKeyRef", nullptr}};
    }
    spec["environments"] = std::move(environments);
  }
  if (spec.empty()) return error_answer(400, "nothing to change");
  auto answer = call("PATCH", collection(resource, ns) + "/" + std::string(name),
                     json::serialize(json::object{{"spec", spec}}), "application/merge-patch+json");
  if (!ok(answer)) return kube_error(answer);
  return json_answer(200, json::object{{"namespace", ns}, {"name", name}});
}

http::Response Api::remove(std::string_view resource, std::string_view ns, std::string_view name) {
  auto answer = call("DELETE", collection(resource, ns) + "/" + std::string(name));
  if (!ok(answer)) return kube_error(answer);
  return json_answer(200, json::object{{"namespace", ns}, {"name", name}, {"deleted", true}});
}

}  // namespace

bool is_dns1123_label(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  if (!std::isalnum(static_cast<unsigned char>(text.front())) || !std::isalnum(static_cast<unsigned char>(text.back()))) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool is_dns1123_subdomain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  while (true) {
    auto dot = text.find('.');
    if (!is_dns1123_label(text.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    text.remove_prefix(dot + 1);
  }
}

Dashboard::Dashboard(DashboardOptions options, SessionStore& sessions, KubeCall kube, AssetLookup assets, HttpGet forward,
                     SessionStore::Now now)
    : options_(std::move(options)),
      sessions_(sessions),
      kube_(std::move(kube)),
      assets_(std::move(assets)),
      forward_(std::move(forward)),
      now_(std::move(now)) {}

namespace {

std::string random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> random(bytes);
  crypto::random_bytes(random);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto b : random) {
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  }
  return out;
}

http::Response html_page(int status, std::string_view title, std::string_view text, std::string_view link) {
  http::Response response;
  response.status = status;
  response.set_header("Content-Type", "text/html; charset=utf-8");
  response.body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + std::string(title) +
                  "</title><link rel=\"stylesheet\" href=\"/app.css\"></head><body><main><h1>" + std::string(title) +
                  "</h1><p>" + std::string(text) + "</p><p><a href=\"" + std::string(link) +
                  "\">Back to the dashboard</a></p></main></body></html>";
  return response;
}

}  // namespace

// The authorization URL the operator published, handed to the signed-in user who may patch the
// Connection, and bound to this browser: a random value in an HttpOnly cookie (SameSite=Lax, so
// that the provider's redirect, a top-level navigation from another site, carries it) whose hash
// is kept with the URL's state. The callback is forwarded only with that cookie.
http::Response Dashboard::authorize(std::string_view token, std::string_view ns, std::string_view name) {
  if (options_.oauth_callback_url.empty() || !forward_) {
    return error_answer(409, "this dashboard does not take OAuth callbacks (--oauth-callback-url is not set)");
  }
  json::object review{{"apiVersion", "authorization.k8s.io/v1"},
                      {"kind", "SelfSubjectAccessReview"},
                      {"spec", json::object{{"resourceAttributes", json::object{{"group", "dragops.io"},
                                                                                   {"resource", "connections"},
                                                                                   {"verb", "patch"},
                                                                                   {"namespace", ns},
                                                                                   {"name", name}}}}}};
  auto access = kube_(KubeRequest{"POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json::serialize(review),
                                  std::string(kJson)},
                      token);
  if (!ok(access)) return kube_error(access);
  auto parsed_access = parse_object(access.body);
  const auto* allowed = parsed_access ? at_path(json::value(*parsed_access), {"status", "allowed"}) : nullptr;
  if (!allowed || !allowed->is_bool() || !allowed->as_bool()) {
    return error_answer(403, "you may not authorize this Connection: it needs patch on connections.dragops.io \"" +
                                 std::string(name) + "\" in " + std::string(ns), "Forbidden");
  }
  auto answer = kube_(KubeRequest{"GET", collection("connections", ns) + "/" + std::string(name), {}, {}}, token);
  if (!ok(answer)) return kube_error(answer);
  auto object = parse_object(answer.body);
  if (!object) return error_answer(502, "the API server's answer is not JSON");
  json::value item(std::move(*object));
  const auto url = string_at(item, {"status", "authorizationURL"});
  if (url.empty()) {
    auto ready = condition(item, "Ready");
    return error_answer(409, "the operator has not published an authorization URL for this Connection" +
                                 (ready.empty() ? std::string() : ": " + string_at(json::value(ready), {"message"})));
  }
  const auto state = query_param_decoded(url, "state");
  if (state.empty()) return error_answer(502, "the authorization URL has no state");
  const auto secret = random_hex(32);
  {
    std::lock_guard lock(bindings_mutex_);
    const auto now = now_();
    std::erase_if(bindings_, [&](const auto& entry) { return entry.second.expires <= now; });
    if (bindings_.size() >= 10'000) bindings_.erase(bindings_.begin());
    bindings_[state] = Binding{sha256_hex(secret), std::string(ns), std::string(name), now + options_.oauth_binding_lifetime};
  }
  auto response = json_answer(200, json::object{{"url", url}});
  std::string cookie = std::string(kOAuthCookie) + "=" + secret + "; Path=/oauth/callback; Max-Age=" +
                       std::to_string(options_.oauth_binding_lifetime.count()) + "; HttpOnly; SameSite=Lax";
  if (options_.secure_cookie) cookie += "; Secure";
  response.set_header("Set-Cookie", cookie);
  return response;
}

http::Response Dashboard::oauth_callback(const http::Request& request, std::string_view query) {
  if (options_.oauth_callback_url.empty() || !forward_) return html_page(404, "Not found", "This dashboard takes no OAuth callbacks.", "/");
  const auto state = percent_decode(query_param(query, "state"));
  const auto cookie = cookie_value(request.header("cookie"), kOAuthCookie);
  Binding binding;
  {
    std::lock_guard lock(bindings_mutex_);
    auto it = bindings_.find(state);
    if (state.empty() || it == bindings_.end() || it->second.expires <= now_()) {
      return html_page(400, "Authorization not recognised",
                       "This authorization was not started from this dashboard, or it expired. Start it again with Authorize.", "/");
    }
    // Constant-time enough: both are hex SHA-256 digests of equal length.
    const auto presented = sha256_hex(cookie);
    unsigned char diff = cookie.empty() ? 1 : 0;
    for (std::size_t i = 0; i < presented.size(); ++i) diff |= presented[i] ^ it->second.cookie_hash[i];
    if (diff != 0) {
      // Someone else's browser (a copied link): the code goes nowhere, the flow stays open for
      // the person who started it.
      return html_page(403, "Authorization refused",
                       "This authorization was started in another browser session. The person who started it has to "
                       "finish it; nothing was changed.", "/");
    }
    binding = it->second;
    bindings_.erase(it);
  }
  auto answer = forward_(options_.oauth_callback_url + "?" + std::string(query));
  const std::string back = "/#/connections/" + binding.ns + "/" + binding.name;
  if (answer.status >= 200 && answer.status < 300) {
    http::Response response;
    response.status = 303;
    response.set_header("Location", back);
    response.set_header("Set-Cookie", std::string(kOAuthCookie) + "=; Path=/oauth/callback; Max-Age=0; HttpOnly; SameSite=Lax" +
                                          (options_.secure_cookie ? "; Secure" : ""));
    return response;
  }
  if (answer.status == 0) return html_page(502, "The operator cannot be reached", "Its OAuth callback did not answer; try again.", back);
  return html_page(answer.status, "Authorization failed",
                   "The operator did not accept this authorization (HTTP " + std::to_string(answer.status) +
                       "); the Connection's status says why.", back);
}

namespace {

std::string oidc_cookie(std::string_view value, std::chrono::seconds max_age, bool secure) {
  // SameSite=Lax: the issuer's redirect back is a top-level navigation from another site, which
  // a Strict cookie would not come with. Only /oidc/callback ever receives it.
  std::string cookie = std::string(kOidcCookie) + "=" + std::string(value) + "; Path=/oidc/callback; Max-Age=" +
                       std::to_string(max_age.count()) + "; HttpOnly; SameSite=Lax";
  if (secure) cookie += "; Secure";
  return cookie;
}

// Only an RFC 6749 error code (a short word) from the issuer's redirect is shown back.
std::string error_code(std::string_view text) {
  if (text.empty() || text.size() > 64) return "unknown";
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return "unknown";
  }
  return std::string(text);
}

}  // namespace

// Starts an OIDC sign-in: the state, nonce and PKCE verifier stay here, under the hash of a
// random pre-session cookie that only this browser holds; the browser goes to the issuer.
http::Response Dashboard::oidc_login() {
  if (!options_.oidc) return html_page(404, "Not found", "OIDC sign-in is not configured on this dashboard.", "/");
  const auto cookie = random_hex(32);
  LoginAttempt attempt{random_hex(32), random_hex(32), {}, now_() + options_.oidc_login_lifetime};
  auto pkce = oauth::make_pkce();
  auto url = options_.oidc->authorization_url(attempt.state, attempt.nonce, pkce.challenge);
  if (!url) {
    log::warn("oidc sign-in cannot start", {{"error", boost::json::string_view(url.error().message)}});
    return html_page(502, "Sign-in unavailable", "The OIDC issuer cannot be reached; sign in with a token, or try again.", "/");
  }
  attempt.verifier = std::move(pkce.verifier);
  {
    std::lock_guard lock(logins_mutex_);
    const auto now = now_();
    std::erase_if(logins_, [&](const auto& entry) { return entry.second.expires <= now; });
    if (logins_.size() >= 10'000) logins_.erase(logins_.begin());
    logins_[sha256_hex(cookie)] = std::move(attempt);
  }
  http::Response response;
  response.status = 303;
  response.set_header("Location", *url);
  response.set_header("Set-Cookie", oidc_cookie(cookie, options_.oidc_login_lifetime, options_.secure_cookie));
  return response;
}

// The issuer's redirect: accepted only with the pre-session cookie of the browser that started
// it and that sign-in's state; the pre-session is used up either way. Nothing of the query (the
// code) is logged.
http::Response Dashboard::oidc_callback(const http::Request& request, std::string_view query) {
  if (!options_.oidc) return html_page(404, "Not found", "OIDC sign-in is not configured on this dashboard.", "/");
  const auto cookie = cookie_value(request.header("cookie"), kOidcCookie);
  std::optional<LoginAttempt> attempt;
  {
    std::lock_guard lock(logins_mutex_);
    if (!cookie.empty()) {
      auto it = logins_.find(sha256_hex(cookie));
      if (it != logins_.end()) {
        if (it->second.expires > now_()) attempt = std::move(it->second);
        logins_.erase(it);
      }
    }
  }
  auto refused = [&](int status, std::string_view title, std::string_view text) {
    log::warn("oidc sign-in refused", {{"status", status}, {"reason", boost::json::string_view(title.data(), title.size())}});
    auto response = html_page(status, title, text, "/");
    response.set_header("Set-Cookie", oidc_cookie("", std::chrono::seconds(0), options_.secure_cookie));
    return response;
  };
  if (!attempt) {
    return refused(400, "Sign-in not recognised",
                   "This sign-in was not started in this browser, or it expired. Sign in again; no session was created.");
  }
  const auto state = percent_decode(query_param(query, "state"));
  if (state.size() != attempt->state.size() ||
      CRYPTO_memcmp(state.data(), attempt->state.data(), state.size()) != 0) {
    return refused(400, "Sign-in refused", "The state of this sign-in does not match the one this browser started. No session was created.");
  }
  if (auto error = query_param(query, "error"); !error.empty()) {
    return refused(401, "Sign-in refused by the issuer",
                   "The OIDC issuer answered " + error_code(percent_decode(error)) + ". No session was created.");
  }
  auto code = percent_decode(query_param(query, "code"));
  if (code.empty()) return refused(400, "Sign-in refused", "The issuer's redirect has no code. No session was created.");
  auto signed_in = options_.oidc->exchange(code, attempt->verifier, attempt->nonce);
  OPENSSL_cleanse(code.data(), code.size());
  if (!signed_in) {
    log::warn("oidc sign-in failed", {{"error", boost::json::string_view(signed_in.error().message)}});
    return refused(401, "Sign-in failed", "The ID token was not accepted: " + signed_in.error().message + ". No session was created.");
  }
  // The API server decides: it authenticates the ID token (it trusts the same issuer) or not.
  json::object review{{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}};
  auto answer = kube_(KubeRequest{"POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", json::serialize(review),
                                  std::string(kJson)},
                      signed_in->id_token.view());
  if (answer.status == 401) {
    return refused(401, "Sign-in failed",
                   "The Kubernetes API server did not accept the ID token: it must trust this issuer "
                   "(--oidc-issuer-url, --oidc-client-id). No session was created.");
  }
  if (!ok(answer)) return refused(502, "Sign-in failed", "The Kubernetes API server answered " + std::to_string(answer.status) + ".");
  std::string user;
  if (auto parsed = parse_object(answer.body)) user = string_at(json::value(std::move(*parsed)), {"status", "userInfo", "username"});
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(signed_in->claims.expires - oidc::SystemClock::now());
  if (left.count() <= 0) return refused(401, "Sign-in failed", "The ID token has expired. No session was created.");
  auto id = sessions_.create(std::move(signed_in->id_token), user, left);
  if (auto old = cookie_value(request.header("cookie"), kSessionCookie); !old.empty()) sessions_.remove(old);
  log::info("oidc sign-in", {{"user", boost::json::string_view(user)}, {"expires_in", std::min(left, sessions_.options().max_age).count()}});
  http::Response response;
  response.status = 303;
  response.set_header("Location", "/");
  response.set_header("Set-Cookie", session_cookie(id, std::min(left, sessions_.options().max_age), options_.secure_cookie));
  response.set_header("Set-Cookie", oidc_cookie("", std::chrono::seconds(0), options_.secure_cookie));
  return response;
}

http::Response Dashboard::operator()(const http::Request& request) {
  const auto started = std::chrono::steady_clock::now();
  auto response = handle(request);
  const auto path = std::string_view(request.target).substr(0, request.target.find('?'));
  const bool api_answer = path.starts_with("/api/");
  add_security_headers(response, api_answer);
  if (api_answer) {
    // Method, path (names only: values never travel in a URL) and status; never a header or body.
    log::info("request", {{"method", boost::json::string_view(request.method)},
                          {"path", boost::json::string_view(path.data(), path.size())},
                          {"status", response.status},
                          {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()}});
  }
  return response;
}

http::Response Dashboard::handle(const http::Request& request) {
  const std::string_view target = request.target;
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  if (path == "/healthz") {
    http::Response response;
    response.set_header("Content-Type", "text/plain");
    response.body = "ok\n";
    return response;
  }
  if (path.starts_with("/api/")) return api(request, path, query);
  if (path == "/oauth/callback" && request.method == "GET") return oauth_callback(request, query);
  if (path == "/oidc/login" && request.method == "GET") return oidc_login();
  if (path == "/oidc/callback" && request.method == "GET") return oidc_callback(request, query);
  if (request.method != "GET" && request.method != "HEAD") return error_answer(405, "use GET for pages");
  const Asset* asset = assets_ ? assets_(path == "/" ? "/index.html" : path) : nullptr;
  if (!asset) {
    http::Response response;
    response.status = 404;
    response.set_header("Content-Type", "text/plain");
    response.body = "not found\n";
    return response;
  }
  http::Response response;
  response.set_header("Content-Type", std::string(asset->content_type));
  if (request.method == "GET") response.body = std::string(asset->body);
  return response;
}

http::Response Dashboard::api(const http::Request& request, std::string_view path, std::string_view query) {
  if (!origin_allowed(request, options_.allowed_origins)) {
    return error_answer(403, "cross-origin request refused: unsafe methods need this dashboard's own Origin");
  }
  if (is_unsafe_method(request.method) && request.method != "DELETE") {
    const auto type = request.header("content-type");
    if (!type.starts_with("application/json")) return error_answer(415, "send application/json");
  }
  const auto parts = split_path(path);
  const auto id = cookie_value(request.header("cookie"), kSessionCookie);
  if (parts.size() == 2 && parts[1] == "sign-in-options") {
    if (request.method != "GET") return error_answer(405, "use GET here");
    return json_answer(200, json::object{{"oidc", options_.oidc != nullptr}});
  }

  if (parts.size() == 2 && parts[1] == "session") {
    if (request.method == "POST") {
      auto input = parse_object(request.body);
      const json::value* token = input ? input->if_contains("token") : nullptr;
      if (!token || !token->is_string() || token->as_string().empty()) return error_answer(400, "Token is required");
      std::string_view text = token->as_string();
      if (text.size() > 16384 || std::any_of(text.begin(), text.end(), [](char c) {
            return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f;
          })) {
        return error_answer(400, "Token must be one line of printable characters, as kubectl create token prints it");
      }
      json::object review{{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}};
      auto answer = kube_(KubeRequest{"POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", json::serialize(review),
                                      std::string(kJson)},
                          text);
      if (answer.status == 401) return error_answer(401, "the Kubernetes API server did not accept this token", "Unauthorized");
      if (!ok(answer)) return kube_error(answer);
      std::string user;
      if (auto parsed = parse_object(answer.body)) user = string_at(json::value(std::move(*parsed)), {"status", "userInfo", "username"});
      auto secret = crypto::SecretBytes::from_string(text);
      if (input) input->clear();
      auto new_id = sessions_.create(std::move(secret), user);
      if (!id.empty()) sessions_.remove(id);
      auto response = json_answer(200, json::object{{"user", user}, {"expiresIn", sessions_.options().max_age.count()}});
      response.set_header("Set-Cookie", session_cookie(new_id, sessions_.options().max_age, options_.secure_cookie));
      return response;
    }
    if (request.method == "DELETE") {
      if (!id.empty()) sessions_.remove(id);
      auto response = json_answer(200, json::object{{"signedOut", true}});
      response.set_header("Set-Cookie", cleared_session_cookie(options_.secure_cookie));
      return response;
    }
    if (request.method == "GET") {
      auto session = id.empty() ? std::nullopt : sessions_.find(id);
      if (!session) return error_answer(401, "not signed in", "Unauthorized");
      return json_answer(200, json::object{{"user", session->user}, {"expiresIn", sessions_.remaining(id).count()}});
    }
    return error_answer(405, "use GET, POST or DELETE here");
  }

  auto session = id.empty() ? std::nullopt : sessions_.find(id);
  if (!session) {
    auto response = error_answer(401, "not signed in, or the session expired", "Unauthorized");
    if (!id.empty()) response.set_header("Set-Cookie", cleared_session_cookie(options_.secure_cookie));
    return response;
  }
  if (parts.size() == 5 && parts[1] == "connections" && parts[4] == "authorize" && request.method == "POST") {
    if (!is_dns1123_label(parts[2]) || !is_dns1123_subdomain(parts[3])) return error_answer(400, "not a Kubernetes name");
    std::string token(session->token.view());
    session.reset();
    auto response = authorize(token, parts[2], parts[3]);
    std::fill(token.begin(), token.end(), '\0');
    return response;
  }
  if (parts.size() == 3 && parts[1] == "oauth" && parts[2] == "callback-check" && request.method == "GET") {
    if (options_.oauth_callback_url.empty() || !forward_) {
      return json_answer(200, json::object{{"configured", false}, {"reachable", false}, {"message", "--oauth-callback-url is not set"}});
    }
    // The operator answers a callback without a state with 400: any HTTP answer means it is reachable.
    auto answer = forward_(options_.oauth_callback_url);
    return json_answer(200, json::object{{"configured", true},
                                         {"reachable", answer.status != 0},
                                         {"message", answer.status != 0 ? "the operator's OAuth callback answers"
                                                                        : "the operator's OAuth callback cannot be reached"}});
  }
  Api api(kube_, std::string(session->token.view()), options_);
  session.reset();
  auto response = api.route(request.method, parts, query, request.body);
  if (response.status == 401) {
    // The token itself expired or was revoked: the session ends with it.
    sessions_.remove(id);
    response.set_header("Set-Cookie", cleared_session_cookie(options_.secure_cookie));
  }
  return response;
}

}  // namespace dragops::dashboard
