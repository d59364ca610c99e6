#pragma once
// Checked reads of Kubernetes objects (internal to src/store and reused by the operator).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace dragops::store::json_access {

// `return Failure{"why"};` from any function returning result<T, std::string>.
struct Failure {
  std::string message;
  template <class T>
  operator boost::system::result<T, std::string>() && {
    return {boost::system::in_place_error, std::move(message)};
  }
};

inline const boost::json::object* object_at(const boost::json::object& parent, std::string_view key) {
  auto it = parent.find(key);
  return it != parent.end() ? it->value().if_object() : nullptr;
}

inline std::string_view string_at(const boost::json::object& parent, std::string_view key) {
  auto it = parent.find(key);
  if (it == parent.end()) return {};
  const auto* text = it->value().if_string();
  return text ? std::string_view(*text) : std::string_view{};
}

// metadata.<key> as a string ("" if absent).
inline std::string_view meta_string(const boost::json::object& object, std::string_view key) {
  const auto* metadata = object_at(object, "metadata");
  return metadata ? string_at(*metadata, key) : std::string_view{};
}

// metadata.labels[key] / metadata.annotations[key] ("" if absent).
inline std::string_view meta_map_string(const boost::json::object& object, std::string_view map, std::string_view key) {
  const auto* metadata = object_at(object, "metadata");
  const auto* entries = metadata ? object_at(*metadata, map) : nullptr;
  return entries ? string_at(*entries, key) : std::string_view{};
}

inline std::string_view label(const boost::json::object& object, std::string_view key) {
  return meta_map_string(object, "labels", key);
}
inline std::string_view annotation(const boost::json::object& object, std::string_view key) {
  return meta_map_string(object, "annotations", key);
}

}  // namespace dragops::store::json_access
