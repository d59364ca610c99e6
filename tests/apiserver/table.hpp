#pragma once
// meta.k8s.io/v1 Table rendering, as `kubectl get` asks for it: the printer columns kube
// defines for the built-in kinds, and a CRD's additionalPrinterColumns (through a JSONPath
// subset: .a.b, [n], [*], ['key'], [?(@.k=="v")]).

#include "apiserver/resources.hpp"
#include "apiserver/store.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace dragops::apiserver {

// include_object: "None" | "Metadata" | "Object".
boost::json::object to_table(const ResourceType& type, const std::vector<ObjectPtr>& items,
                             const std::string& include_object, std::chrono::system_clock::time_point now);

// All values a JSONPath expression selects (empty on no match or a syntax it does not know).
std::vector<boost::json::value> json_path(const boost::json::value& root, const std::string& expression);

}  // namespace dragops::apiserver
