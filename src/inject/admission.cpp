#include "inject/admission.hpp"

#include "crypto/base64.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dragops::inject {

namespace json = boost::json;

namespace {

using Result = boost::system::result<AdmissionOutcome, std::string>;
Result fail(std::string message) { return Result(boost::system::in_place_error, std::move(message)); }

std::string_view string_at(const json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->value().is_string() ? std::string_view(it->value().get_string()) : std::string_view();
}

}  // namespace

Result review_admission(std::string_view body, const InjectOptions& options) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return fail("the body is not a JSON object");
  const json::object& review = parsed.get_object();
  if (string_at(review, "kind") != "AdmissionReview" || string_at(review, "apiVersion") != "admission.k8s.io/v1") {
    return fail("expected an admission.k8s.io/v1 AdmissionReview");
  }
  auto request_it = review.find("request");
  if (request_it == review.end() || !request_it->value().is_object()) return fail("the AdmissionReview has no request");
  const json::object& request = request_it->value().get_object();
  std::string_view uid = string_at(request, "uid");
  if (uid.empty()) return fail("the AdmissionReview request has no uid");

  AdmissionOutcome outcome;
  outcome.namespace_ = std::string(string_at(request, "namespace"));
  if (auto it = request.find("dryRun"); it != request.end() && it->value().is_bool()) outcome.dry_run = it->value().get_bool();

  json::object response{{"uid", uid}, {"allowed", true}};
  bool is_pod_create = false;
  if (auto kind = request.find("kind"); kind != request.end() && kind->value().is_object()) {
    const auto& k = kind->value().get_object();
    is_pod_create = string_at(k, "group").empty() && string_at(k, "kind") == "Pod" && string_at(request, "operation") == "CREATE";
  }
  auto object = request.find("object");
  if (is_pod_create && object != request.end() && object->value().is_object()) {
    outcome.decision = build_patch(object->value().get_object(), options);
    switch (outcome.decision.action) {
      case PatchDecision::Action::patch: {
        std::string patch = json::serialize(outcome.decision.patch);
        response["patchType"] = "JSONPatch";
        response["patch"] = crypto::base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(patch.data()), patch.size()));
        break;
      }
      case PatchDecision::Action::deny:
        response["allowed"] = false;
        response["status"] = json::object{{"code", 403}, {"reason", "Forbidden"},
                                          {"message", "dragops: " + outcome.decision.message}};
        break;
      case PatchDecision::Action::skip:
        break;
    }
  }
  outcome.review = json::object{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", std::move(response)}};
  return outcome;
}

}  // namespace dragops::inject
