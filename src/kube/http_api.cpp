#include "kube/http_api.hpp"

#include "http/client.hpp"
#include "kube/request_path.hpp"
#include "kube/status.hpp"
#include "kube/watch_decoder.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dragops::kube {

namespace json = boost::json;

namespace {

Status transport_status(const http::ClientError& error) { return Status{0, "Transport", error.message}; }

std::string_view content_type_of(PatchType type) {
  switch (type) {
    case PatchType::merge: return "application/merge-patch+json";
    case PatchType::json: return "application/json-patch+json";
    case PatchType::strategic_merge: return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

Result<json::object> object_from_response(const http::ClientResponse& response) {
  if (response.status < 200 || response.status >= 300) return status_from_body(response.body, response.status);
  boost::system::error_code ec;
  auto value = json::parse(response.body, ec);
  if (ec || !value.is_object()) {
    return Status{response.status, "InternalError", "the server answered " + std::to_string(response.status) +
                                                        " with a body that is not a JSON object"};
  }
  return std::move(value.as_object());
}

std::string metadata_string(const json::object& object, std::string_view field) {
  const auto* metadata = object.if_contains("metadata");
  if (!metadata || !metadata->is_object()) return {};
  const auto* value = metadata->as_object().if_contains(field);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

ConfigResult<std::unique_ptr<HttpApi>> HttpApi::create(const Config& config, HttpApiOptions options) {
  http::ClientOptions client_options;
  client_options.tls = config.tls;
  client_options.total_timeout = options.request_timeout;
  client_options.read_timeout = options.request_timeout;
  client_options.stream_idle_timeout = options.watch_idle_timeout;
  client_options.max_response_bytes = options.max_response_bytes;
  client_options.user_agent = options.user_agent;
  auto client = http::Client::create(std::move(client_options));
  if (!client) return ConfigError{"cannot set up the API client for " + config.server + ": " + client.error().message};
  return std::unique_ptr<HttpApi>(new HttpApi(config, std::move(options), std::move(*client)));
}

HttpApi::HttpApi(Config config, HttpApiOptions options, std::shared_ptr<http::Client> client)
    : config_(std::move(config)),
      options_(std::move(options)),
      client_(std::move(client)),
      token_(std::make_unique<BearerToken>(config_.token, config_.token_file)) {}

HttpApi::~HttpApi() = default;

Result<json::object> HttpApi::call(std::string method, std::string path, std::string body,
                                   std::string_view content_type) {
  http::ClientRequest request;
  request.method = std::move(method);
  request.url = config_.server + path;
  request.headers.push_back({"Accept", "application/json"});
  if (!content_type.empty()) request.headers.push_back({"Content-Type", std::string(content_type)});
  if (auto token = token_->current(); !token.empty()) request.headers.push_back({"Authorization", "Bearer " + token});
  request.body = std::move(body);
  auto response = client_->send(request);
  if (!response) return transport_status(response.error());
  return object_from_response(*response);
}

Result<json::object> HttpApi::get(const Gvr& gvr, std::string_view ns, std::string_view name) {
  return call("GET", resource_path(gvr, ns, name));
}

Result<json::object> HttpApi::list(const Gvr& gvr, std::string_view ns, const ListOptions& options) {
  return call("GET", resource_path(gvr, ns) + list_query(options));
}

Result<json::object> HttpApi::create(const Gvr& gvr, std::string_view ns, const json::object& object) {
  return call("POST", resource_path(gvr, ns), json::serialize(object), "application/json");
}

Result<json::object> HttpApi::update(const Gvr& gvr, std::string_view ns, const json::object& object,
                                     std::string_view subresource) {
  const auto name = metadata_string(object, "name");
  if (name.empty()) return Status{400, "BadRequest", "update needs metadata.name"};
  return call("PUT", resource_path(gvr, ns, name, subresource), json::serialize(object), "application/json");
}

Result<json::object> HttpApi::patch(const Gvr& gvr, std::string_view ns, std::string_view name, PatchType type,
                                    std::string_view body, std::string_view subresource) {
  return call("PATCH", resource_path(gvr, ns, name, subresource), std::string(body), content_type_of(type));
}

Result<json::object> HttpApi::remove(const Gvr& gvr, std::string_view ns, std::string_view name,
                                     const DeleteOptions& options) {
  json::object body{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (!options.precondition_uid.empty() || !options.precondition_resource_version.empty()) {
    json::object preconditions;
    if (!options.precondition_uid.empty()) preconditions["uid"] = options.precondition_uid;
    if (!options.precondition_resource_version.empty()) {
      preconditions["resourceVersion"] = options.precondition_resource_version;
    }
    body["preconditions"] = std::move(preconditions);
  }
  if (options.dry_run) body["dryRun"] = json::array{"All"};
  return call("DELETE", resource_path(gvr, ns, name) + (options.dry_run ? "?dryRun=All" : ""), json::serialize(body),
              "application/json");
}

Result<void> HttpApi::watch(const Gvr& gvr, std::string_view ns, const WatchOptions& options,
                            const std::function<bool(WatchEvent&&)>& on_event, std::stop_token stop) {
  http::ClientRequest request;
  request.url = config_.server + resource_path(gvr, ns) + watch_query(options);
  request.headers.push_back({"Accept", "application/json"});
  if (auto token = token_->current(); !token.empty()) request.headers.push_back({"Authorization", "Bearer " + token});

  WatchDecoder decoder;
  std::optional<Status> failure;
  bool handler_stopped = false;
  auto deliver = [&](WatchEvent&& event) {
    if (event.type == "ERROR") {
      failure = status_from_object(event.object, 500);
      return false;
    }
    if (!on_event(std::move(event))) {
      handler_stopped = true;
      return false;
    }
    return true;
  };
  auto response = client_->stream(
      request,
      [&](std::string_view bytes) {
        const auto outcome = decoder.feed(bytes, deliver);
        if (outcome == WatchDecoder::Outcome::malformed) failure = Status{500, "InternalError", decoder.error()};
        return outcome == WatchDecoder::Outcome::more;
      },
      stop, options_.watch_idle_timeout);
  if (failure) return *failure;
  if (handler_stopped) return {};
  if (!response) {
    if (response.error().kind == http::ClientErrorKind::cancelled || stop.stop_requested()) return {};
    return transport_status(response.error());
  }
  if (response->status < 200 || response->status >= 300) return status_from_body(response->body, response->status);
  if (decoder.buffered() > 0 && decoder.finish(deliver) == WatchDecoder::Outcome::malformed) {
    return Status{500, "InternalError", decoder.error()};
  }
  if (failure) return *failure;
  return {};
}

}  // namespace dragops::kube
