#include "apiserver/selector.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dragops::apiserver {
namespace {

boost::json::object labels(const char* text) { return boost::json::parse(text).as_object(); }

bool selects(const char* selector, const char* object_labels) {
  auto parsed = LabelSelector::parse(selector);
  EXPECT_TRUE(parsed) << selector;
  return parsed && parsed->matches(labels(object_labels));
}

TEST(LabelSelector, MatchesEqualityInequalityAndSets) {
  EXPECT_TRUE(selects("app=web", R"({"app":"web"})"));
  EXPECT_TRUE(selects("app==web", R"({"app":"web"})"));
  EXPECT_FALSE(selects("app=web", R"({"app":"db"})"));
  EXPECT_TRUE(selects("app!=web", R"({"app":"db"})"));
  EXPECT_TRUE(selects("app!=web", R"({})"));
  EXPECT_TRUE(selects("tier in (front, back)", R"({"tier":"back"})"));
  EXPECT_FALSE(selects("tier in (front,back)", R"({})"));
  EXPECT_TRUE(selects("tier notin (front)", R"({})"));
  EXPECT_FALSE(selects("tier notin (front)", R"({"tier":"front"})"));
  EXPECT_TRUE(selects("tier", R"({"tier":""})"));
  EXPECT_TRUE(selects("!tier", R"({"app":"x"})"));
  EXPECT_FALSE(selects("!tier", R"({"tier":"x"})"));
  EXPECT_TRUE(selects("app=web,tier in (a,b),!gone", R"({"app":"web","tier":"b"})"));
  EXPECT_TRUE(selects("n>3", R"({"n":"4"})"));
  EXPECT_FALSE(selects("n<3", R"({"n":"4"})"));
  EXPECT_TRUE(selects("", R"({"anything":"x"})"));
  EXPECT_TRUE(selects("example.test/role=a", R"({"example.test/role":"a"})"));
}

TEST(LabelSelector, RefusesMalformedSelectorsWithBadRequest) {
  for (const char* bad : {"app=", "=x", "tier in front", "tier in (a", "a b", "app=we b", "-bad=x", "n>x"}) {
    auto parsed = LabelSelector::parse(bad);
    if (std::string(bad) == "app=") {
      EXPECT_TRUE(parsed) << "an empty value is valid";
      continue;
    }
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, 400);
    EXPECT_EQ(parsed.error().reason, "BadRequest");
  }
}

TEST(LabelSelector, ReadsMetav1LabelSelectors) {
  auto selector = LabelSelector::from_json(boost::json::parse(
      R"({"matchLabels":{"a":"1"},"matchExpressions":[{"key":"b","operator":"In","values":["x","y"]},{"key":"c","operator":"DoesNotExist"}]})").as_object());
  ASSERT_TRUE(selector);
  EXPECT_TRUE(selector->matches(labels(R"({"a":"1","b":"y"})")));
  EXPECT_FALSE(selector->matches(labels(R"({"a":"1","b":"y","c":"z"})")));
  EXPECT_FALSE(selector->matches(labels(R"({"a":"2","b":"y"})")));
  EXPECT_FALSE(LabelSelector::from_json(boost::json::parse(R"({"matchExpressions":[{"key":"b","operator":"Near"}]})").as_object()));
}

TEST(FieldSelector, ParsesEqualityAndEscapes) {
  auto selector = FieldSelector::parse(R"(metadata.name=a\,b,type!=Opaque)");
  ASSERT_TRUE(selector);
  ASSERT_EQ(selector->requirements().size(), 2u);
  EXPECT_EQ(selector->requirements()[0].value, "a,b");
  EXPECT_TRUE(selector->requirements()[1].negated);
  auto value_of = [](const std::string& field) -> std::optional<std::string> {
    return field == "metadata.name" ? "a,b" : "kubernetes.io/tls";
  };
  EXPECT_TRUE(selector->matches(value_of));
  EXPECT_FALSE(FieldSelector::parse("nonsense"));
}

}  // namespace
}  // namespace dragops::apiserver
