#pragma once
// The three patch formats of the Kubernetes API: JSON merge patch (RFC 7386), JSON patch
// (RFC 6902, including `test`) and strategic merge patch as far as `kubectl apply` uses it for
// built-in kinds (lists merged by their patchMergeKey, `$patch`, `$retainKeys`,
// `$setElementOrder`, `$deleteFromPrimitiveList`).

#include "apiserver/api_error.hpp"

#include <boost/json/value.hpp>

namespace dragops::apiserver {

boost::json::value merge_patch(const boost::json::value& target, const boost::json::value& patch);

// 400 for a malformed patch document, 422 when an operation cannot apply (or `test` fails).
Result<boost::json::value> json_patch(const boost::json::value& target, const boost::json::value& patch);

Result<boost::json::value> strategic_merge_patch(const boost::json::value& target, const boost::json::value& patch);

}  // namespace dragops::apiserver
