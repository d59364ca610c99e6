#include "yaml_json.hpp"

#include <yaml-cpp/yaml.h>

namespace dragops::packs::testing {
namespace {
boost::json::value convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      boost::json::object object;
      for (const auto& entry : node) object[entry.first.as<std::string>()] = convert(entry.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      boost::json::array array;
      for (const auto& item : node) array.push_back(convert(item));
      return array;
    }
    case YAML::NodeType::Scalar: {
      const auto text = node.as<std::string>();
      if (node.Tag() == "!") return boost::json::string(text);   // quoted
      if (text == "true") return true;
      if (text == "false") return false;
      return boost::json::string(text);
    }
    default: return nullptr;
  }
}
}  // namespace

boost::json::object yaml_file_to_json(const std::string& path) { return convert(YAML::LoadFile(path)).as_object(); }
boost::json::object yaml_to_json(const std::string& text) { return convert(YAML::Load(text)).as_object(); }
}  // namespace dragops::packs::testing
