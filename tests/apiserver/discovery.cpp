#include "apiserver/discovery.hpp"

#include <boost/json/array.hpp>

namespace dragops::apiserver::discovery {

namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& list) {
  json::array out;
  for (const auto& s : list) out.emplace_back(s);
  return out;
}

json::object group_entry(const GroupVersions& g) {
  json::array versions;
  for (const auto& v : g.versions) versions.push_back(json::object{{"groupVersion", g.group + "/" + v}, {"version", v}});
  return {{"name", g.group},
          {"versions", std::move(versions)},
          {"preferredVersion", json::object{{"groupVersion", g.group + "/" + g.versions.front()},
                                            {"version", g.versions.front()}}}};
}

// ServiceAccounts have the TokenRequest subresource `token` (handler_auth.cpp).
bool issues_tokens(const ResourceType& t) { return t.group.empty() && t.resource == "serviceaccounts"; }

}  // namespace

json::object version_info() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.0-dragops-local"},
          {"gitCommit", "0000000000000000000000000000000000000000"},
          {"gitTreeState", "clean"},
          {"buildDate", "2026-01-01T00:00:00Z"},
          {"goVersion", "go1.23.0"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

json::object api_versions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", json::array{"v1"}},
          {"serverAddressByClientCIDRs",
           json::array{json::object{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json::object api_group_list(const Registry& registry) {
  json::array groups;
  for (const auto& g : registry.groups())
    if (!g.group.empty()) groups.push_back(group_entry(g));
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

std::optional<json::object> api_group(const Registry& registry, const std::string& group) {
  for (const auto& g : registry.groups())
    if (g.group == group && !group.empty()) {
      auto entry = group_entry(g);
      entry["kind"] = "APIGroup";
      entry["apiVersion"] = "v1";
      return entry;
    }
  return std::nullopt;
}

std::optional<json::object> resource_list(const Registry& registry, const std::string& group, const std::string& version) {
  auto types = registry.in_group_version(group, version);
  if (types.empty()) return std::nullopt;
  json::array resources;
  for (const auto* t : types) {
    json::object r{{"name", t->resource},
                   {"singularName", t->singular},
                   {"namespaced", t->namespaced},
                   {"kind", t->kind},
                   {"verbs", strings(t->verbs)}};
    if (!t->short_names.empty()) r["shortNames"] = strings(t->short_names);
    if (!t->categories.empty()) r["categories"] = strings(t->categories);
    resources.push_back(std::move(r));
    if (t->status_subresource)
      resources.push_back(json::object{{"name", t->resource + "/status"},
                                       {"singularName", ""},
                                       {"namespaced", t->namespaced},
                                       {"kind", t->kind},
                                       {"verbs", json::array{"get", "patch", "update"}}});
    if (issues_tokens(*t))
      resources.push_back(json::object{{"name", "serviceaccounts/token"},
                                       {"singularName", ""},
                                       {"namespaced", true},
                                       {"group", "authentication.k8s.io"},
                                       {"version", "v1"},
                                       {"kind", "TokenRequest"},
                                       {"verbs", json::array{"create"}}});
  }
  return json::object{{"kind", "APIResourceList"},
                      {"apiVersion", "v1"},
                      {"groupVersion", group.empty() ? version : group + "/" + version},
                      {"resources", std::move(resources)}};
}

json::object aggregated(const Registry& registry, bool core, const std::string& api_version) {
  json::array items;
  for (const auto& g : registry.groups()) {
    if (core != g.group.empty()) continue;
    json::array versions;
    for (const auto& v : g.versions) {
      json::array resources;
      for (const auto* t : registry.in_group_version(g.group, v)) {
        json::object r{{"resource", t->resource},
                       {"responseKind", json::object{{"group", t->group}, {"version", t->version}, {"kind", t->kind}}},
                       {"scope", t->namespaced ? "Namespaced" : "Cluster"},
                       {"singularResource", t->singular},
                       {"verbs", strings(t->verbs)}};
        if (!t->short_names.empty()) r["shortNames"] = strings(t->short_names);
        if (!t->categories.empty()) r["categories"] = strings(t->categories);
        if (t->status_subresource)
          r["subresources"] = json::array{json::object{
              {"subresource", "status"},
              {"responseKind", json::object{{"group", t->group}, {"version", t->version}, {"kind", t->kind}}},
              {"verbs", json::array{"get", "patch", "update"}}}};
        if (issues_tokens(*t))
          r["subresources"] = json::array{json::object{
              {"subresource", "token"},
              {"responseKind", json::object{{"group", "authentication.k8s.io"}, {"version", "v1"}, {"kind", "TokenRequest"}}},
              {"verbs", json::array{"create"}}}};
        resources.push_back(std::move(r));
      }
      versions.push_back(json::object{{"version", v}, {"resources", std::move(resources)}, {"freshness", "Current"}});
    }
    json::object metadata;
    if (!g.group.empty()) metadata["name"] = g.group;
    items.push_back(json::object{{"metadata", std::move(metadata)}, {"versions", std::move(versions)}});
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", api_version},
          {"metadata", json::object{}},
          {"items", std::move(items)}};
}

}  // namespace dragops::apiserver::discovery
