#pragma once
// The decision rules for sealed input (pure; decide.cpp applies them, tests/operator/
// decide_sealed_test.cpp holds them table by table). Messages name the field and why it does not
// open, never a value.

#include "operator/observation.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dragops::op::sealing {

struct SealedProblem {
  std::string_view reason;   // operator/reasons.hpp
  std::string message;
  bool retry = false;        // a system problem (no sealing key yet), not the user's
};

// Why one sealed value did not open. path: "spec.sealedCredentials.api_token"; here: where it
// was expected to open, "Connection \"jira\" field \"api_token\"".
std::string describe_failure(std::string_view path, const store::SealedInputFailure& failure, std::string_view here,
                             std::string_view ns);

// The problem when sealed input could not be opened at all.
SealedProblem keys_unavailable(std::string_view why);

// spec.sealedCredentials of o, opened: the values, or the problem: a key the pack does not take
// (InvalidCredentials, listed first), values that do not open (SealedValueInvalid), no sealing key.
boost::system::result<SecretData, SealedProblem> connection_values(const ConnectionObservation& o,
                                                                   const std::vector<std::string>& items,
                                                                   std::string_view pack);

// One environment's sealedValue, opened: the value, or the problem (SealedValueInvalid: it does
// not open; InvalidCredentials: it opens to an empty value).
boost::system::result<crypto::SecretBytes, SealedProblem> environment_value(const SecretObservation& o,
                                                                            const std::string& environment);

}  // namespace dragops::op::sealing
