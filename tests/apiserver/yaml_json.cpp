#include "apiserver/yaml_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <regex>
#include <string>

namespace dragops::apiserver {

namespace {

namespace json = boost::json;

json::value scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return json::value(s);
  static const std::regex kInt(R"(^[-+]?(0|[1-9][0-9]*)$)");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, kInt)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return v;
  }
  if (std::regex_match(s, kFloat)) return std::strtod(s.c_str(), nullptr);
  return json::value(s);
}

Result<json::value> convert(const YAML::Node& node, int depth) {
  if (depth > 100) return errors::bad_request("error converting YAML to JSON: nesting too deep");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return json::value(nullptr);
    case YAML::NodeType::Scalar: return scalar(node);
    case YAML::NodeType::Sequence: {
      json::array out;
      for (const auto& item : node) {
        auto v = convert(item, depth + 1);
        if (!v) return v.error();
        out.push_back(std::move(*v));
      }
      return json::value(std::move(out));
    }
    case YAML::NodeType::Map: {
      json::object out;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return errors::bad_request("error converting YAML to JSON: map keys must be strings");
        auto v = convert(kv.second, depth + 1);
        if (!v) return v.error();
        out[kv.first.Scalar()] = std::move(*v);
      }
      return json::value(std::move(out));
    }
  }
  return json::value(nullptr);
}

}  // namespace

Result<json::value> yaml_to_json(std::string_view text) {
  try {
    YAML::Node node = YAML::Load(std::string(text));
    return convert(node, 0);
  } catch (const YAML::Exception& e) {
    return errors::bad_request(std::string("error converting YAML to JSON: yaml: ") + e.what());
  }
}

}  // namespace dragops::apiserver
