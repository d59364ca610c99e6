#pragma once
// URL paths and query strings of the Kubernetes REST API.

#include "kube/api.hpp"

#include <string>
#include <string_view>

namespace dragops::kube {

// /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]] for the core group,
// /apis/{group}/{version}/... otherwise. Segments are percent-encoded.
std::string resource_path(const Gvr& gvr, std::string_view ns, std::string_view name = "",
                          std::string_view subresource = "");

// "?a=b&c=d" or "" when there is nothing to add.
std::string list_query(const ListOptions& options);
std::string watch_query(const WatchOptions& options);

std::string percent_encode(std::string_view text);

}  // namespace dragops::kube
