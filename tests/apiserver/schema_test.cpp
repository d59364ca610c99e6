#include "apiserver/schema.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dragops::apiserver {
namespace {

boost::json::value j(const char* text) { return boost::json::parse(text); }

const boost::json::object& widget_schema() {
  static const auto schema = j(R"({
    "type":"object",
    "properties":{
      "spec":{"type":"object","required":["size"],"properties":{
        "size":{"type":"string","enum":["small","large"]},
        "replicas":{"type":"integer","minimum":1,"maximum":10,"default":1},
        "owner":{"type":"string","format":"email"},
        "homepage":{"type":"string","format":"uri"},
        "since":{"type":"string","format":"date-time"},
        "color":{"type":"string","pattern":"^[a-z]+$","maxLength":5,"minLength":2},
        "tags":{"type":"array","items":{"type":"string"},"maxItems":2},
        "labels":{"type":"object","additionalProperties":{"type":"string"}},
        "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
        "note":{"type":"string","nullable":true},
        "port":{"x-kubernetes-int-or-string":true}}},
      "status":{"type":"object","properties":{"phase":{"type":"string"}}}}})").as_object();
  return schema;
}

std::vector<std::string> messages(const char* object) {
  std::vector<std::string> out;
  for (const auto& c : schema::validate(j(object), widget_schema())) out.push_back(c.field + ": " + c.message);
  return out;
}

TEST(SchemaValidation, AcceptsAValidObject) {
  EXPECT_TRUE(messages(R"({"apiVersion":"x","kind":"W","metadata":{"name":"n"},
      "spec":{"size":"small","replicas":3,"owner":"a@b.test","homepage":"https://x.test/p","since":"2024-01-02T03:04:05Z",
              "color":"red","tags":["a"],"labels":{"a":"b"},"free":{"x":[1]},"note":null,"port":"http"}})").empty());
}

TEST(SchemaValidation, ReportsKubesMessages) {
  auto got = messages(R"({"spec":{"size":"huge","replicas":0,"owner":"nobody","color":"RED","tags":["a","b","c"],"replicas2":1}})");
  std::vector<std::string> want = {
      R"(spec.size: Unsupported value: "huge": supported values: "small", "large")",
      R"(spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1)",
      R"(spec.owner: Invalid value: "nobody": spec.owner in body must be of type email: "nobody")",
      R"(spec.color: Invalid value: "RED": spec.color in body should match '^[a-z]+$')",
      R"(spec.tags: Too many: 3: must have at most 2 items)"};
  for (const auto& w : want) EXPECT_NE(std::find(got.begin(), got.end(), w), got.end()) << w;
  EXPECT_EQ(messages(R"({"spec":{}})"), std::vector<std::string>{"spec.size: Required value"});
  EXPECT_EQ(messages(R"({"spec":{"size":"small","replicas":"three"}})"),
            std::vector<std::string>{R"(spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string")"});
  EXPECT_EQ(messages(R"({"spec":{"size":"small","color":"abcdefg"}})"),
            std::vector<std::string>{"spec.color: Too long: may not be more than 5 bytes"});
  EXPECT_EQ(messages(R"({"spec":{"size":"small","since":"yesterday"}})").size(), 1u);
  EXPECT_EQ(messages(R"({"spec":{"size":"small","homepage":"not a uri"}})").size(), 1u);
  EXPECT_EQ(messages(R"({"spec":{"size":"small","port":1.5}})").size(), 1u);
}

TEST(SchemaDefaulting, FillsDefaultsAndDropsDisallowedNulls) {
  auto v = j(R"({"spec":{"size":"small","replicas":null}})");
  schema::apply_defaults(v, widget_schema());
  EXPECT_EQ(v, j(R"({"spec":{"size":"small","replicas":1}})"));
}

TEST(SchemaPruning, DropsUnknownFieldsAndReportsTheirPaths) {
  auto v = j(R"({"apiVersion":"x","kind":"W","metadata":{"name":"n"},"extra":1,
                 "spec":{"size":"small","bogus":{"a":1},"free":{"kept":true},"labels":{"any":"x"}},"status":{"phase":"A","junk":2}})");
  auto pruned = schema::prune(v, widget_schema());
  EXPECT_EQ(pruned, (std::vector<std::string>{"extra", "spec.bogus", "status.junk"}));
  EXPECT_EQ(v, j(R"({"apiVersion":"x","kind":"W","metadata":{"name":"n"},
                     "spec":{"size":"small","free":{"kept":true},"labels":{"any":"x"}},"status":{"phase":"A"}})"));
}

}  // namespace
}  // namespace dragops::apiserver
