#pragma once
// Discovery documents: /api, /apis (plain and aggregated apidiscovery.k8s.io/v2 forms), the
// group-version resource lists, and /version.

#include "apiserver/resources.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace dragops::apiserver::discovery {

boost::json::object version_info();
boost::json::object api_versions(const std::string& server_address);
boost::json::object api_group_list(const Registry& registry);
std::optional<boost::json::object> api_group(const Registry& registry, const std::string& group);
std::optional<boost::json::object> resource_list(const Registry& registry, const std::string& group,
                                                 const std::string& version);
// apidiscovery.k8s.io/v2 APIGroupDiscoveryList for /api (core) or /apis (every other group).
boost::json::object aggregated(const Registry& registry, bool core, const std::string& api_version);

}  // namespace dragops::apiserver::discovery
