#pragma once
// AdmissionReview v1 in, AdmissionReview v1 out: a pure function around build_patch.

#include "inject/patch.hpp"

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

// Error: the body is not an AdmissionReview v1 with a request.uid (answer 400).
boost::system::result<AdmissionOutcome, std::string> review_admission(std::string_view body, const InjectOptions& options);

}  // namespace dragops::inject
