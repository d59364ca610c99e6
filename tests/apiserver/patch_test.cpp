#include "apiserver/patch.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dragops::apiserver {
namespace {

json::value j(const char* text) { return boost::json::parse(text); }

TEST(MergePatch, FollowsRfc7386) {
  // The examples of RFC 7386 appendix A.
  EXPECT_EQ(merge_patch(j(R"({"a":"b"})"), j(R"({"a":"c"})")), j(R"({"a":"c"})"));
  EXPECT_EQ(merge_patch(j(R"({"a":"b"})"), j(R"({"b":"c"})")), j(R"({"a":"b","b":"c"})"));
  EXPECT_EQ(merge_patch(j(R"({"a":"b"})"), j(R"({"a":null})")), j(R"({})"));
  EXPECT_EQ(merge_patch(j(R"({"a":[{"b":"c"}]})"), j(R"({"a":[1]})")), j(R"({"a":[1]})"));
  EXPECT_EQ(merge_patch(j(R"({"e":null})"), j(R"({"a":1})")), j(R"({"e":null,"a":1})"));
  EXPECT_EQ(merge_patch(j(R"({})"), j(R"({"a":{"bb":{"ccc":null}}})")), j(R"({"a":{"bb":{}}})"));
  EXPECT_EQ(merge_patch(j(R"({"a":"foo"})"), j("null")), j("null"));
}

TEST(StrategicMergePatch, MergesWebhooksByName) {
  // helm upgrade's three-way patch of a webhook configuration names the webhook it changes; a
  // caBundle another writer patched in stays.
  auto config = j(R"({"webhooks":[{"name":"a.dragops.io","timeoutSeconds":5,"clientConfig":{"caBundle":"Q0E="}},
                                   {"name":"b.dragops.io","timeoutSeconds":5}]})");
  auto out = strategic_merge_patch(config, j(R"({"webhooks":[{"name":"a.dragops.io","timeoutSeconds":10}]})"));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, j(R"({"webhooks":[{"name":"a.dragops.io","timeoutSeconds":10,"clientConfig":{"caBundle":"Q0E="}},
                                    {"name":"b.dragops.io","timeoutSeconds":5}]})"));
}

TEST(JsonPatch, AppliesEveryOperation) {
  auto out = json_patch(j(R"({"a":{"b":[1,2]},"c":"x"})"),
                        j(R"([{"op":"add","path":"/a/b/-","value":3},{"op":"add","path":"/a/b/0","value":0},
                              {"op":"remove","path":"/c"},{"op":"replace","path":"/a/b/1","value":9},
                              {"op":"copy","from":"/a/b","path":"/d"},{"op":"move","from":"/d","path":"/e"},
                              {"op":"test","path":"/e/3","value":3},{"op":"add","path":"/k~1v","value":true}])"));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, j(R"({"a":{"b":[0,9,2,3]},"e":[0,9,2,3],"k/v":true})"));
}

TEST(JsonPatch, FailingTestIsUnprocessableAndLeavesTheTargetAlone) {
  auto target = j(R"({"spec":{"n":1}})");
  auto out = json_patch(target, j(R"([{"op":"replace","path":"/spec/n","value":2},{"op":"test","path":"/spec/n","value":1}])"));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, 422);
  EXPECT_EQ(target, j(R"({"spec":{"n":1}})"));
}

TEST(JsonPatch, RefusesMalformedDocumentsWithBadRequest) {
  EXPECT_EQ(json_patch(j("{}"), j(R"({"op":"add"})")).error().code, 400);
  EXPECT_EQ(json_patch(j("{}"), j(R"([{"op":"frobnicate","path":"/a"}])")).error().code, 400);
  EXPECT_EQ(json_patch(j("{}"), j(R"([{"op":"remove","path":"/missing"}])")).error().code, 422);
  EXPECT_EQ(json_patch(j(R"({"a":[]})"), j(R"([{"op":"add","path":"/a/5","value":1}])")).error().code, 422);
}

TEST(StrategicMergePatch, MergesContainersAndEnvByName) {
  auto pod = j(R"({"spec":{"containers":[{"name":"main","image":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
                                          {"name":"side","image":"s"}]}})");
  auto out = strategic_merge_patch(
      pod, j(R"({"spec":{"containers":[{"name":"main","image":"b","env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]}]}})"));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, j(R"({"spec":{"containers":[{"name":"main","image":"b","env":[{"name":"A","value":"1"},{"name":"B","value":"3"},{"name":"C","value":"4"}]},
                                               {"name":"side","image":"s"}]}})"));
}

TEST(StrategicMergePatch, HonoursDeleteRetainKeysAndElementOrder) {
  auto pod = j(R"({"metadata":{"finalizers":["a"]},"spec":{"containers":[{"name":"x","image":"1"},{"name":"y","image":"2"}],
                   "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})");
  auto out = strategic_merge_patch(pod, j(R"({
      "metadata":{"finalizers":["b"]},
      "spec":{"$setElementOrder/containers":[{"name":"y"},{"name":"z"}],
              "containers":[{"name":"x","$patch":"delete"},{"name":"z","image":"3"}],
              "strategy":{"$retainKeys":["type"],"type":"Recreate"}}})"));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, j(R"({"metadata":{"finalizers":["a","b"]},"spec":{"containers":[{"name":"y","image":"2"},{"name":"z","image":"3"}],
                        "strategy":{"type":"Recreate"}}})"));
}

TEST(StrategicMergePatch, ReplacesListsWithoutAMergeKey) {
  auto out = strategic_merge_patch(j(R"({"spec":{"args":["a","b"]}})"), j(R"({"spec":{"args":["c"]}})"));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, j(R"({"spec":{"args":["c"]}})"));
}

}  // namespace
}  // namespace dragops::apiserver
