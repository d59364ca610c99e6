#include "operator/sealing/endpoint.hpp"

#include <boost/json/serialize.hpp>

namespace dragops::op::sealing {
namespace {

http::Response json_response(int status, const boost::json::object& body) {
  http::Response response;
  response.status = status;
  response.set_header("Content-Type", "application/json");
  response.set_header("Cache-Control", "no-cache");
  response.body = boost::json::serialize(body) + "\n";
  return response;
}

http::Response error(int status, std::string_view code, std::string_view message) {
  return json_response(status, {{"error", boost::json::object{{"code", code}, {"message", message}}}});
}

}  // namespace

bool is_sealing_key_request(const http::Request& request) {
  std::string_view target = request.target;
  return target.substr(0, target.find('?')) == kSealingKeyPath;
}

http::Response handle_sealing_key(const PublishedKeyProvider& provider, const http::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return error(405, "method_not_allowed", "use GET");
  const auto key = provider ? provider() : std::nullopt;
  if (!key) return error(503, "not_ready", "no sealing key is published yet");
  return json_response(200, to_json(*key));
}

}  // namespace dragops::op::sealing
