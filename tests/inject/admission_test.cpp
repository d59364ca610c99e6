#include "inject/admission.hpp"

#include "json_patch.hpp"

#include "crypto/base64.hpp"

#include <gtest/gtest.h>

namespace dragops::inject {
namespace {

namespace json = boost::json;

std::string review_body(json::object pod, std::string operation = "CREATE", bool dry_run = false) {
  json::object review{{"apiVersion", "admission.k8s.io/v1"},
                      {"kind", "AdmissionReview"},
                      {"request",
                       {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
                        {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                        {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                        {"namespace", "team-a"},
                        {"operation", operation},
                        {"dryRun", dry_run},
                        {"object", std::move(pod)}}}};
  return json::serialize(review);
}

json::object pod(json::object annotations) {
  return {{"metadata", {{"generateName", "run-"}, {"annotations", std::move(annotations)}}},
          {"spec", {{"containers", json::array{{{"name", "app"}, {"image", "busybox"}}}}}}};
}

TEST(ReviewAdmission, AnswersWithABase64JsonPatchThatApplies) {
  auto the_pod = pod({{"dragops.io/inject", "true"}, {"dragops.io/connections", "github"}});
  auto outcome = review_admission(review_body(the_pod), {});
  ASSERT_TRUE(outcome) << outcome.error();
  const auto& response = outcome->review.at("response").as_object();
  EXPECT_EQ(outcome->review.at("apiVersion"), "admission.k8s.io/v1");
  EXPECT_EQ(outcome->review.at("kind"), "AdmissionReview");
  EXPECT_EQ(response.at("uid"), "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(response.at("allowed"), true);
  EXPECT_EQ(response.at("patchType"), "JSONPatch");
  auto bytes = crypto::base64_decode(response.at("patch").as_string());
  ASSERT_TRUE(bytes);
  auto patch = json::parse(std::string(bytes->begin(), bytes->end())).as_array();
  json::value document = the_pod;
  EXPECT_FALSE(testing::apply_json_patch(document, patch));
  EXPECT_EQ(document.at("spec").at("initContainers").at(0).at("name"), "dragops-sidecar");
  EXPECT_EQ(outcome->namespace_, "team-a");
  EXPECT_FALSE(outcome->dry_run);
}

TEST(ReviewAdmission, DeniesAMalformedPodWithTheReason) {
  auto outcome = review_admission(review_body(pod({{"dragops.io/inject", "true"}, {"dragops.io/connections", "A"}})), {});
  ASSERT_TRUE(outcome);
  const auto& response = outcome->review.at("response").as_object();
  EXPECT_EQ(response.at("allowed"), false);
  EXPECT_FALSE(response.contains("patch"));
  EXPECT_EQ(response.at("status").at("code"), 403);
  EXPECT_NE(std::string(response.at("status").at("message").as_string()).find("\"A\" is not a valid name"), std::string::npos);
}

TEST(ReviewAdmission, AllowsUnannotatedPodsAndOtherOperationsWithoutAPatch) {
  for (auto outcome : {review_admission(review_body(pod({})), {}),
                       review_admission(review_body(pod({{"dragops.io/inject", "true"}, {"dragops.io/connections", "x"}}), "UPDATE"), {})}) {
    ASSERT_TRUE(outcome);
    const auto& response = outcome->review.at("response").as_object();
    EXPECT_EQ(response.at("allowed"), true);
    EXPECT_FALSE(response.contains("patch"));
  }
}

std::string ephemeral_update_body(json::object pod) {
  json::value review = json::parse(review_body(std::move(pod), "UPDATE"));
  review.at("request").as_object()["subResource"] = "ephemeralcontainers";
  return json::serialize(review);
}

TEST(ReviewAdmission, DeniesAnEphemeralContainerThatMountsTheKeyVolumeOfAnInjectedPod) {
  auto injected = pod({{"dragops.io/inject", "true"}, {"dragops.io/connections", "github"}, {"dragops.io/injected", "true"}});
  auto& spec = injected["spec"].as_object();
  spec["initContainers"] = json::array{
      {{"name", "dragops-sidecar"}, {"volumeMounts", json::array{{{"name", "dragops-keys"}, {"mountPath", "/k"}}}}}};
  auto allowed = review_admission(ephemeral_update_body(injected), {});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->review.at("response").at("allowed"), true);

  spec["ephemeralContainers"] = json::array{
      {{"name", "debugger"}, {"image", "busybox"}, {"volumeMounts", json::array{{{"name", "dragops-keys"}, {"mountPath", "/k"}}}}}};
  auto denied = review_admission(ephemeral_update_body(injected), {});
  ASSERT_TRUE(denied);
  const auto& response = denied->review.at("response").as_object();
  EXPECT_EQ(response.at("allowed"), false);
  EXPECT_NE(std::string(response.at("status").at("message").as_string())
                .find("dragops: ephemeral container \"debugger\" mounts the volume dragops-keys"),
            std::string::npos);
}

TEST(ReviewAdmission, ReportsDryRun) {
  auto outcome = review_admission(review_body(pod({{"dragops.io/inject", "true"}, {"dragops.io/connections", "x"}}), "CREATE", true), {});
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->dry_run);
}

TEST(ReviewAdmission, RejectsBodiesThatAreNotAnAdmissionReview) {
  EXPECT_FALSE(review_admission("not json", {}));
  EXPECT_FALSE(review_admission("[]", {}));
  EXPECT_FALSE(review_admission(R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}})", {}));
  EXPECT_FALSE(review_admission(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", {}));
  EXPECT_FALSE(review_admission(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}})", {}));
}

}  // namespace
}  // namespace dragops::inject
