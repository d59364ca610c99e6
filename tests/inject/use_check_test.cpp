#include "inject/admission.hpp"
#include "inject/use_check.hpp"

#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <map>

namespace dragops::inject {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Answer = boost::system::result<bool, std::string>;

// An authorizer that knows which (namespace, ServiceAccount, resource, name) may be used, and
// records what it was asked.
struct FakeAuthorizer {
  FakeAuthorizer() = default;
  explicit FakeAuthorizer(std::set<std::string> grants) : granted(std::move(grants)) {}
  std::set<std::string> granted;             // "ns/sa/resource/name"
  std::optional<std::string> unreachable;    // every check fails with this
  std::vector<std::string> asked;
  UseCheck check() {
    return [this](std::string_view ns, std::string_view sa, const UsedObject& object) -> Answer {
      const std::string key = std::string(ns) + "/" + std::string(sa) + "/" + object.resource + "/" + object.name;
      asked.push_back(key);
      if (unreachable) return Answer(boost::system::in_place_error, *unreachable);
      return granted.contains(key);
    };
  }
};

const auto kFar = std::chrono::steady_clock::now() + 1h;

std::string review_body(json::object pod) {
  json::object review{{"apiVersion", "admission.k8s.io/v1"},
                      {"kind", "AdmissionReview"},
                      {"request",
                       {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
                        {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                        {"namespace", "team-a"},
                        {"operation", "CREATE"},
                        {"object", std::move(pod)}}}};
  return json::serialize(review);
}

json::object pod(std::string connections, std::string secrets = "", std::string service_account = "wf") {
  json::object annotations{{"dragops.io/inject", "true"}, {"dragops.io/connections", connections}};
  if (!secrets.empty()) {
    annotations["dragops.io/secrets"] = secrets;
    annotations["dragops.io/environment"] = "production";
  }
  json::object spec{{"containers", json::array{{{"name", "app"}, {"image", "busybox"}}}}};
  if (!service_account.empty()) spec["serviceAccountName"] = service_account;
  return {{"metadata", {{"generateName", "run-"}, {"annotations", std::move(annotations)}}}, {"spec", std::move(spec)}};
}

TEST(UseAccessReview, AsksWhetherTheServiceAccountMayUseTheNamedObject) {
  auto review = use_access_review("team-a", "wf", {"connections", "github"});
  EXPECT_EQ(review.at("kind"), "SubjectAccessReview");
  EXPECT_EQ(review.at("apiVersion"), "authorization.k8s.io/v1");
  const auto& spec = review.at("spec").as_object();
  EXPECT_EQ(spec.at("user"), "system:serviceaccount:team-a:wf");
  // The groups the API server gives a ServiceAccount token, so that a grant to them counts.
  EXPECT_EQ(spec.at("groups"), (json::array{"system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated"}));
  EXPECT_EQ(spec.at("resourceAttributes"), (json::object{{"namespace", "team-a"}, {"verb", "use"}, {"group", "dragops.io"},
                                                         {"resource", "connections"}, {"name", "github"}}));
}

TEST(UseCheck, StoreNamesMapToTheObjectsTheyHoldAndBack) {
  EXPECT_EQ(store_name_of({"connections", "github"}), "dragops-conn-github");
  EXPECT_EQ(store_name_of({"secrets", "db"}), "dragops-secret-db");
  auto connection = used_object_of_store("dragops-conn-github");
  ASSERT_TRUE(connection);
  EXPECT_EQ(connection->resource, "connections");
  EXPECT_EQ(connection->name, "github");
  EXPECT_EQ(used_object_of_store("dragops-secret-db")->resource, "secrets");
  EXPECT_FALSE(used_object_of_store("dragops-data-keys"));
}

TEST(UseCheck, AllowsWhenEveryNameIsGranted) {
  FakeAuthorizer authorizer(std::set<std::string>{"team-a/wf/connections/github", "team-a/wf/secrets/db"});
  EXPECT_FALSE(refuse_unusable("team-a", "wf", {{"connections", "github"}, {"secrets", "db"}}, authorizer.check(), kFar));
  EXPECT_EQ(authorizer.asked.size(), 2u);
}

TEST(UseCheck, TheRefusalNamesEachObjectAndTheVerbAndResourceToGrant) {
  FakeAuthorizer authorizer(std::set<std::string>{"team-a/wf/connections/github"});
  auto refusal = refuse_unusable("team-a", "wf", {{"connections", "github"}, {"connections", "jira"}, {"secrets", "db"}},
                                 authorizer.check(), kFar);
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->find("ServiceAccount \"wf\" may not use connection \"jira\" and secret \"db\" in namespace \"team-a\""),
            std::string::npos) << *refusal;
  EXPECT_NE(refusal->find("the verb \"use\" on connections.dragops.io (resourceNames: [jira]), secrets.dragops.io "
                          "(resourceNames: [db])"),
            std::string::npos) << *refusal;
  EXPECT_NE(refusal->find("kubectl dragops share connection jira --serviceaccount wf -n team-a"), std::string::npos) << *refusal;
  EXPECT_EQ(refusal->find("github"), std::string::npos) << "an allowed name is not listed: " << *refusal;
}

TEST(UseCheck, NoAnswerIsADenialThatSaysSo) {
  FakeAuthorizer authorizer;
  authorizer.unreachable = "the API server did not answer the SubjectAccessReview (connection refused)";
  auto refusal = refuse_unusable("team-a", "wf", {{"connections", "github"}}, authorizer.check(), kFar);
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->find("cannot check whether ServiceAccount \"wf\" may use connection \"github\""), std::string::npos);
  EXPECT_NE(refusal->find("connection refused"), std::string::npos);
  EXPECT_NE(refusal->find("denied until the check can be made"), std::string::npos);
}

TEST(UseCheck, NoCheckStartsAfterTheDeadlineButTheFirst) {
  FakeAuthorizer authorizer(std::set<std::string>{"team-a/wf/connections/a", "team-a/wf/connections/b"});
  auto clock = std::chrono::steady_clock::time_point{} + 10s;
  const auto deadline = clock + 1s;
  auto check = [&](std::string_view ns, std::string_view sa, const UsedObject& object) {
    clock += 2s;   // each check takes 2 s of the fake clock
    return authorizer.check()(ns, sa, object);
  };
  auto refusal = refuse_unusable("team-a", "wf", {{"connections", "a"}, {"connections", "b"}}, check, deadline,
                                 [&] { return clock; });
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->find("did not finish within the webhook's timeout"), std::string::npos) << *refusal;
  EXPECT_EQ(authorizer.asked, (std::vector<std::string>{"team-a/wf/connections/a"}));
  // Past the deadline already: the first check still runs (the budget is for later ones).
  authorizer.asked.clear();
  EXPECT_FALSE(refuse_unusable("team-a", "wf", {{"connections", "a"}}, authorizer.check(), deadline, [&] { return clock; }));
  EXPECT_EQ(authorizer.asked.size(), 1u);
}

TEST(UseCheck, TheBudgetIsTheApiServersTimeoutLessASecondAndOneCheck) {
  EXPECT_EQ(check_budget("/mutate-pods?timeout=10s", 4s), 5s);
  EXPECT_EQ(check_budget("/mutate-pods?timeout=30s", 4s), 25s);
  EXPECT_EQ(check_budget("/mutate-pods?timeout=2.5s", 1s), 500ms);
  EXPECT_EQ(check_budget("/mutate-pods?timeout=3s", 4s), 0ms);
  EXPECT_EQ(check_budget("/mutate-pods", 4s), 5s) << "no timeout: the chart's 10 s";
  for (const char* odd : {"/mutate-pods?timeout=", "/mutate-pods?timeout=10", "/mutate-pods?timeout=-1s",
                          "/mutate-pods?timeout=1h", "/mutate-pods?timeout=99s", "/mutate-pods?timeout=1e400s", "%%"})
    EXPECT_EQ(check_budget(odd, 4s), 5s) << odd;
}

TEST(UseCheck, UsableStoreNamesDropWhatIsNoLongerGranted) {
  FakeAuthorizer authorizer(std::set<std::string>{"team-a/wf/connections/github"});
  auto usable = usable_store_names("team-a", "wf", {"dragops-conn-github", "dragops-conn-jira", "dragops-secret-db"},
                                   authorizer.check());
  ASSERT_TRUE(usable) << usable.error();
  EXPECT_EQ(*usable, (std::set<std::string>{"dragops-conn-github"}));
  authorizer.unreachable = "timeout";
  auto failed = usable_store_names("team-a", "wf", {"dragops-conn-github"}, authorizer.check());
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().find("cannot check whether ServiceAccount \"wf\" may use connection \"github\": timeout"),
            std::string::npos);
}

TEST(UseCheckAdmission, APodWhoseServiceAccountMayNotUseANameIsDenied) {
  FakeAuthorizer authorizer(std::set<std::string>{"team-a/wf/connections/github"});
  UseReview use{authorizer.check(), kFar};
  auto outcome = review_admission(review_body(pod("github,jira")), {}, &use);
  ASSERT_TRUE(outcome) << outcome.error();
  const auto& response = outcome->review.at("response").as_object();
  EXPECT_EQ(response.at("allowed"), false);
  EXPECT_FALSE(response.contains("patch"));
  EXPECT_EQ(response.at("status").at("code"), 403);
  const std::string message(response.at("status").at("message").as_string());
  EXPECT_NE(message.find("may not use connection \"jira\""), std::string::npos) << message;
  EXPECT_EQ(authorizer.asked, (std::vector<std::string>{"team-a/wf/connections/github", "team-a/wf/connections/jira"}));
}

TEST(UseCheckAdmission, APodWhoseServiceAccountMayUseEveryNameIsPatched) {
  FakeAuthorizer authorizer(std::set<std::string>{"team-a/default/connections/github", "team-a/default/secrets/db"});
  UseReview use{authorizer.check(), kFar};
  // No serviceAccountName: the pod runs as "default".
  auto outcome = review_admission(review_body(pod("github", "db", "")), {}, &use);
  ASSERT_TRUE(outcome) << outcome.error();
  ASSERT_EQ(outcome->review.at("response").at("allowed"), true) << outcome->decision.message;
  EXPECT_EQ(outcome->review.at("response").at("patchType"), "JSONPatch");
}

TEST(UseCheckAdmission, PodsThatAreNotInjectedAskNothing) {
  FakeAuthorizer authorizer;
  UseReview use{authorizer.check(), kFar};
  json::object plain{{"metadata", {{"name", "p"}}}, {"spec", {{"containers", json::array{{{"name", "app"}}}}}}};
  auto outcome = review_admission(review_body(plain), {}, &use);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->review.at("response").at("allowed"), true);
  // A pod the webhook denies for its annotations is not checked either.
  auto bad = review_admission(review_body(pod("Not_A_Name")), {}, &use);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->review.at("response").at("allowed"), false);
  EXPECT_TRUE(authorizer.asked.empty());
}

}  // namespace
}  // namespace dragops::inject
