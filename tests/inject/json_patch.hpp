#pragma once
// A small RFC 6902 applier (add, remove, replace, test) for checking that the webhook's patch
// applies cleanly: it fails on every path that does not exist, as the API server would.

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace dragops::testing {

inline std::vector<std::string> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  std::size_t pos = 1;
  for (;;) {
    auto slash = pointer.find('/', pos);
    std::string raw(pointer.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size()) {
        token.push_back(raw[i + 1] == '1' ? '/' : '~');
        ++i;
      } else {
        token.push_back(raw[i]);
      }
    }
    tokens.push_back(token);
    if (slash == std::string_view::npos) return tokens;
    pos = slash + 1;
  }
}

// Returns the error, or nullopt on success.
inline std::optional<std::string> apply_json_patch(boost::json::value& document, const boost::json::array& patch) {
  for (const auto& op_value : patch) {
    const auto& op = op_value.as_object();
    std::string kind(op.at("op").as_string());
    auto tokens = pointer_tokens(op.at("path").as_string());
    if (tokens.empty()) return "empty path";
    boost::json::value* parent = &document;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
      if (parent->is_object()) {
        auto it = parent->get_object().find(tokens[i]);
        if (it == parent->get_object().end()) return "missing " + tokens[i];
        parent = &it->value();
      } else if (parent->is_array()) {
        std::size_t index = std::stoul(tokens[i]);
        if (index >= parent->get_array().size()) return "index out of range " + tokens[i];
        parent = &parent->get_array()[index];
      } else {
        return "not a container at " + tokens[i];
      }
    }
    const std::string& last = tokens.back();
    if (parent->is_object()) {
      auto& object = parent->get_object();
      if (kind == "add") object[last] = op.at("value");
      else if (kind == "replace") {
        if (!object.contains(last)) return "replace of missing " + last;
        object[last] = op.at("value");
      } else if (kind == "remove") {
        if (!object.erase(last)) return "remove of missing " + last;
      } else if (kind == "test") {
        if (!object.contains(last) || object.at(last) != op.at("value")) return "test failed at " + last;
      } else {
        return "unsupported op " + kind;
      }
    } else if (parent->is_array()) {
      auto& array = parent->get_array();
      if (kind == "add" && last == "-") {
        array.push_back(op.at("value"));
        continue;
      }
      std::size_t index = std::stoul(last);
      if (kind == "add") {
        if (index > array.size()) return "add index out of range";
        array.insert(array.begin() + static_cast<std::ptrdiff_t>(index), op.at("value"));
      } else if (kind == "remove" || kind == "replace") {
        if (index >= array.size()) return "index out of range";
        if (kind == "remove") array.erase(array.begin() + static_cast<std::ptrdiff_t>(index));
        else array[index] = op.at("value");
      } else {
        return "unsupported op " + kind;
      }
    } else {
      return "parent is not a container";
    }
  }
  return std::nullopt;
}

}  // namespace dragops::testing
