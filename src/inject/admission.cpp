#include "inject/admission.hpp"

#include "inject/injected_pod.hpp"
#include "inject/json_fields.hpp"
#include "inject/pod_checks.hpp"

#include "crypto/base64.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace dragops::inject {

namespace json = boost::json;

using json_fields::object_at;
using json_fields::string_at;

namespace {

using Result = boost::system::result<AdmissionOutcome, std::string>;
Result fail(std::string message) { return Result(boost::system::in_place_error, std::move(message)); }

// kubectl debug adds ephemeral containers to a running pod through pods/ephemeralcontainers; one
// that mounts the key volume of an injected pod would read the data keys.
PatchDecision review_ephemeral_containers(const json::object& pod) {
  PatchDecision decision;
  decision.message = "not an injected pod";
  auto metadata = pod.find("metadata");
  if (metadata == pod.end() || !metadata->value().is_object()) return decision;
  auto annotations = metadata->value().get_object().find("annotations");
  if (annotations == metadata->value().get_object().end() || !annotations->value().is_object() ||
      string_at(annotations->value().get_object(), kInjectedAnnotation) != "true") {
    return decision;
  }
  auto spec = pod.find("spec");
  if (spec == pod.end() || !spec->value().is_object()) return decision;
  if (auto refusal = refuse_pod(spec->value().get_object(), true)) {
    decision.action = PatchDecision::Action::deny;
    decision.message = std::move(*refusal);
  } else {
    decision.message = "no ephemeral container mounts the key volume";
  }
  return decision;
}

// A pod build_patch would inject, held to the `use` permission of its ServiceAccount.
void check_use(const json::object& pod, std::string_view namespace_, const UseReview& use, PatchDecision& decision) {
  auto request = read_annotations(object_at(pod, "metadata"));
  if (!request) return;   // build_patch denied it already
  if (auto refusal = refuse_unusable(namespace_, service_account_of(pod), used_objects(*request), use.check, use.deadline)) {
    decision.action = PatchDecision::Action::deny;
    decision.patch.clear();
    decision.message = std::move(*refusal);
  }
}

}  // namespace

Result review_admission(std::string_view body, const InjectOptions& options, const UseReview* use) {
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
  bool is_pod = false;
  if (auto kind = request.find("kind"); kind != request.end() && kind->value().is_object()) {
    const auto& k = kind->value().get_object();
    is_pod = string_at(k, "group").empty() && string_at(k, "kind") == "Pod";
  }
  std::string_view operation = string_at(request, "operation");
  std::string_view sub_resource = string_at(request, "subResource");
  auto object = request.find("object");
  const bool has_object = object != request.end() && object->value().is_object();
  if (is_pod && has_object && operation == "UPDATE" && sub_resource == "ephemeralcontainers") {
    outcome.decision = review_ephemeral_containers(object->value().get_object());
  } else if (is_pod && has_object && operation == "CREATE" && sub_resource.empty()) {
    outcome.decision = build_patch(object->value().get_object(), options);
    if (use && outcome.decision.action == PatchDecision::Action::patch) {
      const json::object& pod = object->value().get_object();
      const std::string_view pod_namespace =
          outcome.namespace_.empty() ? string_at(object_at(pod, "metadata"), "namespace") : outcome.namespace_;
      check_use(pod, pod_namespace, *use, outcome.decision);
    }
  }
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
  outcome.review = json::object{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", std::move(response)}};
  return outcome;
}

}  // namespace dragops::inject
