#include "inject/sidecar_rbac.hpp"

#include "fake_cluster.hpp"

#include <gtest/gtest.h>

namespace dragops::inject {
namespace {

const kube::Gvr kRoles{"rbac.authorization.k8s.io", "v1", "roles"};
const kube::Gvr kBindings{"rbac.authorization.k8s.io", "v1", "rolebindings"};

TEST(SidecarAccess, CreatesARoleLimitedToTheStoreNamesAndABinding) {
  testing::FakeCluster cluster;
  SidecarAccess access(cluster);
  ASSERT_TRUE(access.ensure("team-a", "runner", {"dragops-conn-github", "dragops-secret-db"}));
  auto role = cluster.find(kRoles, "team-a", "dragops-sidecar-runner");
  ASSERT_TRUE(role);
  EXPECT_EQ(granted_names(*role), (std::set<std::string>{"dragops-conn-github", "dragops-secret-db"}));
  const auto& rule = role->at("rules").at(0).as_object();
  EXPECT_EQ(rule.at("verbs"), (boost::json::array{"get", "list", "watch"}));
  EXPECT_EQ(rule.at("resources"), (boost::json::array{"secrets"}));
  auto binding = cluster.find(kBindings, "team-a", "dragops-sidecar-runner");
  ASSERT_TRUE(binding);
  EXPECT_EQ(binding->at("subjects").at(0).at("name"), "runner");
  EXPECT_EQ(binding->at("roleRef").at("name"), "dragops-sidecar-runner");
}

TEST(SidecarAccess, GrantsOnlyReadsOnStoresAndNothingOnLeases) {
  // The app container holds this ServiceAccount's token: it must not be able to write a store
  // or a refresh Lease (docs/security.md, finding 2). The operator alone refreshes.
  testing::FakeCluster cluster;
  SidecarAccess access(cluster);
  ASSERT_TRUE(access.ensure("team-a", "runner", {"dragops-conn-github", "dragops-secret-db"}));
  auto role = cluster.find(kRoles, "team-a", "dragops-sidecar-runner");
  ASSERT_TRUE(role);
  const auto& rules = role->at("rules").as_array();
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules.at(0).at("apiGroups"), (boost::json::array{""}));
  EXPECT_EQ(rules.at(0).at("verbs"), (boost::json::array{"get", "list", "watch"}));
  EXPECT_EQ(granted_names(*role), (std::set<std::string>{"dragops-conn-github", "dragops-secret-db"}));
}

TEST(SidecarAccess, RewritesARoleAnOlderOperatorGaveWriteRules) {
  testing::FakeCluster cluster;
  boost::json::object old_role = build_sidecar_role("team-a", "runner", {"dragops-conn-github"});
  old_role["rules"].as_array().push_back(boost::json::object{{"apiGroups", boost::json::array{""}},
                                                             {"resources", boost::json::array{"secrets"}},
                                                             {"verbs", boost::json::array{"update", "patch"}},
                                                             {"resourceNames", boost::json::array{"dragops-conn-github"}}});
  old_role["rules"].as_array().push_back(boost::json::object{{"apiGroups", boost::json::array{"coordination.k8s.io"}},
                                                             {"resources", boost::json::array{"leases"}},
                                                             {"verbs", boost::json::array{"create"}}});
  ASSERT_TRUE(cluster.create(kRoles, "team-a", old_role));
  SidecarAccess access(cluster);
  ASSERT_TRUE(access.ensure("team-a", "runner", {"dragops-conn-github"}));
  auto role = cluster.find(kRoles, "team-a", "dragops-sidecar-runner");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->at("rules").as_array().size(), 1u);
  EXPECT_EQ(role->at("rules").at(0).at("verbs"), (boost::json::array{"get", "list", "watch"}));
}

TEST(SidecarAccess, GrantsNoWritesToAPodThatReadsOnlySecrets) {
  testing::FakeCluster cluster;
  SidecarAccess access(cluster);
  ASSERT_TRUE(access.ensure("team-a", "runner", {"dragops-secret-db"}));
  auto role = cluster.find(kRoles, "team-a", "dragops-sidecar-runner");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->at("rules").as_array().size(), 1u);
}

TEST(SidecarAccess, WidensTheRoleAndNeverNarrowsIt) {
  testing::FakeCluster cluster;
  SidecarAccess access(cluster);
  ASSERT_TRUE(access.ensure("team-a", "runner", {"dragops-conn-github"}));
  SidecarAccess other_replica(cluster);
  ASSERT_TRUE(other_replica.ensure("team-a", "runner", {"dragops-conn-jira"}));
  auto role = cluster.find(kRoles, "team-a", "dragops-sidecar-runner");
  EXPECT_EQ(granted_names(*role), (std::set<std::string>{"dragops-conn-github", "dragops-conn-jira"}));
}

TEST(SidecarAccess, CostsNoApiCallForWhatItAlreadyEnsured) {
  testing::FakeCluster cluster;
  SidecarAccess access(cluster);
  ASSERT_TRUE(access.ensure("team-a", "runner", {"dragops-conn-github"}));
  const int writes = cluster.writes();
  ASSERT_TRUE(access.ensure("team-a", "runner", {"dragops-conn-github"}));
  EXPECT_EQ(cluster.writes(), writes);
}

}  // namespace
}  // namespace dragops::inject
