#include "inject/sidecar_rbac.hpp"

#include <gtest/gtest.h>

namespace dragops::inject {
namespace {

TEST(BuildSidecarRole, GrantsReadsOfExactlyTheStoreNames) {
  auto role = build_sidecar_role("team-a", "runner", {"dragops-conn-github", "dragops-secret-db"});
  EXPECT_EQ(role.at("metadata").at("name"), "dragops-sidecar-runner");
  EXPECT_EQ(role.at("metadata").at("labels").at("app.kubernetes.io/component"), "sidecar-access");
  EXPECT_EQ(granted_names(role), (std::set<std::string>{"dragops-conn-github", "dragops-secret-db"}));
  const auto& rule = role.at("rules").at(0).as_object();
  EXPECT_EQ(rule.at("verbs"), (boost::json::array{"get", "list", "watch"}));
  EXPECT_EQ(rule.at("resources"), (boost::json::array{"secrets"}));
  auto binding = build_sidecar_role_binding("team-a", "runner");
  EXPECT_EQ(binding.at("subjects").at(0).at("name"), "runner");
  EXPECT_EQ(binding.at("subjects").at(0).at("namespace"), "team-a");
  EXPECT_EQ(binding.at("roleRef").at("name"), "dragops-sidecar-runner");
}

TEST(BuildSidecarRole, GrantsOnlyReadsOnStoresAndNothingOnLeases) {
  // The app container holds this ServiceAccount's token: it must not be able to write a store
  // or a refresh Lease (docs/security.md, finding 2). The operator alone refreshes.
  auto role = build_sidecar_role("team-a", "runner", {"dragops-conn-github", "dragops-secret-db"});
  const auto& rules = role.at("rules").as_array();
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules.at(0).at("apiGroups"), (boost::json::array{""}));
  EXPECT_EQ(rules.at(0).at("verbs"), (boost::json::array{"get", "list", "watch"}));
  EXPECT_EQ(granted_names(role), (std::set<std::string>{"dragops-conn-github", "dragops-secret-db"}));
}

TEST(BuildSidecarRole, GrantsNoWritesToAPodThatReadsOnlySecrets) {
  auto role = build_sidecar_role("team-a", "runner", {"dragops-secret-db"});
  EXPECT_EQ(role.at("rules").as_array().size(), 1u);
}

}  // namespace
}  // namespace dragops::inject
