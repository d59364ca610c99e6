#include "apiserver/handler.hpp"

#include "apiserver/discovery.hpp"
#include "apiserver/json_util.hpp"
#include "apiserver/protobuf_body.hpp"
#include "apiserver/table.hpp"
#include "apiserver/yaml_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>

namespace dragops::apiserver {

namespace {

struct MediaRange {
  std::string type;  // "application/json"
  std::map<std::string, std::string> params;
};

std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(0, 1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}

std::vector<MediaRange> parse_accept(const std::string& accept) {
  std::vector<MediaRange> out;
  std::size_t start = 0;
  while (start <= accept.size()) {
    auto comma = accept.find(',', start);
    std::string part = accept.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    MediaRange range;
    std::size_t p = 0;
    auto semi = part.find(';');
    range.type = trim(part.substr(0, semi));
    p = semi;
    while (p != std::string::npos) {
      auto next = part.find(';', p + 1);
      std::string param = part.substr(p + 1, next == std::string::npos ? std::string::npos : next - p - 1);
      auto eq = param.find('=');
      if (eq != std::string::npos) range.params[trim(param.substr(0, eq))] = trim(param.substr(eq + 1));
      p = next;
    }
    if (!range.type.empty()) out.push_back(std::move(range));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool json_acceptable(const std::string& type) {
  return type == "application/json" || type == "*/*" || type == "application/*";
}

HttpResponse json_response(int status, const json::value& body) {
  HttpResponse r;
  r.status = status;
  r.body = to_json(body);
  return r;
}

// RFC 7234 warn-value: the text is a quoted-string, so quotes and backslashes are escaped.
std::string warning_header(const std::string& text) {
  std::string quoted;
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return "299 - \"" + quoted + "\"";
}

std::string base_type(const std::string& content_type) {
  std::string t = trim(content_type.substr(0, content_type.find(';')));
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t;
}

json::object with_version(const ResourceType& type, const json::object& obj) {
  json::object out = obj;
  out["apiVersion"] = type.api_version();
  out["kind"] = type.kind;
  return out;
}

json::object success_status(const ResourceType& type, const json::object& obj) {
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", json::object{}},
          {"status", "Success"},
          {"details", json::object{{"name", string_at(obj, "metadata.name")},
                                   {"group", type.group},
                                   {"kind", type.resource},
                                   {"uid", string_at(obj, "metadata.uid")}}}};
}

}  // namespace

Result<json::value> decode_body(const std::string& content_type, const std::string& body) {
  std::string type = base_type(content_type);
  if (type.empty() || type == "application/json" || type == "application/merge-patch+json" ||
      type == "application/json-patch+json" || type == "application/strategic-merge-patch+json") {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) return errors::bad_request("couldn't get version/kind; json parse error: " + ec.message());
    return v;
  }
  if (type == "application/vnd.kubernetes.protobuf") return protobuf_to_json(body);
  if (type == "application/yaml" || type == "application/apply-patch+yaml" || type == "application/x-yaml" ||
      type == "text/yaml")
    return yaml_to_json(body);
  return errors::unsupported_media_type(type);
}

struct Handler::Route {
  std::string group;
  std::string version;
  std::string ns;
  std::string resource;
  std::string name;
  std::string subresource;
  bool watch_path = false;
  std::map<std::string, std::string> query;
  Rendering rendering = Rendering::object;
  std::string include_object = "Metadata";
};

Handler::Handler(Store& store, Registry& registry, HandlerOptions options)
    : store_(store), registry_(registry), options_(std::move(options)) {}

HttpResponse Handler::error_response(const ApiError& error) {
  HttpResponse r = json_response(error.code, error.to_status());
  if (error.retry_after_seconds > 0) r.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
  return r;
}

std::string Handler::error_line(const ApiError& error) {
  return to_json(json::object{{"type", "ERROR"}, {"object", error.to_status()}}) + "\n";
}

Outcome Handler::handle(const HttpRequest& request) {
  Outcome outcome = route(request);
  return outcome;
}

Outcome Handler::route(const HttpRequest& request) {
  auto parsed = boost::urls::parse_origin_form(request.target);
  if (!parsed) return {error_response(errors::bad_request("malformed request target")), std::nullopt};
  std::string path = parsed->path();
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path == "/healthz" || path == "/livez" || path == "/readyz" || path.starts_with("/healthz/") ||
      path.starts_with("/livez/") || path.starts_with("/readyz/")) {
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "ok";
    return {r, std::nullopt};
  }
  if (path == "/version") return {json_response(200, discovery::version_info()), std::nullopt};
  if (request.header("authorization") != "Bearer " + options_.token)
    return {error_response(errors::unauthorized()), std::nullopt};
  if (request.body.size() > options_.max_body_bytes)
    return {error_response(errors::too_large("Request entity too large: limit is " + std::to_string(options_.max_body_bytes))),
            std::nullopt};

  bool handled = false;
  HttpResponse d = discovery(path, request, handled);
  if (handled) return {d, std::nullopt};
  HttpResponse o = openapi(path, request, handled);
  if (handled) return {o, std::nullopt};

  // /api/v1/... or /apis/<group>/<version>/...
  std::vector<std::string> segments;
  for (auto s : parsed->encoded_segments()) segments.push_back(s.decode());
  Route r;
  std::size_t i = 0;
  if (segments.size() >= 2 && segments[0] == "api") {
    r.version = segments[1];
    i = 2;
  } else if (segments.size() >= 3 && segments[0] == "apis") {
    r.group = segments[1];
    r.version = segments[2];
    i = 3;
  } else {
    return {error_response({404, "NotFound", "the server could not find the requested resource"}), std::nullopt};
  }
  std::vector<std::string> rest(segments.begin() + static_cast<std::ptrdiff_t>(i), segments.end());
  if (!rest.empty() && rest[0] == "watch") {
    r.watch_path = true;
    rest.erase(rest.begin());
  }
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    r.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3)
    return {error_response({404, "NotFound", "the server could not find the requested resource"}), std::nullopt};
  r.resource = rest[0];
  if (rest.size() > 1) r.name = rest[1];
  if (rest.size() > 2) r.subresource = rest[2];
  for (auto param : parsed->params()) r.query[param.key] = param.has_value ? param.value : "true";

  auto accept = parse_accept(request.header("accept"));
  if (!accept.empty()) {
    bool json_ok = false;
    for (const auto& m : accept) {
      auto as = m.params.find("as");
      if (as != m.params.end()) {
        auto g = m.params.find("g");
        if (g == m.params.end() || g->second != "meta.k8s.io" || !json_acceptable(m.type)) continue;
        if (as->second == "Table") {
          r.rendering = Rendering::table;
          json_ok = true;
          break;
        }
        if (as->second == "PartialObjectMetadata" || as->second == "PartialObjectMetadataList") {
          r.rendering = Rendering::partial_metadata;
          json_ok = true;
          break;
        }
        continue;
      }
      if (json_acceptable(m.type)) {
        json_ok = true;
        break;
      }
    }
    if (!json_ok)
      return {error_response(errors::not_acceptable("only the following media types are accepted: application/json, "
                                                    "application/yaml, application/vnd.kubernetes.protobuf")),
              std::nullopt};
  }
  if (auto it = r.query.find("includeObject"); it != r.query.end()) r.include_object = it->second;

  auto result = serve_resource(request, r);
  if (!result) return {error_response(result.error()), std::nullopt};
  return std::move(*result);
}

Result<Outcome> Handler::serve_resource(const HttpRequest& request, const Route& r) {
  const ResourceType* type = registry_.find(r.group, r.version, r.resource);
  if (type == nullptr) return ApiError{404, "NotFound", "the server could not find the requested resource"};
  if (!r.subresource.empty() && !(r.subresource == "status" && type->status_subresource))
    return ApiError{404, "NotFound", "the server could not find the requested resource"};
  if (!type->namespaced && !r.ns.empty())
    return ApiError{404, "NotFound", "the server could not find the requested resource"};
  auto q = [&](const std::string& key) {
    auto it = r.query.find(key);
    return it == r.query.end() ? std::string() : it->second;
  };
  std::string dry_run_value = q("dryRun");
  if (!dry_run_value.empty() && dry_run_value != "All")
    return errors::bad_request("Invalid dry run value \"" + dry_run_value + "\": supported values: \"All\"");
  bool dry_run = dry_run_value == "All";
  WriteOptions write;
  write.dry_run = dry_run;
  write.status = r.subresource == "status";
  std::string validation = q("fieldValidation");
  if (validation == "Strict") write.field_validation = FieldValidation::strict;
  else if (validation == "Ignore") write.field_validation = FieldValidation::ignore;
  else if (validation.empty() || validation == "Warn") write.field_validation = FieldValidation::warn;
  else return errors::bad_request("fieldValidation parameter unsupported: " + validation);
  std::vector<std::string> warnings;
  write.warnings = &warnings;
  auto now = std::chrono::system_clock::now();

  auto render = [&](const json::object& obj, int status) {
    HttpResponse resp;
    resp.status = status;
    if (r.rendering == Rendering::table) {
      auto table = to_table(*type, {std::make_shared<const json::object>(obj)}, r.include_object, now);
      resp.body = to_json(table);
    } else if (r.rendering == Rendering::partial_metadata) {
      resp.body = to_json(json::object{{"kind", "PartialObjectMetadata"},
                                       {"apiVersion", "meta.k8s.io/v1"},
                                       {"metadata", object_or_empty(obj, "metadata")}});
    } else {
      resp.body = to_json(with_version(*type, obj));
    }
    for (const auto& w : warnings) resp.headers.emplace_back("Warning", warning_header(w));
    return Outcome{resp, std::nullopt};
  };

  auto decode_object = [&]() -> Result<json::object> {
    auto body = decode_body(request.header("content-type"), request.body);
    if (!body) return body.error();
    if (!body->is_object()) return errors::bad_request("the body of the request must be a JSON object");
    return std::move(body->get_object());
  };

  const std::string& method = request.method;
  bool watching = r.watch_path || q("watch") == "true" || q("watch") == "1";
  if (method == "GET" && watching) {
    WatchPlan plan;
    plan.spec.collection = type->collection_key();
    plan.spec.ns = type->namespaced ? r.ns : "";
    auto labels = LabelSelector::parse(q("labelSelector"));
    if (!labels) return labels.error();
    std::string field_text = q("fieldSelector");
    if (!r.name.empty()) field_text = field_text.empty() ? "metadata.name=" + r.name : field_text + ",metadata.name=" + r.name;
    auto fields = FieldSelector::parse(field_text);
    if (!fields) return fields.error();
    plan.spec.labels = std::move(*labels);
    plan.spec.fields = std::move(*fields);
    plan.spec.type = type;
    plan.resource_version = q("resourceVersion");
    plan.timeout_seconds = q("timeoutSeconds").empty() ? 0 : std::atoi(q("timeoutSeconds").c_str());
    plan.bookmarks = q("allowWatchBookmarks") == "true" || q("allowWatchBookmarks") == "1";
    plan.rendering = r.rendering;
    plan.include_object = r.include_object;
    plan.api_version = type->api_version();
    plan.kind = type->kind;
    plan.type = type;
    HttpResponse resp;
    resp.content_type = "application/json;stream=watch";
    return Outcome{resp, std::move(plan)};
  }
  if (method == "GET" && r.name.empty()) {
    ListOptions options;
    options.label_selector = q("labelSelector");
    options.field_selector = q("fieldSelector");
    options.limit = q("limit").empty() ? 0 : std::atoll(q("limit").c_str());
    options.continue_token = q("continue");
    options.resource_version = q("resourceVersion");
    auto listed = store_.list(*type, type->namespaced ? r.ns : "", options);
    if (!listed) return listed.error();
    json::object meta{{"resourceVersion", std::to_string(listed->resource_version)}};
    if (!listed->continue_token.empty()) {
      meta["continue"] = listed->continue_token;
      meta["remainingItemCount"] = listed->remaining;
    }
    HttpResponse resp;
    if (r.rendering == Rendering::table) {
      auto table = to_table(*type, listed->items, r.include_object, now);
      table["metadata"] = std::move(meta);
      resp.body = to_json(table);
    } else if (r.rendering == Rendering::partial_metadata) {
      json::array items;
      for (const auto& item : listed->items)
        items.push_back(json::object{{"kind", "PartialObjectMetadata"},
                                     {"apiVersion", "meta.k8s.io/v1"},
                                     {"metadata", object_or_empty(*item, "metadata")}});
      resp.body = to_json(json::object{{"kind", "PartialObjectMetadataList"},
                                       {"apiVersion", "meta.k8s.io/v1"},
                                       {"metadata", std::move(meta)},
                                       {"items", std::move(items)}});
    } else {
      json::array items;
      for (const auto& item : listed->items) items.push_back(with_version(*type, *item));
      resp.body = to_json(json::object{{"kind", type->list_kind},
                                       {"apiVersion", type->api_version()},
                                       {"metadata", std::move(meta)},
                                       {"items", std::move(items)}});
    }
    return Outcome{resp, std::nullopt};
  }
  if (method == "GET") {
    auto obj = store_.get(*type, r.ns, r.name);
    if (!obj) return obj.error();
    return render(*obj, 200);
  }
  if (method == "POST") {
    if (!r.name.empty() || !r.subresource.empty())
      return errors::method_not_allowed("the server does not allow this method on the requested resource");
    if (type->namespaced && r.ns.empty())
      return ApiError{404, "NotFound", "the server could not find the requested resource"};
    auto body = decode_object();
    if (!body) return body.error();
    if (type->custom) {
      auto crd = store_.find("apiextensions.k8s.io/customresourcedefinitions", "", type->crd_name);
      if (crd != nullptr && find_path(*crd, "metadata.deletionTimestamp") != nullptr)
        return errors::method_not_allowed("create not allowed while custom resource definition is terminating");
    }
    auto created = store_.create(*type, r.ns, std::move(*body), write);
    if (!created) return created.error();
    return render(*created, 201);
  }
  if (method == "PUT") {
    if (r.name.empty()) return errors::method_not_allowed("the server does not allow this method on the requested resource");
    auto body = decode_object();
    if (!body) return body.error();
    auto updated = store_.update(*type, r.ns, r.name, std::move(*body), write);
    if (!updated) return updated.error();
    return render(*updated, 200);
  }
  if (method == "PATCH") {
    if (r.name.empty()) return errors::method_not_allowed("the server does not allow this method on the requested resource");
    std::string content_type = base_type(request.header("content-type"));
    auto body = decode_body(content_type, request.body);
    if (content_type == "application/merge-patch+json" || content_type == "application/json-patch+json" ||
        content_type == "application/strategic-merge-patch+json" || content_type == "application/apply-patch+yaml") {
      if (!body) return body.error();
    } else {
      return ApiError{415, "UnsupportedMediaType",
                      "the body of the request was in an unknown format - accepted media types include: "
                      "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"};
    }
    PatchType patch_type = PatchType::merge;
    if (content_type == "application/json-patch+json") patch_type = PatchType::json;
    if (content_type == "application/strategic-merge-patch+json") {
      if (type->custom)
        return ApiError{415, "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types include: "
                        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"};
      patch_type = PatchType::strategic;
    }
    if (content_type == "application/apply-patch+yaml") {
      // Server-side apply, simplified: create when missing, otherwise merge the applied
      // configuration in (no field ownership is tracked).
      if (!body->is_object()) return errors::bad_request("apply patches must be objects");
      if (store_.find(type->collection_key(), type->namespaced ? r.ns : "", r.name) == nullptr && !write.status) {
        json::object obj = body->get_object();
        ensure_object(obj, "metadata")["name"] = r.name;
        auto created = store_.create(*type, r.ns, std::move(obj), write);
        if (!created) return created.error();
        return render(*created, 201);
      }
      patch_type = type->custom ? PatchType::merge : PatchType::strategic;
    }
    auto patched = store_.patch(*type, r.ns, r.name, patch_type, *body, write);
    if (!patched) return patched.error();
    return render(*patched, 200);
  }
  if (method == "DELETE") {
    DeleteOptions options;
    options.dry_run = dry_run;
    if (!request.body.empty()) {
      auto body = decode_body(request.header("content-type"), request.body);
      if (!body) return body.error();
      if (body->is_object()) {
        const auto& o = body->get_object();
        std::string policy = string_at(o, "propagationPolicy");
        if (!policy.empty()) {
          if (policy == "Background") options.propagation = Propagation::background;
          else if (policy == "Foreground") options.propagation = Propagation::foreground;
          else if (policy == "Orphan") options.propagation = Propagation::orphan;
          else return errors::invalid("DeleteOptions", "", "", {errors::unsupported_value("propagationPolicy", "\"" + policy + "\"", {"\"Background\"", "\"Foreground\"", "\"Orphan\""})});
        }
        if (const auto* orphan = o.if_contains("orphanDependents"); orphan != nullptr && orphan->is_bool())
          options.propagation = orphan->get_bool() ? Propagation::orphan : Propagation::background;
        options.precondition_uid = string_at(o, "preconditions.uid");
        options.precondition_resource_version = string_at(o, "preconditions.resourceVersion");
        if (const auto* dr = o.if_contains("dryRun"); dr != nullptr && dr->is_array())
          for (const auto& x : dr->get_array())
            if (x.is_string() && x.get_string() == "All") options.dry_run = true;
      }
    }
    std::string policy = q("propagationPolicy");
    if (policy == "Background") options.propagation = Propagation::background;
    else if (policy == "Foreground") options.propagation = Propagation::foreground;
    else if (policy == "Orphan") options.propagation = Propagation::orphan;
    if (r.name.empty()) {
      ListOptions list_options;
      list_options.label_selector = q("labelSelector");
      list_options.field_selector = q("fieldSelector");
      auto listed = store_.list(*type, type->namespaced ? r.ns : "", list_options);
      if (!listed) return listed.error();
      json::array items;
      for (const auto& item : listed->items) {
        auto deleted = store_.remove(*type, string_at(*item, "metadata.namespace"), string_at(*item, "metadata.name"), options);
        if (deleted) items.push_back(with_version(*type, deleted->object));
      }
      HttpResponse resp;
      resp.body = to_json(json::object{{"kind", type->list_kind},
                                       {"apiVersion", type->api_version()},
                                       {"metadata", json::object{{"resourceVersion", std::to_string(store_.resource_version())}}},
                                       {"items", std::move(items)}});
      return Outcome{resp, std::nullopt};
    }
    auto deleted = store_.remove(*type, r.ns, r.name, options);
    if (!deleted) return deleted.error();
    if (deleted->deleted && r.rendering == Rendering::object) return Outcome{json_response(200, success_status(*type, deleted->object)), std::nullopt};
    return render(deleted->object, 200);
  }
  return errors::method_not_allowed("the server does not allow this method on the requested resource");
}

HttpResponse Handler::discovery(const std::string& path, const HttpRequest& request, bool& handled) const {
  handled = true;
  auto accept = parse_accept(request.header("accept"));
  std::string aggregated_version;
  for (const auto& m : accept) {
    auto g = m.params.find("g");
    auto as = m.params.find("as");
    if (g != m.params.end() && g->second == "apidiscovery.k8s.io" && as != m.params.end() &&
        as->second == "APIGroupDiscoveryList") {
      auto v = m.params.find("v");
      if (v != m.params.end() && (v->second == "v2" || v->second == "v2beta1")) {
        aggregated_version = v->second;
        break;
      }
    }
    if (json_acceptable(m.type) && m.params.empty()) break;
  }
  if ((path == "/api" || path == "/apis") && !aggregated_version.empty()) {
    HttpResponse r = json_response(200, discovery::aggregated(registry_, path == "/api",
                                                              "apidiscovery.k8s.io/" + aggregated_version));
    r.content_type = "application/json;g=apidiscovery.k8s.io;v=" + aggregated_version + ";as=APIGroupDiscoveryList";
    return r;
  }
  if (path == "/api") return json_response(200, discovery::api_versions(options_.server_address));
  if (path == "/apis") return json_response(200, discovery::api_group_list(registry_));
  if (path == "/api/v1") {
    if (auto list = discovery::resource_list(registry_, "", "v1")) return json_response(200, *list);
  }
  if (path.starts_with("/apis/")) {
    std::string rest = path.substr(6);
    auto slash = rest.find('/');
    if (slash == std::string::npos) {
      if (auto group = discovery::api_group(registry_, rest)) return json_response(200, *group);
      return error_response({404, "NotFound", "the server could not find the requested resource"});
    }
    std::string group = rest.substr(0, slash);
    std::string version = rest.substr(slash + 1);
    if (version.find('/') == std::string::npos) {
      if (auto list = discovery::resource_list(registry_, group, version)) return json_response(200, *list);
      return error_response({404, "NotFound", "the server could not find the requested resource"});
    }
  }
  handled = false;
  return {};
}

std::string Handler::watch_line(const WatchPlan& plan, const std::string& type, const json::object& object) const {
  json::object event{{"type", type}};
  if (plan.rendering == Rendering::table) {
    const ResourceType* t = registry_.find_kind(plan.api_version, plan.kind);
    if (t != nullptr) {
      event["object"] = to_table(*t, {std::make_shared<const json::object>(object)}, plan.include_object,
                                 std::chrono::system_clock::now());
      return to_json(event) + "\n";
    }
  }
  if (plan.rendering == Rendering::partial_metadata) {
    event["object"] = json::object{{"kind", "PartialObjectMetadata"},
                                   {"apiVersion", "meta.k8s.io/v1"},
                                   {"metadata", object_or_empty(object, "metadata")}};
    return to_json(event) + "\n";
  }
  json::object out = object;
  out["apiVersion"] = plan.api_version;
  out["kind"] = plan.kind;
  event["object"] = std::move(out);
  return to_json(event) + "\n";
}

std::string Handler::bookmark_line(const WatchPlan& plan) const {
  json::object object{{"kind", plan.kind},
                      {"apiVersion", plan.api_version},
                      {"metadata", json::object{{"resourceVersion", std::to_string(store_.resource_version())}}}};
  return to_json(json::object{{"type", "BOOKMARK"}, {"object", std::move(object)}}) + "\n";
}

}  // namespace dragops::apiserver

#include "apiserver/openapi.hpp"

namespace dragops::apiserver {

HttpResponse Handler::openapi(const std::string& path, const HttpRequest& request, bool& handled) const {
  handled = true;
  if (path == "/openapi/v2" || path == "/swagger.json") {
    auto accept = parse_accept(request.header("accept"));
    bool json_ok = accept.empty();
    for (const auto& m : accept)
      if (json_acceptable(m.type)) json_ok = true;
    if (!json_ok) return error_response(errors::not_acceptable("only application/json is served for /openapi/v2"));
    return json_response(200, openapi::v2_document(registry_));
  }
  if (path == "/openapi/v3") return json_response(200, openapi::v3_index(registry_));
  if (path.starts_with("/openapi/v3/")) {
    std::string rest = path.substr(12);
    std::string group, version;
    if (rest.starts_with("api/")) {
      version = rest.substr(4);
    } else if (rest.starts_with("apis/")) {
      rest = rest.substr(5);
      auto slash = rest.find('/');
      if (slash != std::string::npos) {
        group = rest.substr(0, slash);
        version = rest.substr(slash + 1);
      }
    }
    if (auto doc = openapi::v3_document(registry_, group, version)) {
      HttpResponse r = json_response(200, *doc);
      r.headers.emplace_back("Cache-Control", "no-cache, private");
      return r;
    }
    return error_response({404, "NotFound", "the server could not find the requested resource"});
  }
  handled = false;
  return {};
}

}  // namespace dragops::apiserver
