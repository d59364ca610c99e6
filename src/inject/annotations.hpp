#pragma once
// The pod annotations that are the whole user-facing contract of the webhook (DESIGN.md):
// dragops.io/inject, dragops.io/connections, dragops.io/secrets, dragops.io/environment, and the
// dragops.io/injected marker the webhook leaves behind.

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dragops::inject {

inline constexpr std::string_view kInjectAnnotation = "dragops.io/inject";
inline constexpr std::string_view kConnectionsAnnotation = "dragops.io/connections";
inline constexpr std::string_view kSecretsAnnotation = "dragops.io/secrets";
inline constexpr std::string_view kEnvironmentAnnotation = "dragops.io/environment";
inline constexpr std::string_view kInjectedAnnotation = "dragops.io/injected";

struct InjectRequest {
  bool inject = false;       // dragops.io/inject: "true"
  bool injected = false;     // dragops.io/injected: "true" (already done)
  std::vector<std::string> connections;
  std::vector<std::string> secrets;
  std::string environment;
};

// Reads and validates the annotations of a pod's metadata. The error is a message for the user
// that names the annotation and what is wrong with it. Pods that do not ask for injection are
// not validated further (their other dragops.io annotations are not ours to judge).
boost::system::result<InjectRequest, std::string> read_annotations(const boost::json::object& metadata);

bool is_dns1123_subdomain(std::string_view name);
bool is_dns1123_label(std::string_view name);

}  // namespace dragops::inject
