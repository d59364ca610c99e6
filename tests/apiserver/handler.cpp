#include "apiserver/handler.hpp"

#include "apiserver/discovery.hpp"
#include "apiserver/handler_detail.hpp"
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






}  // namespace

namespace detail {

HttpResponse json_response(int status, const json::value& body) {
  HttpResponse r;
  r.status = status;
  r.body = to_json(body);
  return r;
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

// RFC 7234 warn-value: the text is a quoted-string, so quotes and backslashes are escaped.
std::string warning_header(const std::string& text) {
  std::string quoted;
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return "299 - \"" + quoted + "\"";
}

}  // namespace detail

using namespace detail;

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


namespace {

HandlerOptions with_defaults(HandlerOptions options) {
  if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
  if (options.signing_key.empty()) options.signing_key = random_key();
  return options;
}

}  // namespace

Handler::Handler(Store& store, Registry& registry, HandlerOptions options)
    : store_(store),
      registry_(registry),
      options_(with_defaults(std::move(options))),
      authenticator_(store_, options_.token, options_.signing_key, options_.clock),
      authorizer_(store_) {}

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
  const std::string raw_path = path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  UserInfo user_info;
  bool health = path == "/healthz" || path == "/livez" || path == "/readyz" || path.starts_with("/healthz/") ||
                path.starts_with("/livez/") || path.starts_with("/readyz/");
  bool public_info = health || path == "/version";
  // kube serves these to anyone (system:public-info-viewer is bound to the unauthenticated too);
  // a request that carries credentials is authenticated and authorized like any other.
  if (!public_info || !request.header("authorization").empty()) {
    auto user = identify(request);
    if (!user) return {error_response(user.error()), std::nullopt};
    std::map<std::string, std::string> query;
    for (auto param : parsed->params()) query[param.key] = param.has_value ? param.value : "true";
    RequestAttributes attributes = request_attributes(request.method, raw_path, query);
    attributes.user = *user;
    if (!authorizer_.authorize(attributes).allowed) return {error_response(forbidden(attributes)), std::nullopt};
    user_info = std::move(*user);
  }
  if (health) {
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "ok";
    return {r, std::nullopt};
  }
  if (path == "/version") return {json_response(200, discovery::version_info()), std::nullopt};
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
  r.user = std::move(user_info);

  if (auto review = serve_review(request, r)) {
    if (!*review) return {error_response(review->error()), std::nullopt};
    return std::move(**review);
  }

  auto result = serve_resource(request, r);
  if (!result) return {error_response(result.error()), std::nullopt};
  return std::move(*result);
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
