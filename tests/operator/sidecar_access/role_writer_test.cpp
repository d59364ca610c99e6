#include "operator/sidecar_access/role_writer.hpp"

#include "inject/sidecar_rbac.hpp"

#include "../fake_api.hpp"

#include <gtest/gtest.h>

namespace dragops::op::sidecar_access {
namespace {

const kube::Gvr kRoles{"rbac.authorization.k8s.io", "v1", "roles"};
const kube::Gvr kBindings{"rbac.authorization.k8s.io", "v1", "rolebindings"};

std::set<std::string> granted(op::testing::FakeApi& api, std::string_view ns, std::string_view name) {
  auto role = api.get(kRoles, ns, name);
  return role ? inject::granted_names(*role) : std::set<std::string>{};
}

TEST(RoleWriter, CreatesARoleLimitedToTheNamesAndABinding) {
  op::testing::FakeApi api;
  RoleWriter writer(api);
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-github", "dragops-secret-db"}));
  EXPECT_EQ(granted(api, "team-a", "dragops-sidecar-runner"), (std::set<std::string>{"dragops-conn-github", "dragops-secret-db"}));
  auto binding = api.get(kBindings, "team-a", "dragops-sidecar-runner");
  ASSERT_TRUE(binding);
  EXPECT_EQ(binding->at("subjects").at(0).at("name"), "runner");
  EXPECT_EQ(binding->at("roleRef").at("name"), "dragops-sidecar-runner");
}

TEST(RoleWriter, WidensNarrowsAndDeletesWithThePods) {
  op::testing::FakeApi api;
  RoleWriter writer(api);
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-github"}));
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-github", "dragops-conn-jira"}));
  EXPECT_EQ(granted(api, "team-a", "dragops-sidecar-runner"), (std::set<std::string>{"dragops-conn-github", "dragops-conn-jira"}));
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-jira"}));
  EXPECT_EQ(granted(api, "team-a", "dragops-sidecar-runner"), (std::set<std::string>{"dragops-conn-jira"}));
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {}));
  EXPECT_FALSE(api.contains(kRoles, "team-a", "dragops-sidecar-runner"));
  EXPECT_FALSE(api.contains(kBindings, "team-a", "dragops-sidecar-runner"));
  EXPECT_TRUE(writer.reconcile("team-a", "runner", {})) << "nothing to delete is not an error";
}

TEST(RoleWriter, WritesNothingWhenTheRoleAndBindingAreCurrent) {
  op::testing::FakeApi api;
  RoleWriter writer(api);
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-github"}));
  const int writes = api.writes;
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-github"}));
  EXPECT_EQ(api.writes, writes);
}

TEST(RoleWriter, RepairsARoleSomeoneWidenedByHand) {
  op::testing::FakeApi api;
  RoleWriter writer(api);
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-github"}));
  auto widened = inject::build_sidecar_role("team-a", "runner", {"dragops-conn-github", "dragops-conn-other"});
  widened["metadata"].as_object()["resourceVersion"] = api.get(kRoles, "team-a", "dragops-sidecar-runner")->at("metadata").at("resourceVersion");
  ASSERT_TRUE(api.update(kRoles, "team-a", widened, ""));
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-github"}));
  EXPECT_EQ(granted(api, "team-a", "dragops-sidecar-runner"), (std::set<std::string>{"dragops-conn-github"}));
}

TEST(RoleWriter, RewritesARoleAnOlderOperatorGaveWriteRules) {
  // Before issue 12's finding 2 the Role also let the pod write its connection stores and Leases.
  op::testing::FakeApi api;
  auto old_role = inject::build_sidecar_role("team-a", "runner", {"dragops-conn-github"});
  old_role["rules"].as_array().push_back(boost::json::object{{"apiGroups", boost::json::array{""}},
                                                             {"resources", boost::json::array{"secrets"}},
                                                             {"verbs", boost::json::array{"update", "patch"}},
                                                             {"resourceNames", boost::json::array{"dragops-conn-github"}}});
  old_role["rules"].as_array().push_back(boost::json::object{{"apiGroups", boost::json::array{"coordination.k8s.io"}},
                                                             {"resources", boost::json::array{"leases"}},
                                                             {"verbs", boost::json::array{"create"}}});
  ASSERT_TRUE(api.create(kRoles, "team-a", old_role));
  RoleWriter writer(api);
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-github"}));
  auto role = api.get(kRoles, "team-a", "dragops-sidecar-runner");
  ASSERT_TRUE(role);
  ASSERT_EQ(role->at("rules").as_array().size(), 1u);
  EXPECT_EQ(role->at("rules").at(0).at("verbs"), (boost::json::array{"get", "list", "watch"}));
}

TEST(RoleWriter, LeavesARoleOfTheSameNameThatItDidNotWriteAlone) {
  op::testing::FakeApi api;
  boost::json::object foreign{{"apiVersion", "rbac.authorization.k8s.io/v1"},
                              {"kind", "Role"},
                              {"metadata", {{"name", "dragops-sidecar-runner"}}},
                              {"rules", boost::json::array{}}};
  ASSERT_TRUE(api.create(kRoles, "team-a", foreign));
  RoleWriter writer(api);
  auto written = writer.reconcile("team-a", "runner", {"dragops-conn-github"});
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().find("Role team-a/dragops-sidecar-runner exists without the label"), std::string::npos) << written.error();
  EXPECT_TRUE(writer.reconcile("team-a", "runner", {}));
  EXPECT_TRUE(api.contains(kRoles, "team-a", "dragops-sidecar-runner")) << "not ours to delete";
}

TEST(RoleWriter, ListsTheServiceAccountsThatHoldASidecarRole) {
  op::testing::FakeApi api;
  RoleWriter writer(api);
  ASSERT_TRUE(writer.reconcile("team-a", "runner", {"dragops-conn-github"}));
  ASSERT_TRUE(writer.reconcile("team-b", "default", {"dragops-secret-db"}));
  auto listed = writer.list_granted("");
  ASSERT_TRUE(listed) << listed.error();
  std::set<std::pair<std::string, std::string>> got(listed->begin(), listed->end());
  EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{{"team-a", "runner"}, {"team-b", "default"}}));
}

}  // namespace
}  // namespace dragops::op::sidecar_access
