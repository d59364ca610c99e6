#pragma once
// OpenAPI documents: /openapi/v3 (the index and one document per group-version, with each
// kind's schema tagged with x-kubernetes-group-version-kind and PATCH operations that declare
// the fieldValidation and dryRun parameters kubectl looks for) and /openapi/v2 in JSON.
// CRD schemas come from the CRD (descriptions included), built-in kinds get a small schema.

#include "apiserver/resources.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace dragops::apiserver::openapi {

boost::json::object v3_index(const Registry& registry);
std::optional<boost::json::object> v3_document(const Registry& registry, const std::string& group,
                                               const std::string& version);
boost::json::object v2_document(const Registry& registry);

}  // namespace dragops::apiserver::openapi
