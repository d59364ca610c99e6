#include "kube/request_path.hpp"
#include "kube/status.hpp"

#include <gtest/gtest.h>

namespace dragops::kube {
namespace {

TEST(ResourcePath, BuildsCoreAndGroupPaths) {
  EXPECT_EQ(resource_path(gvr::secrets(), "ns1"), "/api/v1/namespaces/ns1/secrets");
  EXPECT_EQ(resource_path(gvr::secrets(), "ns1", "db"), "/api/v1/namespaces/ns1/secrets/db");
  EXPECT_EQ(resource_path(gvr::namespaces(), "", "ns1"), "/api/v1/namespaces/ns1");
  EXPECT_EQ(resource_path(gvr::pods(), ""), "/api/v1/pods");
  EXPECT_EQ(resource_path(gvr::leases(), "kube-system", "lock"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/lock");
  EXPECT_EQ(resource_path(gvr::crds(), "", "x.dragops.io"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.dragops.io");
  EXPECT_EQ(resource_path(gvr::connections(), "a", "github", "status"),
            "/apis/dragops.io/v1alpha1/namespaces/a/connections/github/status");
}

TEST(ResourcePath, EncodesOddCharactersInSegments) {
  EXPECT_EQ(resource_path(gvr::secrets(), "n s", "a/b"), "/api/v1/namespaces/n%20s/secrets/a%2Fb");
}

TEST(ListQuery, CarriesSelectorsPagingAndVersion) {
  EXPECT_EQ(list_query({}), "");
  ListOptions options;
  options.label_selector = "app=web,tier in (a,b)";
  options.field_selector = "metadata.name=x";
  options.limit = 50;
  options.continue_token = "abc=";
  options.resource_version = "0";
  EXPECT_EQ(list_query(options),
            "?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&fieldSelector=metadata.name%3Dx&limit=50"
            "&continue=abc%3D&resourceVersion=0");
}

TEST(WatchQuery, AsksForBookmarksFromAVersion) {
  WatchOptions options;
  options.resource_version = "42";
  options.timeout_seconds = 30;
  EXPECT_EQ(watch_query(options), "?watch=1&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=30");
  options.allow_bookmarks = false;
  options.resource_version.clear();
  options.timeout_seconds = 0;
  EXPECT_EQ(watch_query(options), "?watch=1");
}

TEST(StatusFromBody, ReadsAMetav1Status) {
  auto status = status_from_body(
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"secrets \"x\" not found","reason":"NotFound","code":404})",
      404);
  EXPECT_TRUE(status.not_found());
  EXPECT_EQ(status.reason, "NotFound");
  EXPECT_EQ(status.message, "secrets \"x\" not found");
}

TEST(StatusFromBody, FallsBackToTheHttpCodeWithoutEchoingTheBody) {
  auto status = status_from_body("<html>CANARY</html>", 409);
  EXPECT_TRUE(status.conflict());
  EXPECT_EQ(status.message.find("CANARY"), std::string::npos);
  EXPECT_TRUE(status_from_body("", 410).gone());
}

}  // namespace
}  // namespace dragops::kube
