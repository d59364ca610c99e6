#include "apiserver/match_condition.hpp"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace dragops::apiserver {
namespace {

namespace json = boost::json;

constexpr std::string_view kInjectCondition =
    "has(object.metadata.annotations) && 'dragops.io/inject' in object.metadata.annotations && "
    "object.metadata.annotations['dragops.io/inject'] == 'true'";

json::object pod(std::string_view metadata) {
  return json::parse(std::string(R"({"kind":"Pod","metadata":)") + std::string(metadata) + "}").as_object();
}

TEST(MatchCondition, EvaluatesTheInjectAnnotationConditionOnEveryShapeOfPod) {
  EXPECT_EQ(evaluate_match_condition(kInjectCondition, pod(R"({"annotations":{"dragops.io/inject":"true"}})")), true);
  EXPECT_EQ(evaluate_match_condition(kInjectCondition, pod(R"({"annotations":{"dragops.io/inject":"false"}})")), false);
  EXPECT_EQ(evaluate_match_condition(kInjectCondition, pod(R"({"annotations":{"other":"true"}})")), false);
  EXPECT_EQ(evaluate_match_condition(kInjectCondition, pod(R"({"name":"p"})")), false);
  EXPECT_EQ(evaluate_match_condition(kInjectCondition, json::object{}), false);
}

TEST(MatchCondition, EvaluatesLabelsAndInequality) {
  auto p = pod(R"({"labels":{"team":"a"}})");
  EXPECT_EQ(evaluate_match_condition("object.metadata.labels['team'] != 'b'", p), true);
  EXPECT_EQ(evaluate_match_condition("\"team\" in object.metadata.labels", p), true);
}

TEST(MatchCondition, ReportsWhatItCannotEvaluate) {
  auto p = pod(R"({"annotations":{"a":"b"}})");
  EXPECT_EQ(evaluate_match_condition("object.spec.hostNetwork == true", p), std::nullopt);
  EXPECT_EQ(evaluate_match_condition("has(object.metadata.annotations) || true", p), std::nullopt);
  // A missing key is an evaluation error in CEL, as here.
  EXPECT_EQ(evaluate_match_condition("object.metadata.annotations['x'] == 'y'", p), std::nullopt);
}

}  // namespace
}  // namespace dragops::apiserver
