#pragma once
// Label selectors (the string form of ?labelSelector= and metav1.LabelSelector objects) and
// field selectors, parsed once and matched many times.

#include "apiserver/api_error.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dragops::apiserver {

struct LabelRequirement {
  enum class Op { equals, not_equals, in, not_in, exists, does_not_exist, greater_than, less_than };
  std::string key;
  Op op = Op::exists;
  std::vector<std::string> values;
};

class LabelSelector {
 public:
  // "a=b,c!=d,e in (f,g),!h"; 400 BadRequest on a syntax or validation error.
  static Result<LabelSelector> parse(std::string_view text);
  // metav1.LabelSelector {matchLabels, matchExpressions}; an empty object selects everything.
  static Result<LabelSelector> from_json(const boost::json::object& selector);

  bool empty() const { return requirements_.empty(); }
  bool matches(const boost::json::object& labels) const;
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<LabelRequirement> requirements_;
};

struct FieldRequirement {
  std::string field;
  std::string value;
  bool negated = false;
};

class FieldSelector {
 public:
  static Result<FieldSelector> parse(std::string_view text);

  bool empty() const { return requirements_.empty(); }
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }
  // `field_value` returns the object's value for a field label (nullopt: unsupported label).
  bool matches(const std::function<std::optional<std::string>(const std::string&)>& field_value) const;

 private:
  std::vector<FieldRequirement> requirements_;
};

// Validation shared with object validation: label keys (optional DNS prefix + name) and values.
bool valid_label_key(std::string_view key);
bool valid_label_value(std::string_view value);

}  // namespace dragops::apiserver
