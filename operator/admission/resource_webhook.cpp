#include "operator/admission/resource_webhook.hpp"

#include "common/log.hpp"
#include "store/names.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <charconv>

namespace dragops::op::admission {

namespace json = boost::json;

namespace {

http::Response json_response(int status, const json::object& body) {
  http::Response response;
  response.status = status;
  response.set_header("Content-Type", "application/json");
  response.body = json::serialize(body);
  return response;
}

http::Response bad_request(std::string_view message) {
  return json_response(400, json::object{{"error", {{"code", "bad_request"}, {"message", message}}}});
}

void log_decision(const ResourceRequest& request, std::string_view step, std::string_view decision, std::string_view message) {
  const std::string kind(request.kind ? store::to_string(*request.kind) : std::string_view("other"));
  log::info("resource admission", {{"step", json::string_view(step)},
                                   {"kind", json::string_view(kind)},
                                   {"namespace", json::string_view(request.namespace_)},
                                   {"operation", json::string_view(request.operation)},
                                   {"user", json::string_view(request.user.username)},
                                   {"decision", json::string_view(decision)},
                                   {"message", json::string_view(message)}});
}

json::object validate(const ResourceRequest& request, AccessReviewer& reviewer, std::chrono::steady_clock::time_point deadline,
                      const SteadyNow& now) {
  if (auto problem = owner_problem(request)) {
    log_decision(request, "validate", "denied", *problem);
    return deny(request.uid, 403, *problem);
  }
  for (const auto& secret : new_references(request)) {
    if (now() >= deadline) {
      const std::string message = "could not check within the webhook's timeout whether user \"" + request.user.username +
                                  "\" may get Secret \"" + secret + "\"; try again";
      log_decision(request, "validate", "denied", message);
      return deny(request.uid, 500, message);
    }
    auto allowed = reviewer.may_get_secret(request.user, request.namespace_, secret);
    if (!allowed) {
      const std::string message = "cannot check whether user \"" + request.user.username + "\" may get Secret \"" + secret +
                                  "\": " + allowed.error();
      log_decision(request, "validate", "denied", message);
      return deny(request.uid, 500, message);
    }
    if (!*allowed) {
      const std::string message = forbidden_reference_message(request, secret);
      log_decision(request, "validate", "denied", message);
      return deny(request.uid, 403, message);
    }
  }
  return allow(request.uid);
}

}  // namespace

std::chrono::seconds webhook_timeout(std::string_view target) {
  constexpr std::chrono::seconds kDefault{10};
  const auto query = target.find('?');
  if (query == std::string_view::npos) return kDefault;
  std::string_view rest = target.substr(query + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (!pair.starts_with("timeout=") || !pair.ends_with('s')) continue;
    std::string_view digits = pair.substr(8, pair.size() - 9);
    long seconds = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
    if (ec == std::errc{} && end == digits.data() + digits.size() && seconds > 0 && seconds <= 30)
      return std::chrono::seconds(seconds);
  }
  return kDefault;
}

http::Response handle_resource_admission(std::string_view path, const http::Request& request, AccessReviewer& reviewer,
                                         const SteadyNow& now) {
  if (request.method != "POST") return json_response(405, json::object{{"error", {{"code", "method_not_allowed"}, {"message", "POST an AdmissionReview"}}}});
  const auto started = now();
  auto parsed = parse_resource_request(request.body);
  if (!parsed) return bad_request(parsed.error());
  if (path == kMutatePath) {
    auto patch = owner_patch(*parsed);
    if (!patch.empty()) log_decision(*parsed, "mutate", "owner recorded", "");
    return json_response(200, allow(parsed->uid, patch));
  }
  // One second of the API server's timeout is left for the answer to travel.
  const auto budget = std::max(std::chrono::seconds(1), webhook_timeout(request.target) - std::chrono::seconds(1));
  return json_response(200, validate(*parsed, reviewer, started + budget, now));
}

}  // namespace dragops::op::admission
