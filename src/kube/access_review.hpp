#pragma once
// One SubjectAccessReview, POSTed with the caller's credentials (a read: it changes nothing).
// Shared by the operator's reference checks (operator/admission) and the `use` checks
// (inject/use_check).

#include "kube/api.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>

namespace dragops::kube {

// true/false: the authorizer's status.allowed; error: no answer, the message says why (the
// API server's status, never a request body).
boost::system::result<bool, std::string> review_access(Api& api, const boost::json::object& review);

}  // namespace dragops::kube
