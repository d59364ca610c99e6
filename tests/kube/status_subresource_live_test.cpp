// Custom resources through HttpApi: a CRD applied with kubectl, then create, the status
// subresource by update and by patch, generation, defaulting and a validation error.
#include "kube/cache.hpp"
#include "kube/http_api.hpp"

#include "live_server.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace dragops::kube {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const Gvr kWidgets{"example.test", "v1", "widgets"};

std::int64_t generation_of(const json::object& o) { return o.at("metadata").at("generation").as_int64(); }

TEST(CustomResourceLive, WritesTheStatusSubresourceWithoutTouchingSpecOrGeneration) {
  dragops::testing::ApiServerProcess server;
  server.start();
  auto api = testing::api_for(server);
  // From CMake, not __FILE__: a compiler launcher (ccache with CCACHE_BASEDIR) may make that relative.
  const auto crd = std::filesystem::path(DRAGOPS_APISERVER_TESTDATA) / "widgets-crd.yaml";
  auto applied = dragops::testing::run_kubectl(server, {"apply", "-f", crd.string()});
  ASSERT_EQ(applied.exit_code, 0) << applied.combined();
  ASSERT_TRUE(testing::eventually([&] { return bool(api->list(kWidgets, "default", {})); }));

  json::object widget{{"apiVersion", "example.test/v1"},
                      {"kind", "Widget"},
                      {"metadata", json::object{{"name", "w1"}}},
                      {"spec", json::object{{"size", "small"}}}};
  auto created = api->create(kWidgets, "default", widget);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(generation_of(*created), 1);
  EXPECT_EQ(created->at("spec").at("replicas").as_int64(), 1) << "defaulted from the schema";

  auto with_status = *created;
  with_status["status"] = json::object{{"phase", "Ready"}, {"observedGeneration", 1}};
  with_status["spec"].as_object()["size"] = "large";  // ignored by the status endpoint
  auto updated = api->update(kWidgets, "default", with_status, "status");
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->at("status").at("phase").as_string(), "Ready");
  EXPECT_EQ(updated->at("spec").at("size").as_string(), "small");
  EXPECT_EQ(generation_of(*updated), 1);

  auto patched = api->patch(kWidgets, "default", "w1", PatchType::merge, R"({"status":{"phase":"Degraded"}})", "status");
  ASSERT_TRUE(patched) << patched.error().message;
  EXPECT_EQ(patched->at("status").at("phase").as_string(), "Degraded");
  EXPECT_EQ(generation_of(*patched), 1);

  auto spec_change = api->patch(kWidgets, "default", "w1", PatchType::merge, R"({"spec":{"size":"large"}})");
  ASSERT_TRUE(spec_change) << spec_change.error().message;
  EXPECT_EQ(generation_of(*spec_change), 2);
  EXPECT_EQ(spec_change->at("status").at("phase").as_string(), "Degraded");

  auto invalid = api->patch(kWidgets, "default", "w1", PatchType::merge, R"({"spec":{"size":"huge"}})");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, 422);
  EXPECT_EQ(invalid.error().reason, "Invalid");
  EXPECT_NE(invalid.error().message.find("spec.size"), std::string::npos) << invalid.error().message;
}

}  // namespace
}  // namespace dragops::kube
