#pragma once
// YAML request bodies, converted to JSON the way kube's sigs.k8s.io/yaml does: plain scalars
// become numbers, booleans or null when they read as such, quoted scalars stay strings.

#include "apiserver/api_error.hpp"

#include <boost/json/value.hpp>

#include <string_view>

namespace dragops::apiserver {

Result<boost::json::value> yaml_to_json(std::string_view text);

}  // namespace dragops::apiserver
