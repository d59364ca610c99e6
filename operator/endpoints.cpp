#include "operator/endpoints.hpp"

namespace dragops::op {
namespace {

http::Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8") {
  http::Response response;
  response.status = status;
  response.set_header("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

std::string_view path_of(const http::Request& request) {
  std::string_view target = request.target;
  return target.substr(0, target.find('?'));
}

}  // namespace

http::Response handle_metrics(const Metrics& metrics, const http::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return text(405, "method not allowed\n");
  if (path_of(request) != "/metrics") return text(404, "not found\n");
  return text(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
}

http::Response handle_health(const HealthProbes& probes, const http::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return text(405, "method not allowed\n");
  const auto path = path_of(request);
  if (path == "/healthz") return probes.live() ? text(200, "ok\n") : text(503, "unhealthy\n");
  if (path == "/readyz") return probes.ready() ? text(200, "ok\n") : text(503, "not ready\n");
  return text(404, "not found\n");
}

}  // namespace dragops::op
