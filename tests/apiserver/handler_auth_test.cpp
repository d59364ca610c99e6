#include "apiserver/handler.hpp"

#include "apiserver/json_util.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace dragops::apiserver {
namespace {

using namespace std::chrono_literals;

class HandlerAuthTest : public ::testing::Test {
 protected:
  HandlerAuthTest()
      : store_(registry_, 100, [this] { return now_; }),
        handler_(store_, registry_, HandlerOptions{"admin-token", 3 * 1024 * 1024, "127.0.0.1:1", "", [this] { return now_; }}) {
    admin("POST", "/api/v1/namespaces", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"}})");
    admin("POST", "/api/v1/namespaces/team-a/serviceaccounts",
          R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"runner"}})");
  }

  Outcome call(const std::string& token, const std::string& method, const std::string& target, const std::string& body = "",
               std::vector<std::pair<std::string, std::string>> extra_headers = {}) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers["authorization"] = "Bearer " + token;
    r.headers["content-type"] = "application/json";
    r.fields = {{"authorization", "Bearer " + token}, {"content-type", "application/json"}};
    for (auto& [name, value] : extra_headers) {
      r.headers[name] = value;
      r.fields.emplace_back(name, value);
    }
    return handler_.handle(r);
  }
  Outcome admin(const std::string& method, const std::string& target, const std::string& body = "") {
    auto o = call("admin-token", method, target, body);
    EXPECT_LT(o.response.status, 300) << o.response.body;
    return o;
  }
  std::string token_for(const std::string& sa, const std::string& body = "{}") {
    auto o = admin("POST", "/api/v1/namespaces/team-a/serviceaccounts/" + sa + "/token", body);
    return string_at(json_of(o), "status.token");
  }
  static json::object json_of(const Outcome& o) { return boost::json::parse(o.response.body).as_object(); }

  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::time_point(1'800'000'000s);
  Registry registry_;
  Store store_;
  Handler handler_;
};

TEST_F(HandlerAuthTest, TokenRequestIssuesATokenThatAuthenticatesAsTheServiceAccount) {
  auto o = admin("POST", "/api/v1/namespaces/team-a/serviceaccounts/runner/token",
                 R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}})");
  EXPECT_EQ(o.response.status, 201);
  auto body = json_of(o);
  EXPECT_EQ(string_at(body, "kind"), "TokenRequest");
  EXPECT_EQ(int_of(*find_path(body, "spec.expirationSeconds")), 3600);
  EXPECT_EQ(string_at(body, "status.expirationTimestamp"), rfc3339(now_ + 3600s));
  std::string token = string_at(body, "status.token");
  ASSERT_FALSE(token.empty());

  auto who = call(token, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}");
  ASSERT_EQ(who.response.status, 201) << who.response.body;
  auto user = json_of(who);
  EXPECT_EQ(string_at(user, "status.userInfo.username"), "system:serviceaccount:team-a:runner");
  auto sa = store_.find("/serviceaccounts", "team-a", "runner");
  EXPECT_EQ(string_at(user, "status.userInfo.uid"), string_at(*sa, "metadata.uid"));
  EXPECT_EQ(to_json(*find_path(user, "status.userInfo.groups")),
            R"(["system:serviceaccounts","system:serviceaccounts:team-a","system:authenticated"])");
}

TEST_F(HandlerAuthTest, TokenRequestRefusesShortDurationsAndMissingAccounts) {
  auto short_lived = call("admin-token", "POST", "/api/v1/namespaces/team-a/serviceaccounts/runner/token",
                          R"({"spec":{"expirationSeconds":599}})");
  EXPECT_EQ(short_lived.response.status, 422);
  EXPECT_EQ(string_at(json_of(short_lived), "message"),
            "TokenRequest.authentication.k8s.io \"runner\" is invalid: spec.expirationSeconds: Invalid value: 599: may "
            "not specify a duration less than 10 minutes");
  auto missing = call("admin-token", "POST", "/api/v1/namespaces/team-a/serviceaccounts/ghost/token", "{}");
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(string_at(json_of(missing), "message"), "serviceaccounts \"ghost\" not found");
}

TEST_F(HandlerAuthTest, TokensStopWorkingWhenExpiredOrWhenTheAccountIsRecreated) {
  std::string token = token_for("runner", R"({"spec":{"expirationSeconds":600}})");
  EXPECT_EQ(call(token, "GET", "/api").response.status, 200);
  now_ += 600s;
  auto expired = call(token, "GET", "/api");
  EXPECT_EQ(expired.response.status, 401);
  EXPECT_EQ(string_at(json_of(expired), "reason"), "Unauthorized");

  token = token_for("runner");
  EXPECT_EQ(call(token, "GET", "/api").response.status, 200);
  admin("DELETE", "/api/v1/namespaces/team-a/serviceaccounts/runner");
  EXPECT_EQ(call(token, "GET", "/api").response.status, 401);
  admin("POST", "/api/v1/namespaces/team-a/serviceaccounts",
        R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"runner"}})");
  EXPECT_EQ(call(token, "GET", "/api").response.status, 401) << "the new account has another uid";
}

TEST_F(HandlerAuthTest, ATamperedTokenIsUnauthorized) {
  std::string token = token_for("runner");
  token[token.size() - 1] = token.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(call(token, "GET", "/api").response.status, 401);
  EXPECT_EQ(call("dragops-sa.00.00", "GET", "/api").response.status, 401);
}

TEST_F(HandlerAuthTest, ServiceAccountsAreForbiddenWhatNoRoleGrantsWithKubesStatus) {
  std::string token = token_for("runner");
  auto o = call(token, "GET", "/api/v1/namespaces/team-a/secrets/x");
  EXPECT_EQ(o.response.status, 403);
  auto status = json_of(o);
  EXPECT_EQ(string_at(status, "reason"), "Forbidden");
  EXPECT_EQ(string_at(status, "message"),
            "secrets \"x\" is forbidden: User \"system:serviceaccount:team-a:runner\" cannot get resource \"secrets\" in "
            "API group \"\" in the namespace \"team-a\"");

  admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles",
        R"({"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get"],"resourceNames":["x"]}]})");
  admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings",
        R"({"metadata":{"name":"r"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},
            "subjects":[{"kind":"ServiceAccount","name":"runner"}]})");
  EXPECT_EQ(call(token, "GET", "/api/v1/namespaces/team-a/secrets/x").response.status, 404) << "allowed, and not there";
  EXPECT_EQ(call(token, "GET", "/api/v1/namespaces/team-a/secrets/y").response.status, 403);
}

TEST_F(HandlerAuthTest, ImpersonationNeedsTheImpersonateVerbAndYieldsTheServiceAccountsGroups) {
  auto as = call("admin-token", "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}",
                 {{"impersonate-user", "system:serviceaccount:team-a:runner"}});
  ASSERT_EQ(as.response.status, 201);
  EXPECT_EQ(to_json(*find_path(json_of(as), "status.userInfo.groups")),
            R"(["system:serviceaccounts","system:serviceaccounts:team-a","system:authenticated"])");

  auto groups = call("admin-token", "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}",
                     {{"impersonate-user", "bob"}, {"impersonate-group", "dev"}, {"impersonate-group", "ops"}});
  EXPECT_EQ(to_json(*find_path(json_of(groups), "status.userInfo.groups")),
            R"(["dev","ops","system:authenticated"])");

  auto extra = call("admin-token", "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}",
                    {{"impersonate-user", "bob"},
                     {"impersonate-uid", "u-1"},
                     {"impersonate-extra-example.com%2fproject", "p1"},
                     {"impersonate-extra-example.com%2fproject", "p2"}});
  EXPECT_EQ(string_at(json_of(extra), "status.userInfo.uid"), "u-1");
  EXPECT_EQ(to_json(*find_path(json_of(extra), "status.userInfo.extra")), R"({"example.com/project":["p1","p2"]})");
  EXPECT_EQ(call("admin-token", "GET", "/api", "", {{"impersonate-group", "dev"}}).response.status, 500)
      << "groups without a user";

  std::string token = token_for("runner");
  auto refused = call(token, "GET", "/api", "", {{"impersonate-user", "bob"}});
  EXPECT_EQ(refused.response.status, 403);
  EXPECT_EQ(string_at(json_of(refused), "message"),
            "users \"bob\" is forbidden: User \"system:serviceaccount:team-a:runner\" cannot impersonate resource "
            "\"users\" in API group \"\" at the cluster scope");
}

TEST_F(HandlerAuthTest, AccessReviewsAnswerForTheCallerOrTheNamedSubject) {
  std::string token = token_for("runner");
  auto self = call(token, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                   R"({"spec":{"resourceAttributes":{"namespace":"team-a","verb":"get","resource":"secrets"}}})");
  ASSERT_EQ(self.response.status, 201) << self.response.body;
  EXPECT_EQ(find_path(json_of(self), "status.allowed")->as_bool(), false);
  auto healthz = call(token, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                      R"({"spec":{"nonResourceAttributes":{"path":"/healthz","verb":"get"}}})");
  EXPECT_EQ(find_path(json_of(healthz), "status.allowed")->as_bool(), true);

  EXPECT_EQ(call(token, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", R"({"spec":{"user":"x"}})")
                .response.status,
            403);
  auto other = call("admin-token", "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                    R"({"spec":{"user":"alice","groups":["system:masters"],
                        "resourceAttributes":{"verb":"delete","resource":"nodes"}}})");
  EXPECT_EQ(find_path(json_of(other), "status.allowed")->as_bool(), true);
  auto local = call("admin-token", "POST", "/apis/authorization.k8s.io/v1/namespaces/team-a/localsubjectaccessreviews",
                    R"({"spec":{"user":"alice","resourceAttributes":{"namespace":"team-a","verb":"get","resource":"pods"}}})");
  EXPECT_EQ(local.response.status, 201);
  EXPECT_EQ(find_path(json_of(local), "status.allowed")->as_bool(), false);

  auto rules = call(token, "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                    R"({"spec":{"namespace":"team-a"}})");
  ASSERT_EQ(rules.response.status, 201);
  EXPECT_FALSE(find_path(json_of(rules), "status.nonResourceRules")->as_array().empty());
  EXPECT_EQ(find_path(json_of(rules), "status.incomplete")->as_bool(), false);
}

TEST_F(HandlerAuthTest, EveryNewNamespaceGetsADefaultServiceAccountThatTokensCanBeIssuedFor) {
  auto account = store_.find("/serviceaccounts", "team-a", "default");
  ASSERT_NE(account, nullptr) << "as kube's ServiceAccount controller makes it";
  std::string token = token_for("default");
  auto who = call(token, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}");
  EXPECT_EQ(string_at(json_of(who), "status.userInfo.username"), "system:serviceaccount:team-a:default");
}

}  // namespace
}  // namespace dragops::apiserver
