#include "operator/status.hpp"

#include <gtest/gtest.h>

namespace dragops::op {
namespace {

TEST(SetCondition, StampsANewCondition) {
  std::vector<Condition> conditions;
  set_condition(conditions, {"Ready", "True", "Sealed", "ok", 1, ""}, "2026-01-01T00:00:00Z");
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].last_transition_time, "2026-01-01T00:00:00Z");
}

TEST(SetCondition, KeepsTheTransitionTimeWhenOnlyTheMessageChanges) {
  std::vector<Condition> conditions{{"Ready", "False", "InvalidCredentials", "a", 1, "2026-01-01T00:00:00Z"}};
  set_condition(conditions, {"Ready", "False", "CredentialsNotFound", "b", 2, ""}, "2026-01-02T00:00:00Z");
  EXPECT_EQ(conditions[0].last_transition_time, "2026-01-01T00:00:00Z");
  EXPECT_EQ(conditions[0].reason, "CredentialsNotFound");
  EXPECT_EQ(conditions[0].message, "b");
}

TEST(SetCondition, MovesTheTransitionTimeWhenTheStatusFlips) {
  std::vector<Condition> conditions{{"Ready", "False", "InvalidCredentials", "a", 1, "2026-01-01T00:00:00Z"}};
  set_condition(conditions, {"Ready", "True", "Sealed", "ok", 1, ""}, "2026-01-03T00:00:00Z");
  EXPECT_EQ(conditions[0].last_transition_time, "2026-01-03T00:00:00Z");
}

TEST(Status, RoundTripsThroughJson) {
  Status status;
  status.observed_generation = 4;
  status.key_version = 2;
  status.conditions = {{"Ready", "True", "Sealed", "ok", 4, "2026-01-01T00:00:00Z"}};
  boost::json::object resource{{"status", to_json(status)}};
  EXPECT_EQ(parse_status(resource), status);
}

}  // namespace
}  // namespace dragops::op
