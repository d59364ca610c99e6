#pragma once
// Test helper: a YAML document (a pack file) as the JSON object the API server would send.
#include <boost/json/object.hpp>
#include <string>

namespace dragops::packs::testing {
boost::json::object yaml_file_to_json(const std::string& path);
boost::json::object yaml_to_json(const std::string& text);
}
