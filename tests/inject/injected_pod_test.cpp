#include "inject/injected_pod.hpp"

#include "inject/patch.hpp"

#include "json_patch.hpp"

#include <gtest/gtest.h>

namespace dragops::inject {
namespace {

namespace json = boost::json;

// A pod as the API server stores it after the webhook's patch.
json::object injected(std::string_view connections, std::string_view service_account = "", json::object extra_annotations = {}) {
  json::object annotations{{"dragops.io/inject", "true"}, {"dragops.io/connections", connections}};
  for (auto& kv : extra_annotations) annotations[kv.key()] = kv.value();
  json::object spec{{"containers", json::array{{{"name", "app"}, {"image", "busybox"}}}}};
  if (!service_account.empty()) spec["serviceAccountName"] = service_account;
  json::value pod = json::object{{"apiVersion", "v1"},
                                 {"kind", "Pod"},
                                 {"metadata", {{"name", "p"}, {"namespace", "team-a"}, {"annotations", std::move(annotations)}}},
                                 {"spec", std::move(spec)}};
  auto decision = build_patch(pod.as_object(), {});
  EXPECT_EQ(decision.action, PatchDecision::Action::patch) << decision.message;
  auto error = testing::apply_json_patch(pod, decision.patch);
  EXPECT_FALSE(error) << *error;
  return pod.as_object();
}

kube::ObjectPtr ptr(json::object pod) { return std::make_shared<const json::object>(std::move(pod)); }

TEST(ReadInjectedPod, ReadsTheServiceAccountAndStoreNamesOfAPodTheWebhookPatched) {
  auto pod = injected("github,jira", "", {{"dragops.io/secrets", "db"}, {"dragops.io/environment", "production"}});
  EXPECT_EQ(pod.at("metadata").at("labels").at("dragops.io/injected"), "true");
  auto read = read_injected_pod(pod);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->service_account, "default");
  EXPECT_EQ(read->store_names, (std::set<std::string>{"dragops-conn-github", "dragops-conn-jira", "dragops-secret-db"}));
  EXPECT_EQ(read_injected_pod(injected("github", "runner"))->service_account, "runner");
}

TEST(ReadInjectedPod, CountsNoPodWhoseSidecarDoesNotRun) {
  auto pod = injected("github");
  auto unlabelled = pod;
  unlabelled["metadata"].as_object()["labels"].as_object().erase("dragops.io/injected");
  EXPECT_FALSE(read_injected_pod(unlabelled)) << "without the label";
  auto unmarked = pod;
  unmarked["metadata"].as_object()["annotations"].as_object().erase("dragops.io/injected");
  EXPECT_FALSE(read_injected_pod(unmarked)) << "without the injected annotation";
  auto no_sidecar = pod;
  no_sidecar["spec"].as_object().erase("initContainers");
  EXPECT_FALSE(read_injected_pod(no_sidecar)) << "a label set by hand on a pod without the sidecar";
  auto malformed = pod;
  malformed["metadata"].as_object()["annotations"].as_object()["dragops.io/connections"] = "Not_A_Name";
  EXPECT_FALSE(read_injected_pod(malformed));
  for (const char* phase : {"Succeeded", "Failed"}) {
    auto finished = pod;
    finished["status"] = json::object{{"phase", phase}};
    EXPECT_FALSE(read_injected_pod(finished)) << phase;
  }
  for (const char* phase : {"Pending", "Running", "Unknown"}) {
    auto running = pod;
    running["status"] = json::object{{"phase", phase}};
    EXPECT_TRUE(read_injected_pod(running)) << phase;
  }
  auto terminating = pod;
  terminating["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  EXPECT_TRUE(read_injected_pod(terminating)) << "its sidecar serves until the kubelet stops it";
}

TEST(SidecarStoreNames, IsTheUnionOverThePodsOfOneServiceAccount) {
  auto finished = injected("slack", "runner");
  finished["status"] = json::object{{"phase", "Succeeded"}};
  std::vector<kube::ObjectPtr> pods{ptr(injected("github", "runner")), ptr(injected("jira,github", "runner")),
                                    ptr(injected("secret-only", "other")), ptr(std::move(finished)), nullptr};
  EXPECT_EQ(sidecar_store_names("runner", pods), (std::set<std::string>{"dragops-conn-github", "dragops-conn-jira"}));
  EXPECT_EQ(sidecar_store_names("other", pods), (std::set<std::string>{"dragops-conn-secret-only"}));
  EXPECT_TRUE(sidecar_store_names("nobody", pods).empty());
}

}  // namespace
}  // namespace dragops::inject
