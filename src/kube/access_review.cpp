#include "kube/access_review.hpp"

namespace dragops::kube {

boost::system::result<bool, std::string> review_access(Api& api, const boost::json::object& review) {
  auto answer = api.create({"authorization.k8s.io", "v1", "subjectaccessreviews"}, "", review);
  if (!answer) {
    const auto& status = answer.error();
    return boost::system::result<bool, std::string>(
        boost::system::in_place_error,
        status.transport() ? "the API server did not answer the SubjectAccessReview (" + status.message + ")"
                           : "the SubjectAccessReview failed with " + std::to_string(status.code) + " " + status.reason +
                                 ": " + status.message);
  }
  const auto* status = answer->if_contains("status");
  const auto* allowed = status && status->is_object() ? status->get_object().if_contains("allowed") : nullptr;
  return allowed && allowed->is_bool() && allowed->get_bool();
}

}  // namespace dragops::kube
