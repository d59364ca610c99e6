#pragma once
// status of our custom resources: observedGeneration, metav1.Conditions and the extra fields.
// A condition's lastTransitionTime moves only when its status flips.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::op {

struct Condition {
  std::string type;
  std::string status;   // "True" | "False" | "Unknown"
  std::string reason;
  std::string message;
  std::int64_t observed_generation = 0;
  std::string last_transition_time;   // RFC 3339

  friend bool operator==(const Condition&, const Condition&) = default;
};

struct Status {
  std::int64_t observed_generation = 0;
  std::vector<Condition> conditions;
  std::optional<std::int64_t> key_version;
  std::string expires_at;
  std::string authorization_url;
  std::string auth_type;   // Connections: the pack's authType (printer column Type)

  const Condition* condition(std::string_view type) const;
  friend bool operator==(const Status&, const Status&) = default;
};

// Tolerant: unknown or malformed members are skipped (status is recomputed each pass anyway).
Status parse_status(const boost::json::object& resource);
boost::json::object to_json(const Status& status);

// Sets a condition in conditions: keeps last_transition_time when the status is unchanged,
// otherwise stamps now.
void set_condition(std::vector<Condition>& conditions, Condition condition, std::string_view now);

// "True"/"False" spelled from a bool.
inline std::string_view condition_status(bool value) { return value ? "True" : "False"; }

}  // namespace dragops::op
