#include "operator/sealing/sealed_rules.hpp"

#include "operator/reasons.hpp"

#include <algorithm>

namespace dragops::op::sealing {
namespace {

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string joined(const std::vector<std::string>& lines) {
  std::string message;
  for (const auto& line : lines) message += (message.empty() ? "" : "; ") + line;
  return message;
}

}  // namespace

std::string describe_failure(std::string_view path, const store::SealedInputFailure& failure, std::string_view here,
                             std::string_view ns) {
  const std::string at(path);
  switch (failure.error) {
    case store::SealedInputError::not_base64:
      return at + " is not a sealed value (not one line of base64; make one with dragopsctl seal)";
    case store::SealedInputError::malformed: return at + " is not a sealed value (malformed)";
    case store::SealedInputError::unsupported_version:
      return at + " has a sealed-value format version this operator does not know";
    case store::SealedInputError::unknown_key:
      return at + " is sealed to key " + failure.key_id +
             ", which this cluster does not hold (retired, or another cluster's key); seal it again with the current key";
    case store::SealedInputError::does_not_open: break;
  }
  return at + " does not open as " + std::string(here) + " in namespace " + quoted(ns) +
         ": it was sealed for another object, field or namespace, or altered";
}

SealedProblem keys_unavailable(std::string_view why) {
  return {reason::kKeyringUnavailable, "sealed input cannot be opened: " + std::string(why), true};
}

boost::system::result<SecretData, SealedProblem> connection_values(const ConnectionObservation& o,
                                                                   const std::vector<std::string>& items,
                                                                   std::string_view pack) {
  if (!o.sealing_problem.empty()) return keys_unavailable(o.sealing_problem);
  SecretData values;
  std::vector<std::string> unknown, failures;
  for (const auto& [item, text] : o.spec.sealed_credentials) {
    const std::string path = "spec.sealedCredentials." + item;
    if (std::find(items.begin(), items.end(), item) == items.end()) {
      unknown.push_back(path + " is not a field of pack " + quoted(pack));
      continue;
    }
    const auto opened = o.sealed.find(item);
    if (opened == o.sealed.end()) {
      failures.push_back(path + " was not opened");
    } else if (!opened->second) {
      failures.push_back(describe_failure(path, opened->second.error(),
                                          "Connection " + quoted(o.resource.owner.name) + " field " + quoted(item),
                                          o.resource.owner.namespace_));
    } else {
      values.insert_or_assign(item, *opened->second);
    }
  }
  if (!unknown.empty()) return SealedProblem{reason::kInvalidCredentials, joined(unknown)};
  if (!failures.empty()) return SealedProblem{reason::kSealedValueInvalid, joined(failures)};
  return values;
}

boost::system::result<crypto::SecretBytes, SealedProblem> environment_value(const SecretObservation& o,
                                                                            const std::string& environment) {
  const std::string path = "spec.environments." + environment + ".sealedValue";
  const auto opened = o.sealed.find(environment);
  if (opened == o.sealed.end()) return SealedProblem{reason::kSealedValueInvalid, path + " was not opened"};
  if (!opened->second)
    return SealedProblem{reason::kSealedValueInvalid,
                         describe_failure(path, opened->second.error(),
                                          "Secret " + quoted(o.resource.owner.name) + " environment " + quoted(environment),
                                          o.resource.owner.namespace_)};
  if (opened->second->empty())
    return SealedProblem{reason::kInvalidCredentials, "environment " + quoted(environment) + ": sealedValue holds an empty value"};
  return *opened->second;
}

}  // namespace dragops::op::sealing
