#include "operator/admission/access_review.hpp"

namespace dragops::op::admission {

boost::system::result<bool, std::string> SubjectAccessReviewer::may_get_secret(const UserInfo& user,
                                                                               std::string_view namespace_,
                                                                               std::string_view name) {
  using Result = boost::system::result<bool, std::string>;
  auto answer = api_.create({"authorization.k8s.io", "v1", "subjectaccessreviews"}, "",
                            secret_access_review(user, namespace_, name));
  if (!answer) {
    const auto& status = answer.error();
    return Result(boost::system::in_place_error,
                  status.transport() ? "the API server did not answer the SubjectAccessReview (" + status.message + ")"
                                     : "the SubjectAccessReview failed with " + std::to_string(status.code) + " " +
                                           status.reason + ": " + status.message);
  }
  const auto* status = answer->if_contains("status");
  const auto* allowed = status && status->is_object() ? status->get_object().if_contains("allowed") : nullptr;
  return allowed && allowed->is_bool() && allowed->get_bool();
}

}  // namespace dragops::op::admission
