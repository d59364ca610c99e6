#pragma once
// The HTTP side of the Connection/Secret admission webhook (resource_review.hpp): POST
// /mutate-resources and /validate-resources, served by the operator's webhook server next to
// /mutate-pods. A plain function from a request to a response (no socket), bounded in time by
// the `timeout` the API server puts in the query (kube sends ?timeout=10s): the access reviews
// stop one second before it, and what could not be checked is refused.

#include "operator/admission/access_review.hpp"

#include "http/server_types.hpp"

#include <chrono>
#include <functional>
#include <string_view>

namespace dragops::op::admission {

inline constexpr std::string_view kMutatePath = "/mutate-resources";
inline constexpr std::string_view kValidatePath = "/validate-resources";

using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

// path is kMutatePath or kValidatePath (the query already removed).
http::Response handle_resource_admission(std::string_view path, const http::Request& request, AccessReviewer& reviewer,
                                         const SteadyNow& now = [] { return std::chrono::steady_clock::now(); });

// The time the API server gives the webhook, from the target's `timeout` query (Go duration in
// whole seconds, as kube writes it); 10 s when absent or unreadable.
std::chrono::seconds webhook_timeout(std::string_view target);

}  // namespace dragops::op::admission
