#pragma once
// Admission of dragops Connections and Secrets (issue 12, finding 3): pure functions from an
// AdmissionReview to what must be checked and what to answer. No I/O: the SubjectAccessReviews
// are made by access_review.hpp, the HTTP glue is resource_webhook.hpp.
//
// Two steps, two webhook configurations named --resource-webhook-config:
//   - mutating  (/mutate-resources):   CREATE sets metadata.annotations["dragops.io/owner"] to
//     the requesting user (overwriting whatever the user sent); UPDATE puts it back when the
//     new object lacks it (kubectl replace or server-side apply of a manifest without it).
//   - validating (/validate-resources): the owner annotation equals the requesting user on
//     CREATE and is unchanged on UPDATE (a change is refused), and the requesting user may `get`
//     every core Secret the object references that the old object did not (credentialsRef,
//     oauth.clientRef, each environment's secretKeyRef).

#include "store/store_object.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::op::admission {

inline constexpr std::string_view kOwnerAnnotation = "dragops.io/owner";

// AdmissionReview request.userInfo, as a SubjectAccessReview needs it.
struct UserInfo {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
  boost::json::object extra;   // string -> [string]
};

struct ResourceRequest {
  std::string uid;            // request.uid, echoed in the response
  std::string operation;      // CREATE | UPDATE | ...
  std::string namespace_;
  std::optional<store::Kind> kind;   // nullopt: not a dragops Connection or Secret (allowed as is)
  UserInfo user;
  boost::json::object object;
  std::optional<boost::json::object> old_object;
};

// Error: the body is not an AdmissionReview v1 with a request.uid (answer 400).
boost::system::result<ResourceRequest, std::string> parse_resource_request(std::string_view body);

// The core Secrets the object references that the old object did not (all of them on CREATE),
// each once, in the order the spec names them.
std::vector<std::string> new_references(const ResourceRequest& request);

// The owner annotation's value, or nullopt when the object has none.
std::optional<std::string> owner_of(const boost::json::object& object);

// Mutating step: the RFC 6902 patch (empty: nothing to change).
boost::json::array owner_patch(const ResourceRequest& request);

// Validating step, before any access review: why the owner annotation is refused, or nullopt.
std::optional<std::string> owner_problem(const ResourceRequest& request);

// The SubjectAccessReview asking whether the requesting user may get Secret name in namespace.
boost::json::object secret_access_review(const UserInfo& user, std::string_view namespace_, std::string_view name);

// The answer's message when the user may not get the Secret.
std::string forbidden_reference_message(const ResourceRequest& request, std::string_view secret);

// AdmissionReview v1 answers. message is prefixed with "dragops: ".
boost::json::object allow(std::string_view uid, const boost::json::array& patch = {});
boost::json::object deny(std::string_view uid, int code, std::string_view message);

}  // namespace dragops::op::admission
