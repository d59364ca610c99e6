#pragma once
// Whether a user may get a core Secret: a SubjectAccessReview (a read; admission stays free of
// side effects). An interface so the webhook's handler is tested without an API server.

#include "operator/admission/resource_review.hpp"

#include "kube/api.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace dragops::op::admission {

class AccessReviewer {
 public:
  virtual ~AccessReviewer() = default;
  // true/false: the authorizer's answer; error: no answer (the message says why, never a value).
  virtual boost::system::result<bool, std::string> may_get_secret(const UserInfo& user, std::string_view namespace_,
                                                                  std::string_view name) = 0;
};

// POST /apis/authorization.k8s.io/v1/subjectaccessreviews with the operator's credentials (the
// chart's ClusterRole grants create on subjectaccessreviews).
class SubjectAccessReviewer final : public AccessReviewer {
 public:
  explicit SubjectAccessReviewer(kube::Api& api) : api_(api) {}
  boost::system::result<bool, std::string> may_get_secret(const UserInfo& user, std::string_view namespace_,
                                                          std::string_view name) override;

 private:
  kube::Api& api_;
};

}  // namespace dragops::op::admission
