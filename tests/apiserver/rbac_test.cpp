#include "apiserver/rbac.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dragops::apiserver {
namespace {

json::object object(const char* text) { return boost::json::parse(text).as_object(); }

RequestAttributes attributes_of(const std::string& method, const std::string& path,
                                std::map<std::string, std::string> query = {}) {
  return request_attributes(method, path, query);
}

struct AttributeCase {
  const char* method;
  const char* path;
  std::map<std::string, std::string> query;
  const char* verb;
  const char* group;
  const char* resource;
  const char* subresource;
  const char* name;
  const char* ns;
};

TEST(RequestAttributes, FollowKubesRequestInfoTableByTable) {
  const AttributeCase cases[] = {
      {"GET", "/api/v1/namespaces/team-a/secrets/x", {}, "get", "", "secrets", "", "x", "team-a"},
      {"HEAD", "/api/v1/namespaces/team-a/secrets/x", {}, "get", "", "secrets", "", "x", "team-a"},
      {"GET", "/api/v1/namespaces/team-a/secrets", {}, "list", "", "secrets", "", "", "team-a"},
      {"GET", "/api/v1/secrets", {}, "list", "", "secrets", "", "", ""},
      {"GET", "/api/v1/namespaces/team-a/secrets", {{"watch", "true"}}, "watch", "", "secrets", "", "", "team-a"},
      {"GET", "/api/v1/namespaces/team-a/secrets", {{"watch", "1"}}, "watch", "", "secrets", "", "", "team-a"},
      {"GET", "/api/v1/namespaces/team-a/secrets", {{"watch", "false"}}, "list", "", "secrets", "", "", "team-a"},
      {"GET", "/api/v1/watch/namespaces/team-a/secrets", {}, "watch", "", "secrets", "", "", "team-a"},
      {"GET", "/api/v1/watch/namespaces/team-a/secrets/x", {}, "watch", "", "secrets", "", "x", "team-a"},
      {"GET", "/api/v1/namespaces/team-a/secrets", {{"fieldSelector", "metadata.name=x"}}, "list", "", "secrets", "", "x", "team-a"},
      {"GET", "/api/v1/namespaces/team-a/secrets", {{"watch", "true"}, {"fieldSelector", "metadata.name==x"}},
       "watch", "", "secrets", "", "x", "team-a"},
      {"GET", "/api/v1/namespaces/team-a/secrets", {{"fieldSelector", "type=Opaque,metadata.name=x"}}, "list", "",
       "secrets", "", "x", "team-a"},
      {"GET", "/api/v1/namespaces/team-a/secrets", {{"fieldSelector", "metadata.name!=x"}}, "list", "", "secrets",
       "", "", "team-a"},
      {"POST", "/api/v1/namespaces/team-a/secrets", {}, "create", "", "secrets", "", "", "team-a"},
      {"PUT", "/apis/dragops.io/v1alpha1/namespaces/team-a/connections/c/status", {}, "update", "dragops.io",
       "connections", "status", "c", "team-a"},
      {"PATCH", "/apis/apps/v1/namespaces/team-a/deployments/d", {}, "patch", "apps", "deployments", "", "d", "team-a"},
      {"DELETE", "/api/v1/namespaces/team-a/pods/p", {}, "delete", "", "pods", "", "p", "team-a"},
      {"DELETE", "/api/v1/namespaces/team-a/pods", {}, "deletecollection", "", "pods", "", "", "team-a"},
      {"POST", "/api/v1/namespaces/team-a/serviceaccounts/default/token", {}, "create", "", "serviceaccounts",
       "token", "default", "team-a"},
      {"GET", "/api/v1/namespaces/team-a", {}, "get", "", "namespaces", "", "team-a", "team-a"},
      {"PUT", "/api/v1/namespaces/team-a/status", {}, "update", "", "namespaces", "status", "team-a", "team-a"},
      {"GET", "/api/v1/namespaces", {}, "list", "", "namespaces", "", "", ""},
      {"GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin", {}, "get", "rbac.authorization.k8s.io",
       "clusterroles", "", "admin", ""},
  };
  for (const auto& c : cases) {
    auto a = attributes_of(c.method, c.path, c.query);
    SCOPED_TRACE(std::string(c.method) + " " + c.path);
    EXPECT_TRUE(a.resource_request);
    EXPECT_EQ(a.verb, c.verb);
    EXPECT_EQ(a.api_group, c.group);
    EXPECT_EQ(a.resource, c.resource);
    EXPECT_EQ(a.subresource, c.subresource);
    EXPECT_EQ(a.name, c.name);
    EXPECT_EQ(a.ns, c.ns);
  }
}

TEST(RequestAttributes, DiscoveryAndOtherPathsAreNonResourceRequests) {
  for (const char* path : {"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/openapi/v3", "/version/",
                           "/healthz"}) {
    auto a = attributes_of("GET", path);
    EXPECT_FALSE(a.resource_request) << path;
    EXPECT_EQ(a.verb, "get") << path;
    EXPECT_EQ(a.path, path);
  }
  EXPECT_EQ(attributes_of("POST", "/logs").verb, "post");
}

struct RuleCase {
  const char* rule;
  const char* method;
  const char* path;
  std::map<std::string, std::string> query;
  bool allowed;
};

TEST(RuleAllows, MatchesVerbsGroupsResourcesAndNamesTableByTable) {
  const char* named = R"({"apiGroups":[""],"resources":["secrets"],"verbs":["get","list","watch"],"resourceNames":["a"]})";
  const RuleCase cases[] = {
      {named, "GET", "/api/v1/namespaces/n/secrets/a", {}, true},
      {named, "GET", "/api/v1/namespaces/n/secrets/b", {}, false},
      {named, "GET", "/api/v1/namespaces/n/secrets", {}, false},  // a named rule never allows an unnamed list
      {named, "GET", "/api/v1/namespaces/n/secrets", {{"fieldSelector", "metadata.name=a"}}, true},
      {named, "GET", "/api/v1/namespaces/n/secrets", {{"watch", "1"}, {"fieldSelector", "metadata.name=a"}}, true},
      {named, "GET", "/api/v1/namespaces/n/secrets", {{"watch", "1"}, {"fieldSelector", "metadata.name=b"}}, false},
      {named, "PUT", "/api/v1/namespaces/n/secrets/a", {}, false},
      {named, "GET", "/api/v1/namespaces/n/configmaps/a", {}, false},
      {named, "GET", "/apis/example.test/v1/namespaces/n/secrets/a", {}, false},
      {R"({"apiGroups":["coordination.k8s.io"],"resources":["leases"],"verbs":["create"],"resourceNames":["l"]})",
       "POST", "/apis/coordination.k8s.io/v1/namespaces/n/leases", {}, false},
      {R"({"apiGroups":["*"],"resources":["*"],"verbs":["*"]})", "DELETE", "/apis/apps/v1/namespaces/n/deployments", {}, true},
      {R"({"apiGroups":["dragops.io"],"resources":["connections"],"verbs":["update"]})", "PUT",
       "/apis/dragops.io/v1alpha1/namespaces/n/connections/c/status", {}, false},
      {R"({"apiGroups":["dragops.io"],"resources":["connections/status"],"verbs":["update"]})", "PUT",
       "/apis/dragops.io/v1alpha1/namespaces/n/connections/c/status", {}, true},
      {R"({"apiGroups":["dragops.io"],"resources":["*/status"],"verbs":["update"]})", "PUT",
       "/apis/dragops.io/v1alpha1/namespaces/n/connections/c/status", {}, true},
      {R"({"apiGroups":["dragops.io"],"resources":["*/status"],"verbs":["update"]})", "PUT",
       "/apis/dragops.io/v1alpha1/namespaces/n/connections/c", {}, false},
      {R"({"apiGroups":["dragops.io"],"resources":["*"],"verbs":["update"]})", "PUT",
       "/apis/dragops.io/v1alpha1/namespaces/n/connections/c/status", {}, true},
      {R"({"nonResourceURLs":["/healthz"],"verbs":["get"]})", "GET", "/healthz", {}, true},
      {R"({"nonResourceURLs":["/healthz"],"verbs":["get"]})", "GET", "/healthz/etcd", {}, false},
      {R"({"nonResourceURLs":["/healthz/*"],"verbs":["get"]})", "GET", "/healthz/etcd", {}, true},
      {R"({"nonResourceURLs":["/healthz"],"verbs":["get"]})", "POST", "/healthz", {}, false},
      {R"({"nonResourceURLs":["*"],"verbs":["*"]})", "GET", "/anything", {}, true},
      {R"({"nonResourceURLs":["*"],"verbs":["*"]})", "GET", "/api/v1/namespaces/n/secrets", {}, false},
      {R"({"apiGroups":["*"],"resources":["*"],"verbs":["*"]})", "GET", "/version", {}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.rule) + " " + c.method + " " + c.path);
    EXPECT_EQ(rule_allows(object(c.rule), attributes_of(c.method, c.path, c.query)), c.allowed);
  }
}

TEST(SubjectMatches, UsersGroupsAndServiceAccountsWithTheBindingsNamespaceAsDefault) {
  UserInfo sa{"system:serviceaccount:team-a:runner", "u1",
              {"system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"}, {}};
  EXPECT_TRUE(subject_matches(object(R"({"kind":"ServiceAccount","name":"runner","namespace":"team-a"})"), sa, "other"));
  EXPECT_TRUE(subject_matches(object(R"({"kind":"ServiceAccount","name":"runner"})"), sa, "team-a"));
  EXPECT_FALSE(subject_matches(object(R"({"kind":"ServiceAccount","name":"runner"})"), sa, "team-b"));
  EXPECT_FALSE(subject_matches(object(R"({"kind":"ServiceAccount","name":"runner"})"), sa, ""));
  EXPECT_TRUE(subject_matches(object(R"({"kind":"Group","name":"system:serviceaccounts:team-a"})"), sa, ""));
  EXPECT_FALSE(subject_matches(object(R"({"kind":"Group","name":"system:serviceaccounts:team-b"})"), sa, ""));
  EXPECT_TRUE(subject_matches(object(R"({"kind":"User","name":"system:serviceaccount:team-a:runner"})"), sa, ""));
  EXPECT_FALSE(subject_matches(object(R"({"kind":"User","name":"runner"})"), sa, ""));
}

class AuthorizerTest : public ::testing::Test {
 protected:
  AuthorizerTest() : store_(registry_, 100, [] { return std::chrono::system_clock::now(); }), authorizer_(store_) {
    for (const char* ns : {"team-a", "team-b"})
      add("", "namespaces", "", std::string(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")") + ns + "\"}}");
  }
  void add(const std::string& group, const std::string& resource, const std::string& ns, const std::string& text) {
    const auto* type = registry_.find(group, group.empty() ? "v1" : "v1", resource);
    ASSERT_NE(type, nullptr) << resource;
    auto created = store_.create(*type, ns, object(text.c_str()), WriteOptions{});
    ASSERT_TRUE(created) << created.error().message;
  }
  void add_rbac(const std::string& resource, const std::string& ns, const std::string& text) {
    add("rbac.authorization.k8s.io", resource, ns, text);
  }
  bool allowed(const UserInfo& user, const std::string& method, const std::string& path,
               std::map<std::string, std::string> query = {}) {
    auto a = request_attributes(method, path, query);
    a.user = user;
    return authorizer_.authorize(a).allowed;
  }

  Registry registry_;
  Store store_;
  Authorizer authorizer_;
  UserInfo alice_{"alice", "", {"dev", "system:authenticated"}, {}};
};

TEST_F(AuthorizerTest, MastersMayDoAnythingAndEveryoneAuthenticatedMayDiscover) {
  UserInfo nobody{"nobody", "", {"system:authenticated"}, {}};
  EXPECT_TRUE(allowed(admin_user(), "DELETE", "/api/v1/namespaces/team-a/secrets"));
  EXPECT_TRUE(allowed(nobody, "GET", "/apis"));
  EXPECT_TRUE(allowed(nobody, "GET", "/openapi/v3/apis/apps/v1"));
  EXPECT_TRUE(allowed(nobody, "GET", "/version/"));
  EXPECT_TRUE(allowed(nobody, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"));
  EXPECT_TRUE(allowed(nobody, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews"));
  EXPECT_FALSE(allowed(nobody, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews"));
  EXPECT_FALSE(allowed(nobody, "GET", "/api/v1/namespaces/team-a/secrets"));
  EXPECT_FALSE(allowed(nobody, "GET", "/metrics"));
  UserInfo unauthenticated{"nobody", "", {}, {}};
  EXPECT_FALSE(allowed(unauthenticated, "GET", "/apis"));
}

TEST_F(AuthorizerTest, RoleBindingsGrantTheirRoleOnlyInTheirNamespace) {
  add_rbac("roles", "team-a", R"({"metadata":{"name":"reader","namespace":"team-a"},
      "rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list"]}]})");
  add_rbac("rolebindings", "team-a", R"({"metadata":{"name":"alice-reads","namespace":"team-a"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"reader"},
      "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}]})");
  EXPECT_TRUE(allowed(alice_, "GET", "/api/v1/namespaces/team-a/configmaps"));
  EXPECT_FALSE(allowed(alice_, "GET", "/api/v1/namespaces/team-b/configmaps"));
  EXPECT_FALSE(allowed(alice_, "GET", "/api/v1/configmaps")) << "a RoleBinding never grants cluster-wide";
  EXPECT_FALSE(allowed(alice_, "DELETE", "/api/v1/namespaces/team-a/configmaps/x"));
}

TEST_F(AuthorizerTest, ClusterRolesApplyThroughRoleBindingsInOneNamespaceAndClusterRoleBindingsEverywhere) {
  add_rbac("clusterroles", "", R"({"metadata":{"name":"secret-reader"},
      "rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}]})");
  add_rbac("rolebindings", "team-b", R"({"metadata":{"name":"dev-reads","namespace":"team-b"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"secret-reader"},
      "subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"dev"}]})");
  EXPECT_TRUE(allowed(alice_, "GET", "/api/v1/namespaces/team-b/secrets/x"));
  EXPECT_FALSE(allowed(alice_, "GET", "/api/v1/namespaces/team-a/secrets/x"));
  add_rbac("clusterrolebindings", "", R"({"metadata":{"name":"alice-reads-all"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"secret-reader"},
      "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}]})");
  EXPECT_TRUE(allowed(alice_, "GET", "/api/v1/namespaces/team-a/secrets/x"));
  auto a = request_attributes("GET", "/api/v1/namespaces/team-a/secrets/x", {});
  a.user = alice_;
  EXPECT_EQ(authorizer_.authorize(a).reason,
            "RBAC: allowed by ClusterRoleBinding \"alice-reads-all\" of ClusterRole \"secret-reader\" to User \"alice\"");
}

TEST_F(AuthorizerTest, ABindingToAMissingRoleGrantsNothing) {
  add_rbac("rolebindings", "team-a", R"({"metadata":{"name":"dangling","namespace":"team-a"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"missing"},
      "subjects":[{"kind":"User","name":"alice"}]})");
  EXPECT_FALSE(allowed(alice_, "GET", "/api/v1/namespaces/team-a/configmaps"));
}

TEST_F(AuthorizerTest, RulesForListsTheBootstrapRulesAndTheNamespacesBindings) {
  add_rbac("roles", "team-a", R"({"metadata":{"name":"reader","namespace":"team-a"},
      "rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}]})");
  add_rbac("rolebindings", "team-a", R"({"metadata":{"name":"alice-reads","namespace":"team-a"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"reader"},
      "subjects":[{"kind":"User","name":"alice"}]})");
  EXPECT_EQ(authorizer_.rules_for(alice_, "team-a").size(), bootstrap_rules().size() + 1);
  EXPECT_EQ(authorizer_.rules_for(alice_, "team-b").size(), bootstrap_rules().size());
}

TEST(Forbidden, ReadsLikeKubes) {
  RequestAttributes a = request_attributes("GET", "/api/v1/namespaces/team-a/secrets/x", {});
  a.user.username = "system:serviceaccount:team-a:default";
  auto e = forbidden(a);
  EXPECT_EQ(e.code, 403);
  EXPECT_EQ(e.reason, "Forbidden");
  EXPECT_EQ(e.message,
            "secrets \"x\" is forbidden: User \"system:serviceaccount:team-a:default\" cannot get resource \"secrets\" "
            "in API group \"\" in the namespace \"team-a\"");
  auto status = e.to_status();
  EXPECT_EQ(string_at(status, "details.name"), "x");
  EXPECT_EQ(string_at(status, "details.kind"), "secrets");

  a = request_attributes("GET", "/api/v1/namespaces/team-a/secrets", {});
  a.user.username = "bob";
  EXPECT_EQ(forbidden(a).message,
            "secrets is forbidden: User \"bob\" cannot list resource \"secrets\" in API group \"\" in the namespace \"team-a\"");
  a = request_attributes("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {});
  a.user.username = "bob";
  EXPECT_EQ(forbidden(a).message,
            "clusterroles.rbac.authorization.k8s.io is forbidden: User \"bob\" cannot list resource \"clusterroles\" in "
            "API group \"rbac.authorization.k8s.io\" at the cluster scope");
  a = request_attributes("PUT", "/apis/dragops.io/v1alpha1/namespaces/n/connections/c/status", {});
  a.user.username = "bob";
  EXPECT_EQ(forbidden(a).message,
            "connections.dragops.io \"c\" is forbidden: User \"bob\" cannot update resource \"connections/status\" in "
            "API group \"dragops.io\" in the namespace \"n\"");
  a = request_attributes("GET", "/metrics", {});
  a.user.username = "bob";
  EXPECT_EQ(forbidden(a).message, "forbidden: User \"bob\" cannot get path \"/metrics\"");
}

}  // namespace
}  // namespace dragops::apiserver
