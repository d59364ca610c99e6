#include "kube/status.hpp"

#include <boost/json/parse.hpp>

#include <stdexcept>

namespace dragops::kube {

void throw_exception_from_error(const Status& status, const boost::source_location&) {
  throw std::runtime_error("Kubernetes API error " + std::to_string(status.code) + " " + status.reason + ": " +
                           status.message);
}

std::string_view reason_for_code(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Expired";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "";
  }
}

Status status_from_object(const boost::json::object& object, int http_code) {
  Status status;
  status.code = http_code;
  if (const auto* code = object.if_contains("code"); code && code->is_int64()) {
    status.code = static_cast<int>(code->as_int64());
  }
  if (const auto* reason = object.if_contains("reason"); reason && reason->is_string()) {
    status.reason = std::string(reason->as_string());
  }
  if (const auto* message = object.if_contains("message"); message && message->is_string()) {
    status.message = std::string(message->as_string());
  }
  if (status.reason.empty()) status.reason = std::string(reason_for_code(status.code));
  if (status.message.empty()) status.message = "the server answered " + std::to_string(status.code);
  return status;
}

Status status_from_body(std::string_view body, int http_code) {
  boost::system::error_code ec;
  auto value = boost::json::parse(body, ec);
  if (!ec && value.is_object()) {
    const auto& object = value.as_object();
    if (const auto* kind = object.if_contains("kind"); kind && kind->is_string() && kind->as_string() == "Status") {
      return status_from_object(object, http_code);
    }
  }
  return Status{http_code, std::string(reason_for_code(http_code)),
                "the server answered " + std::to_string(http_code) + " without a Status body"};
}

}  // namespace dragops::kube
