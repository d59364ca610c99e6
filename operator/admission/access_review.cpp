#include "operator/admission/access_review.hpp"

#include "kube/access_review.hpp"

namespace dragops::op::admission {

boost::system::result<bool, std::string> SubjectAccessReviewer::may_get_secret(const UserInfo& user,
                                                                               std::string_view namespace_,
                                                                               std::string_view name) {
  return kube::review_access(api_, secret_access_review(user, namespace_, name));
}

}  // namespace dragops::op::admission
