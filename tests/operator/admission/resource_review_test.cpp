// The Connection/Secret admission (issue 12, finding 3): owner recorded at creation and kept,
// every newly referenced core Secret checked against the requesting user, bounded in time.
#include "operator/admission/resource_review.hpp"
#include "operator/admission/resource_webhook.hpp"

#include "crypto/base64.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <map>

namespace dragops::op::admission {
namespace {

namespace json = boost::json;

json::object review(std::string_view kind, std::string_view operation, json::object object,
                    std::optional<json::object> old = std::nullopt, std::string_view user = "alice") {
  json::object request{{"uid", "req-1"},
                       {"kind", {{"group", "dragops.io"}, {"version", "v1alpha1"}, {"kind", kind}}},
                       {"operation", operation},
                       {"namespace", "team-a"},
                       {"userInfo", {{"username", user}, {"uid", "u-1"}, {"groups", {"devs", "system:authenticated"}},
                                     {"extra", {{"scopes", {"view"}}}}}},
                       {"object", std::move(object)}};
  if (old) request["oldObject"] = std::move(*old);
  return json::object{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"request", std::move(request)}};
}

json::object connection(std::string_view credentials_ref, std::string_view client_ref = "",
                        std::optional<std::string> owner = std::nullopt) {
  json::object spec{{"pack", "jira"}};
  if (!credentials_ref.empty()) spec["credentialsRef"] = {{"name", credentials_ref}};
  if (!client_ref.empty()) spec["oauth"] = {{"clientRef", {{"name", client_ref}}}};
  json::object metadata{{"name", "jira"}, {"namespace", "team-a"}};
  if (owner) metadata["annotations"] = {{std::string(kOwnerAnnotation), *owner}};
  return json::object{{"apiVersion", "dragops.io/v1alpha1"}, {"kind", "Connection"}, {"metadata", std::move(metadata)},
                      {"spec", std::move(spec)}};
}

json::object dragops_secret(std::map<std::string, std::string> environments, std::optional<std::string> owner = std::nullopt) {
  json::object envs;
  for (const auto& [environment, secret] : environments)
    envs[environment] = {{"secretKeyRef", {{"name", secret}, {"key", "password"}}}};
  json::object metadata{{"name", "db"}, {"namespace", "team-a"}};
  if (owner) metadata["annotations"] = {{std::string(kOwnerAnnotation), *owner}};
  return json::object{{"apiVersion", "dragops.io/v1alpha1"}, {"kind", "Secret"}, {"metadata", std::move(metadata)},
                      {"spec", {{"environments", std::move(envs)}}}};
}

ResourceRequest parsed(const json::object& body) {
  auto request = parse_resource_request(json::serialize(body));
  EXPECT_TRUE(request) << (request ? "" : request.error());
  return request ? std::move(*request) : ResourceRequest{};
}

// Answers from a table; records what it was asked.
class TableReviewer final : public AccessReviewer {
 public:
  std::map<std::string, bool> readable;   // secret name -> may get
  std::optional<std::string> failure;     // every review fails with this
  std::vector<std::string> asked;
  UserInfo last_user;
  boost::system::result<bool, std::string> may_get_secret(const UserInfo& user, std::string_view ns,
                                                          std::string_view name) override {
    asked.push_back(std::string(ns) + "/" + std::string(name));
    last_user = user;
    if (failure) return boost::system::result<bool, std::string>(boost::system::in_place_error, *failure);
    auto it = readable.find(std::string(name));
    return it != readable.end() && it->second;
  }
};

http::Request post(std::string_view path, const json::object& body, std::string_view query = "?timeout=10s") {
  http::Request request;
  request.method = "POST";
  request.target = std::string(path) + std::string(query);
  request.body = json::serialize(body);
  return request;
}

json::object response_of(const http::Response& answer) {
  EXPECT_EQ(answer.status, 200) << answer.body;
  return json::parse(answer.body).as_object().at("response").as_object();
}

json::array patch_of(const json::object& response) {
  if (!response.contains("patch")) return {};
  auto bytes = crypto::base64_decode(response.at("patch").as_string());
  return json::parse(std::string(bytes->begin(), bytes->end())).as_array();
}

TEST(ResourceAdmission, CreateReferencesEveryCoreSecretOnce) {
  auto request = parsed(review("Connection", "CREATE", connection("jira-creds", "jira-client")));
  EXPECT_EQ(new_references(request), (std::vector<std::string>{"jira-creds", "jira-client"}));
  auto secret = parsed(review("Secret", "CREATE", dragops_secret({{"dev", "db"}, {"prod", "db"}, {"test", "db-test"}})));
  EXPECT_EQ(new_references(secret), (std::vector<std::string>{"db", "db-test"}));
}

TEST(ResourceAdmission, UpdateChecksOnlyReferencesTheOldObjectDidNotHave) {
  auto request = parsed(review("Secret", "UPDATE", dragops_secret({{"dev", "db-dev"}, {"prod", "db-prod"}}),
                               dragops_secret({{"dev", "db-dev"}})));
  EXPECT_EQ(new_references(request), std::vector<std::string>{"db-prod"});
  auto unchanged = parsed(review("Connection", "UPDATE", connection("jira-creds"), connection("jira-creds")));
  EXPECT_TRUE(new_references(unchanged).empty());
}

TEST(ResourceAdmission, AnotherKeyOfAReferencedSecretIsANewReference) {
  auto old_secret = dragops_secret({{"dev", "db"}});
  auto new_secret = old_secret;
  new_secret["spec"].as_object()["environments"].as_object()["dev"].as_object()["secretKeyRef"].as_object()["key"] = "admin";
  EXPECT_EQ(new_references(parsed(review("Secret", "UPDATE", new_secret, old_secret))), std::vector<std::string>{"db"});
}

TEST(ResourceAdmission, OtherKindsAndSubresourcesAreNotExamined) {
  auto body = review("Connection", "UPDATE", connection("x"), connection("y"));
  body["request"].as_object()["subResource"] = "status";
  auto status = parsed(body);
  EXPECT_FALSE(status.kind);
  EXPECT_TRUE(new_references(status).empty());
  EXPECT_TRUE(owner_patch(status).empty());
  auto pack = review("IntegrationPack", "CREATE", json::object{{"metadata", {{"name", "p"}}}});
  EXPECT_FALSE(parsed(pack).kind);
}

TEST(ResourceAdmission, CreateRecordsTheCreatorOverwritingWhatTheUserSent) {
  auto plain = parsed(review("Connection", "CREATE", connection("c")));
  auto patch = owner_patch(plain);
  ASSERT_EQ(patch.size(), 1u);
  EXPECT_EQ(patch[0].at("path").as_string(), "/metadata/annotations");
  EXPECT_EQ(patch[0].at("value").at("dragops.io/owner").as_string(), "alice");

  auto forged = parsed(review("Connection", "CREATE", connection("c", "", "mallory")));
  patch = owner_patch(forged);
  ASSERT_EQ(patch.size(), 1u);
  EXPECT_EQ(patch[0].at("path").as_string(), "/metadata/annotations/dragops.io~1owner");
  EXPECT_EQ(patch[0].at("value").as_string(), "alice");
  EXPECT_TRUE(owner_problem(forged)) << "without the mutating step the forged owner is refused";
  EXPECT_FALSE(owner_problem(parsed(review("Connection", "CREATE", connection("c", "", "alice")))));
}

TEST(ResourceAdmission, UpdateKeepsTheOwnerAndRefusesAChange) {
  auto dropped = parsed(review("Connection", "UPDATE", connection("c"), connection("c", "", "alice"), "bob"));
  auto patch = owner_patch(dropped);
  ASSERT_EQ(patch.size(), 1u) << "a manifest without the annotation keeps the recorded owner";
  EXPECT_EQ(patch[0].at("value").at("dragops.io/owner").as_string(), "alice");

  auto changed = parsed(review("Connection", "UPDATE", connection("c", "", "bob"), connection("c", "", "alice"), "bob"));
  EXPECT_TRUE(owner_patch(changed).empty());
  auto problem = owner_problem(changed);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("dragops.io/owner"), std::string::npos);
  EXPECT_NE(problem->find("(alice)"), std::string::npos);

  auto legacy = parsed(review("Secret", "UPDATE", dragops_secret({{"dev", "db"}}, "bob"), dragops_secret({{"dev", "db"}}), "bob"));
  EXPECT_TRUE(owner_problem(legacy)) << "an object created before owners were recorded cannot be claimed";
  EXPECT_FALSE(owner_problem(parsed(review("Secret", "UPDATE", dragops_secret({{"dev", "db"}}), dragops_secret({{"dev", "db"}})))));
}

TEST(ResourceAdmission, TheAccessReviewAsksForTheRequestingUserWithGroupsUidAndExtra) {
  auto request = parsed(review("Connection", "CREATE", connection("c")));
  auto sar = secret_access_review(request.user, "team-a", "jira-creds");
  const auto& spec = sar.at("spec").as_object();
  EXPECT_EQ(sar.at("kind").as_string(), "SubjectAccessReview");
  EXPECT_EQ(spec.at("user").as_string(), "alice");
  EXPECT_EQ(spec.at("uid").as_string(), "u-1");
  EXPECT_EQ(spec.at("groups").as_array().size(), 2u);
  EXPECT_EQ(spec.at("extra").at("scopes").as_array()[0].as_string(), "view");
  const auto& attributes = spec.at("resourceAttributes").as_object();
  EXPECT_EQ(attributes.at("namespace").as_string(), "team-a");
  EXPECT_EQ(attributes.at("verb").as_string(), "get");
  EXPECT_EQ(attributes.at("resource").as_string(), "secrets");
  EXPECT_EQ(attributes.at("group").as_string(), "");
  EXPECT_EQ(attributes.at("name").as_string(), "jira-creds");
}

TEST(ResourceWebhook, RefusesAReferenceTheUserMayNotReadNamingTheSecretAndTheGrant) {
  TableReviewer reviewer;
  reviewer.readable = {{"jira-creds", true}, {"jira-client", false}};
  auto response = response_of(handle_resource_admission(
      kValidatePath, post(kValidatePath, review("Connection", "CREATE", connection("jira-creds", "jira-client", "alice"))), reviewer));
  EXPECT_FALSE(response.at("allowed").as_bool());
  EXPECT_EQ(response.at("uid").as_string(), "req-1");
  const std::string message(response.at("status").at("message").as_string());
  EXPECT_EQ(response.at("status").at("code").as_int64(), 403);
  EXPECT_NE(message.find("Secret \"jira-client\" in namespace \"team-a\""), std::string::npos) << message;
  EXPECT_NE(message.find("user \"alice\""), std::string::npos) << message;
  EXPECT_NE(message.find("get"), std::string::npos) << message;
  EXPECT_EQ(reviewer.asked, (std::vector<std::string>{"team-a/jira-creds", "team-a/jira-client"}));
  EXPECT_EQ(reviewer.last_user.groups.size(), 2u);
}

TEST(ResourceWebhook, AllowsWhenEveryReferenceIsReadableAndSendsNoPatch) {
  TableReviewer reviewer;
  reviewer.readable = {{"db-dev", true}, {"db-prod", true}};
  auto response = response_of(handle_resource_admission(
      kValidatePath, post(kValidatePath, review("Secret", "CREATE", dragops_secret({{"dev", "db-dev"}, {"prod", "db-prod"}}, "alice"))),
      reviewer));
  EXPECT_TRUE(response.at("allowed").as_bool());
  EXPECT_FALSE(response.contains("patch")) << "a validating webhook may not patch";
}

TEST(ResourceWebhook, AnUnansweredReviewIsADenialThatSaysSo) {
  TableReviewer reviewer;
  reviewer.failure = "the API server did not answer the SubjectAccessReview (connection refused)";
  auto response = response_of(handle_resource_admission(
      kValidatePath, post(kValidatePath, review("Connection", "CREATE", connection("jira-creds", "", "alice"))), reviewer));
  EXPECT_FALSE(response.at("allowed").as_bool());
  const std::string message(response.at("status").at("message").as_string());
  EXPECT_NE(message.find("cannot check whether user \"alice\" may get Secret \"jira-creds\""), std::string::npos) << message;
  EXPECT_NE(message.find("did not answer"), std::string::npos) << message;
}

TEST(ResourceWebhook, StopsReviewingAtTheWebhookTimeout) {
  TableReviewer reviewer;
  reviewer.readable = {{"a", true}, {"b", true}};
  auto t = std::chrono::steady_clock::time_point{};
  // Every reading of the clock moves it 3 s on: the second review would start past 4 s - 1 s.
  SteadyNow clock = [&] { return t += std::chrono::seconds(3); };
  auto response = response_of(handle_resource_admission(
      kValidatePath, post(kValidatePath, review("Secret", "CREATE", dragops_secret({{"x", "a"}, {"y", "b"}}, "alice")), "?timeout=4s"),
      reviewer, clock));
  EXPECT_FALSE(response.at("allowed").as_bool());
  EXPECT_NE(std::string(response.at("status").at("message").as_string()).find("timeout"), std::string::npos);
  EXPECT_EQ(webhook_timeout("/validate-resources?timeout=7s"), std::chrono::seconds(7));
  EXPECT_EQ(webhook_timeout("/validate-resources"), std::chrono::seconds(10));
  EXPECT_EQ(webhook_timeout("/validate-resources?timeout=1m"), std::chrono::seconds(10));
}

TEST(ResourceWebhook, TheMutatingStepOnlyRecordsTheOwnerAndReviewsNothing) {
  TableReviewer reviewer;
  auto response = response_of(handle_resource_admission(
      kMutatePath, post(kMutatePath, review("Connection", "CREATE", connection("secret-of-someone-else"))), reviewer));
  EXPECT_TRUE(response.at("allowed").as_bool());
  EXPECT_EQ(response.at("patchType").as_string(), "JSONPatch");
  EXPECT_EQ(patch_of(response)[0].at("value").at("dragops.io/owner").as_string(), "alice");
  EXPECT_TRUE(reviewer.asked.empty());
}

TEST(ResourceWebhook, ABodyThatIsNotAReviewIs400) {
  TableReviewer reviewer;
  http::Request request;
  request.method = "POST";
  request.target = std::string(kValidatePath);
  request.body = "{}";
  EXPECT_EQ(handle_resource_admission(kValidatePath, request, reviewer).status, 400);
  request.method = "GET";
  EXPECT_EQ(handle_resource_admission(kValidatePath, request, reviewer).status, 405);
}

}  // namespace
}  // namespace dragops::op::admission
