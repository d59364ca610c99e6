#pragma once
// The injection decision as a pure function: a pod (as the API server sends it in an
// AdmissionReview) and the options in, a JSON Patch (RFC 6902) or a reason to deny out.
// docs/webhook.md describes exactly what the patch adds and why.

#include "inject/annotations.hpp"
#include "inject/options.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace dragops::inject {

inline constexpr std::string_view kSidecarName = "dragops-sidecar";
inline constexpr std::string_view kKeysVolume = "dragops-keys";
inline constexpr std::string_view kTokenVolume = "dragops-token";
inline constexpr std::string_view kKeysSecret = "dragops-data-keys";
inline constexpr std::string_view kKeyDir = "/var/run/dragops-keys";
inline constexpr std::string_view kTokenDir = "/var/run/dragops";
inline constexpr std::string_view kTokenFile = "/var/run/dragops/token";

struct PatchDecision {
  enum class Action { skip, patch, deny };
  Action action = Action::skip;
  boost::json::array patch;        // Action::patch
  std::string message;             // Action::deny: what is wrong; skip: why nothing was done
};

PatchDecision build_patch(const boost::json::object& pod, const InjectOptions& options);

// "dragops.io/injected" -> "dragops.io~1injected" (RFC 6901).
std::string escape_pointer_token(std::string_view token);

}  // namespace dragops::inject
