#pragma once
// Admission webhook matchConditions without a CEL engine: the local server evaluates only a
// conjunction (&&) of these terms over the request's object, which is what the chart's sidecar
// injector uses; anything else is reported as unsupported (docs/apiserver.md).
//   has(object.metadata.annotations)                  (also .labels)
//   'key' in object.metadata.annotations
//   object.metadata.annotations['key'] == 'value'     (also != )

#include <boost/json/object.hpp>

#include <optional>
#include <string_view>

namespace dragops::apiserver {

// true/false: the condition's value; nullopt: an expression outside the shape above.
std::optional<bool> evaluate_match_condition(std::string_view expression, const boost::json::object& object);

}  // namespace dragops::apiserver
