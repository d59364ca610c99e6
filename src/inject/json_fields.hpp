#pragma once
// Checked reads of a pod or AdmissionReview's fields: a missing field or one of another type
// reads as absent (an empty string, a null array), never as an exception.

#include <boost/json/object.hpp>

#include <string_view>

namespace dragops::inject::json_fields {

inline const boost::json::array* array_at(const boost::json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->value().is_array() ? &it->value().get_array() : nullptr;
}

// An absent or non-object field reads as an empty object.
inline const boost::json::object& object_at(const boost::json::object& object, std::string_view key) {
  static const boost::json::object empty;
  auto it = object.find(key);
  return it != object.end() && it->value().is_object() ? it->value().get_object() : empty;
}

inline std::string_view string_at(const boost::json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it != object.end() && it->value().is_string() ? std::string_view(it->value().get_string())
                                                        : std::string_view();
}

}  // namespace dragops::inject::json_fields
