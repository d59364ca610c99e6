#pragma once
// Turning API answers into Status values.

#include "kube/api.hpp"

#include <string_view>

namespace dragops::kube {

// The reason kube-apiserver uses for an HTTP status ("NotFound" for 404, ...), "" if none.
std::string_view reason_for_code(int code);

// A metav1.Status object (as a body or a watch ERROR event) as a Status; falls back to the
// HTTP code and its usual reason when the object is not a Status.
Status status_from_object(const boost::json::object& object, int http_code);

// An error response body as a Status. The body is not echoed when it is not a Status.
Status status_from_body(std::string_view body, int http_code);

}  // namespace dragops::kube
