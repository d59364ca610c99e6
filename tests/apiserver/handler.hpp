#pragma once
// The request handler: a plain function from an HTTP request to a response, with no socket in
// sight. Watches are the one exception to request/response: the handler answers how to start
// one and formats its events; the server session streams them.

#include "apiserver/authn.hpp"
#include "apiserver/rbac.hpp"
#include "apiserver/store.hpp"

#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dragops::apiserver {

struct HttpRequest {
  std::string method;
  std::string target;                         // path and query
  std::map<std::string, std::string> headers;  // lower-case names; the last line of a repeated header
  std::vector<std::pair<std::string, std::string>> fields;  // every header line (lower-case names), in order
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  // Every value of a header that may be repeated (Impersonate-Group): from `fields` when the
  // server filled them, else the one in `headers`.
  std::vector<std::string> header_values(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : fields)
      if (n == name) out.push_back(v);
    if (fields.empty())
      if (auto it = headers.find(name); it != headers.end()) out.push_back(it->second);
    return out;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

enum class Rendering { object, table, partial_metadata };

struct WatchPlan {
  WatchSpec spec;
  std::string resource_version;
  int timeout_seconds = 0;       // 0: the server default
  bool bookmarks = false;
  Rendering rendering = Rendering::object;
  std::string include_object = "Metadata";
  std::string api_version;       // of the served type, for bookmarks and apiVersion rewriting
  std::string kind;
  const ResourceType* type = nullptr;  // valid only inside the handling call
};

struct Outcome {
  HttpResponse response;
  std::optional<WatchPlan> watch;
};

struct HandlerOptions {
  std::string token;                  // the admin's bearer token
  std::size_t max_body_bytes = 3 * 1024 * 1024;
  std::string server_address = "127.0.0.1";
  std::string signing_key;            // ServiceAccount tokens' HMAC key; empty: a random one
  Clock clock;                        // token issue and expiry; empty: the system clock
};

class Handler {
 public:
  Handler(Store& store, Registry& registry, HandlerOptions options);

  Outcome handle(const HttpRequest& request);

  // One line of a watch stream for an event (JSON, newline-terminated).
  std::string watch_line(const WatchPlan& plan, const std::string& type, const boost::json::object& object) const;
  std::string bookmark_line(const WatchPlan& plan) const;
  static std::string error_line(const ApiError& error);

  static HttpResponse error_response(const ApiError& error);

 // A request for a resource endpoint, taken apart by the router (handler_detail.hpp).
  struct Route;

 private:
  Outcome route(const HttpRequest& request);
  Result<Outcome> serve_resource(const HttpRequest& request, const Route& route);
  // Authentication, then impersonation (handler_auth.cpp).
  Result<UserInfo> identify(const HttpRequest& request) const;
  Result<UserInfo> impersonate(const UserInfo& requester, const HttpRequest& request) const;
  // TokenRequest and the review APIs, which create nothing; nullopt for other routes.
  std::optional<Result<Outcome>> serve_review(const HttpRequest& request, const Route& route);
  HttpResponse discovery(const std::string& path, const HttpRequest& request, bool& handled) const;
  HttpResponse openapi(const std::string& path, const HttpRequest& request, bool& handled) const;

  Store& store_;
  Registry& registry_;
  HandlerOptions options_;
  Authenticator authenticator_;
  Authorizer authorizer_;
};

// Decodes a request body by Content-Type: JSON or YAML into a JSON value; 400 when malformed,
// 415 for other media types.
Result<boost::json::value> decode_body(const std::string& content_type, const std::string& body);

}  // namespace dragops::apiserver
