#include "health_handler.hpp"

namespace dragops::sidecar {

HealthHandler::HealthHandler(const StoreCache& cache, SidecarMetrics& metrics, std::function<Clock::time_point()> now)
    : cache_(cache), metrics_(metrics), now_(std::move(now)) {}

http::Response HealthHandler::operator()(const http::Request& request) const {
  http::Response response;
  response.set_header("Cache-Control", "no-store");
  response.set_header("Content-Type", "text/plain");
  std::string_view path = std::string_view(request.target).substr(0, request.target.find('?'));
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.set_header("Allow", "GET");
    response.body = "method not allowed\n";
  } else if (path == "/healthz") {
    response.body = "ok\n";
  } else if (path == "/readyz") {
    const bool keys = cache_.keyring() != nullptr;
    const bool synced = cache_.ready();
    if (keys && synced) {
      response.body = "ok\n";
    } else {
      response.status = 503;
      response.body = std::string(keys ? "" : "key ring not loaded\n") + (synced ? "" : "store objects not synced\n");
    }
  } else if (path == "/metrics") {
    response.headers.back().second = "text/plain; version=0.0.4";
    response.body = metrics_.render(cache_, now_());
  } else {
    response.status = 404;
    response.body = "not found\n";
  }
  return response;
}

}  // namespace dragops::sidecar
