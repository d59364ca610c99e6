#pragma once
// AdmissionReview v1 in, AdmissionReview v1 out: a pure function around build_patch.

#include "inject/patch.hpp"
#include "inject/use_check.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace dragops::inject {

struct AdmissionOutcome {
  boost::json::object review;   // the AdmissionReview to answer with
  PatchDecision decision;
  std::string namespace_;       // request.namespace
  bool dry_run = false;
};

// The `use` check of a pod's names (use_check.hpp) and when it must have finished.
struct UseReview {
  UseCheck check;
  std::chrono::steady_clock::time_point deadline;
};

// Error: the body is not an AdmissionReview v1 with a request.uid (answer 400). With `use`, a
// pod that would be injected is denied unless its ServiceAccount may use each name it asks for.
boost::system::result<AdmissionOutcome, std::string> review_admission(std::string_view body, const InjectOptions& options,
                                                                      const UseReview* use = nullptr);

}  // namespace dragops::inject
