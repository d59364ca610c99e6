#include "dashboard.hpp"
#include "web_security.hpp"

#include "packs/validate.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace dragops::dashboard {
namespace {
namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kToken = "user-token-canary-5f3a9c";

struct Call {
  KubeRequest request;
  std::string token;
};

// A fake Kubernetes API: records every call with the token it carried and answers from a table
// of "METHOD PATH" -> (status, body); anything else is 404.
struct FakeKube {
  std::vector<Call> calls;
  std::map<std::string, KubeAnswer> answers;
  KubeCall fn() {
    return [this](const KubeRequest& request, std::string_view token) {
      calls.push_back({request, std::string(token)});
      auto it = answers.find(request.method + " " + request.path);
      if (it != answers.end()) return it->second;
      return KubeAnswer{404, R"({"kind":"Status","message":"not found","reason":"NotFound"})"};
    };
  }
};

const Asset kIndex{"text/html; charset=utf-8", "<!doctype html><title>t</title>"};

struct Fixture : ::testing::Test {
  SteadyClock::time_point now{};
  SessionStore sessions{{.idle_timeout = std::chrono::seconds(600), .max_age = std::chrono::seconds(3600)},
                        [this] { return now; }};
  FakeKube kube;
  Dashboard dashboard{DashboardOptions{}, sessions, kube.fn(),
                      [](std::string_view path) -> const Asset* { return path == "/index.html" ? &kIndex : nullptr; }};

  Fixture() {
    kube.answers["POST /apis/authentication.k8s.io/v1/selfsubjectreviews"] =
        KubeAnswer{201, R"({"status":{"userInfo":{"username":"system:serviceaccount:team-a:alice"}}})"};
  }

  http::Request make(std::string method, std::string target, std::string body = {}, std::string cookie = {}) {
    http::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = {{"host", "localhost:8080"}};
    if (r.method != "GET") r.headers.push_back({"origin", "http://localhost:8080"});
    if (!r.body.empty()) r.headers.push_back({"content-type", "application/json"});
    if (!cookie.empty()) r.headers.push_back({"cookie", std::string(kSessionCookie) + "=" + cookie});
    return r;
  }

  std::string sign_in() {
    auto response = dashboard(make("POST", "/api/session", R"({"token":")" + std::string(kToken) + R"("})"));
    EXPECT_EQ(response.status, 200) << response.body;
    auto cookie = std::string(response.header("Set-Cookie"));
    auto start = cookie.find('=') + 1;
    return cookie.substr(start, cookie.find(';') - start);
  }
};

TEST_F(Fixture, SignInChecksTheTokenWithTheApiServerAndSetsAStrictCookie) {
  auto response = dashboard(make("POST", "/api/session", R"({"token":")" + std::string(kToken) + R"("})"));
  ASSERT_EQ(response.status, 200);
  ASSERT_EQ(kube.calls.size(), 1u);
  EXPECT_EQ(kube.calls[0].token, kToken);
  EXPECT_EQ(kube.calls[0].request.path, "/apis/authentication.k8s.io/v1/selfsubjectreviews");
  const std::string cookie(response.header("Set-Cookie"));
  EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
  EXPECT_THAT(cookie, HasSubstr("Secure"));
  EXPECT_THAT(cookie, HasSubstr("SameSite=Strict"));
  EXPECT_THAT(cookie, Not(HasSubstr(kToken)));
  EXPECT_THAT(response.body, Not(HasSubstr(kToken)));
  EXPECT_THAT(response.body, HasSubstr("system:serviceaccount:team-a:alice"));
  EXPECT_EQ(response.header("Cache-Control"), "no-store");
  EXPECT_EQ(sessions.size(), 1u);
}

TEST_F(Fixture, ATokenTheApiServerRefusesMakesNoSession) {
  kube.answers["POST /apis/authentication.k8s.io/v1/selfsubjectreviews"] = KubeAnswer{401, R"({"message":"Unauthorized"})"};
  auto response = dashboard(make("POST", "/api/session", R"({"token":"nope"})"));
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.header("Set-Cookie"), "");
  EXPECT_EQ(sessions.size(), 0u);
  EXPECT_EQ(dashboard(make("POST", "/api/session", R"({"token":""})")).status, 400);
  EXPECT_EQ(dashboard(make("POST", "/api/session", R"({"token":"two words"})")).status, 400);
  EXPECT_EQ(dashboard(make("POST", "/api/session", R"(not json)")).status, 400);
}

TEST_F(Fixture, ApiCallsCarryTheUsersOwnToken) {
  auto id = sign_in();
  kube.answers["GET /apis/dragops.io/v1alpha1/namespaces/team-a/connections"] = KubeAnswer{200, R"({"items":[
    {"metadata":{"name":"jira","namespace":"team-a","creationTimestamp":"2026-12-01T00:00:00Z",
                 "annotations":{"dragops.io/owner":"system:serviceaccount:team-a:alice"}},
     "spec":{"pack":"jira","sealedCredentials":{"email":"AQ"}},
     "status":{"authType":"fields","conditions":[{"type":"Ready","status":"True","reason":"Sealed","message":"3 fields sealed"}]}}]})"};
  kube.answers["GET /apis/dragops.io/v1alpha1/integrationpacks"] = KubeAnswer{200, R"({"items":[
    {"metadata":{"name":"jira"},"spec":{"displayName":"Jira Cloud","authType":"fields","fields":[{"name":"email","label":"Email","format":"email"}]}}]})"};
  kube.calls.clear();
  auto response = dashboard(make("GET", "/api/connections?namespace=team-a", {}, id));
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_FALSE(kube.calls.empty());
  for (const auto& call : kube.calls) EXPECT_EQ(call.token, kToken) << call.request.path;
  auto body = json::parse(response.body);
  const auto& item = body.at("items").at(0);
  EXPECT_EQ(item.at("service"), "Jira Cloud");
  EXPECT_EQ(item.at("authType"), "fields");
  EXPECT_EQ(item.at("ready"), "True");
  EXPECT_EQ(item.at("reason"), "Sealed");
  EXPECT_EQ(item.at("owner"), "system:serviceaccount:team-a:alice");
  EXPECT_EQ(response.header("Cache-Control"), "no-store");
}

TEST_F(Fixture, WithoutASessionNothingReachesTheApiServer) {
  kube.calls.clear();
  EXPECT_EQ(dashboard(make("GET", "/api/connections")).status, 401);
  EXPECT_EQ(dashboard(make("GET", "/api/connections", {}, std::string(64, 'a'))).status, 401);
  EXPECT_EQ(dashboard(make("DELETE", "/api/connections/team-a/jira", {}, "forged")).status, 401);
  EXPECT_TRUE(kube.calls.empty());
}

TEST_F(Fixture, UnsafeMethodsFromAnotherOriginAreRefusedBeforeAnything) {
  auto id = sign_in();
  kube.calls.clear();
  auto request = make("DELETE", "/api/connections/team-a/jira", {}, id);
  for (auto& [name, value] : request.headers) {
    if (name == "origin") value = "https://evil.example";
  }
  EXPECT_EQ(dashboard(request).status, 403);
  auto no_origin = make("POST", "/api/connections/team-a", R"({"name":"x","pack":"jira"})", id);
  std::erase_if(no_origin.headers, [](const auto& h) { return h.first == "origin"; });
  EXPECT_EQ(dashboard(no_origin).status, 403);
  auto form = make("POST", "/api/connections/team-a", R"({"name":"x","pack":"jira"})", id);
  for (auto& [name, value] : form.headers) {
    if (name == "content-type") value = "application/x-www-form-urlencoded";
  }
  EXPECT_EQ(dashboard(form).status, 415);
  EXPECT_TRUE(kube.calls.empty());
}

TEST_F(Fixture, SignOutEndsTheSessionAndClearsTheCookie) {
  auto id = sign_in();
  auto response = dashboard(make("DELETE", "/api/session", {}, id));
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(std::string(response.header("Set-Cookie")), HasSubstr("Max-Age=0"));
  EXPECT_EQ(dashboard(make("GET", "/api/session", {}, id)).status, 401);
  EXPECT_EQ(dashboard(make("GET", "/api/packs", {}, id)).status, 401);
}

TEST_F(Fixture, SessionsExpire) {
  auto id = sign_in();
  EXPECT_EQ(dashboard(make("GET", "/api/session", {}, id)).status, 200);
  now += std::chrono::seconds(601);
  auto response = dashboard(make("GET", "/api/namespaces", {}, id));
  EXPECT_EQ(response.status, 401);
  EXPECT_THAT(std::string(response.header("Set-Cookie")), HasSubstr("Max-Age=0"));
}

TEST_F(Fixture, ATokenTheApiServerNoLongerAcceptsEndsTheSession) {
  auto id = sign_in();
  kube.answers["GET /apis/dragops.io/v1alpha1/secrets"] = KubeAnswer{401, R"({"message":"Unauthorized"})"};
  EXPECT_EQ(dashboard(make("GET", "/api/secrets", {}, id)).status, 401);
  EXPECT_EQ(sessions.size(), 0u);
}

TEST_F(Fixture, ForbiddenIsPassedOnWithTheApiServersMessage) {
  auto id = sign_in();
  kube.answers["DELETE /apis/dragops.io/v1alpha1/namespaces/team-a/connections/jira"] = KubeAnswer{
      403, R"({"kind":"Status","reason":"Forbidden","message":"connections.dragops.io \"jira\" is forbidden: User cannot delete"})"};
  auto response = dashboard(make("DELETE", "/api/connections/team-a/jira", {}, id));
  EXPECT_EQ(response.status, 403);
  EXPECT_THAT(response.body, HasSubstr("is forbidden"));
}

TEST_F(Fixture, CreateSendsOnlySealedValuesAndRefusesAnythingElse) {
  auto id = sign_in();
  kube.answers["POST /apis/dragops.io/v1alpha1/namespaces/team-a/connections"] = KubeAnswer{201, "{}"};
  kube.calls.clear();
  const std::string sealed(160, 'A');
  auto response = dashboard(make("POST", "/api/connections/team-a",
                                 R"({"name":"jira","pack":"jira","sealedCredentials":{"email":")" + sealed + R"("}})", id));
  ASSERT_EQ(response.status, 201) << response.body;
  ASSERT_EQ(kube.calls.size(), 1u);
  auto sent = json::parse(kube.calls[0].request.body);
  EXPECT_EQ(sent.at("kind"), "Connection");
  EXPECT_EQ(sent.at("metadata").at("namespace"), "team-a");
  EXPECT_EQ(sent.at("spec").at("sealedCredentials").at("email"), sealed.c_str());
  EXPECT_FALSE(sent.at("spec").as_object().contains("credentials"));

  kube.calls.clear();
  EXPECT_EQ(dashboard(make("POST", "/api/connections/team-a",
                           R"({"name":"jira","pack":"jira","sealedCredentials":{"email":"plain text value"}})", id)).status, 400);
  EXPECT_EQ(dashboard(make("POST", "/api/connections/team-a", R"({"name":"Not_A_Name","pack":"jira"})", id)).status, 400);
  EXPECT_EQ(dashboard(make("POST", "/api/secrets/team-a", R"({"name":"db","environments":{}})", id)).status, 400);
  EXPECT_EQ(dashboard(make("POST", "/api/secrets/team-a", R"({"name":"db","environments":{"Prod":")" + sealed + R"("}})", id)).status, 400);
  EXPECT_TRUE(kube.calls.empty());
}

TEST_F(Fixture, NamesThatAreNotKubernetesNamesNeverReachAPath) {
  auto id = sign_in();
  kube.calls.clear();
  for (std::string target : {"/api/connections/..%2f..%2fapi/x", "/api/connections/team-a/a%2Fb", "/api/secrets/TEAM/x",
                             "/api/connections/team-a/x/y", "/api/connections?namespace=a/b"}) {
    auto response = dashboard(make("GET", target, {}, id));
    EXPECT_TRUE(response.status == 400 || response.status == 404) << target << " " << response.status;
  }
  EXPECT_TRUE(kube.calls.empty());
}

TEST_F(Fixture, PatchesAreMergePatchesOfTheSpec) {
  auto id = sign_in();
  kube.answers["PATCH /apis/dragops.io/v1alpha1/namespaces/team-a/secrets/db"] = KubeAnswer{200, "{}"};
  kube.calls.clear();
  const std::string sealed(160, 'B');
  ASSERT_EQ(dashboard(make("PATCH", "/api/secrets/team-a/db",
                           R"({"environments":{"staging":")" + sealed + R"(","development":null}})", id)).status, 200);
  ASSERT_EQ(kube.calls.size(), 1u);
  EXPECT_EQ(kube.calls[0].request.content_type, "application/merge-patch+json");
  auto sent = json::parse(kube.calls[0].request.body);
  EXPECT_EQ(sent.at("spec").at("environments").at("staging").at("sealedValue"), sealed.c_str());
  EXPECT_TRUE(sent.at("spec").at("environments").at("development").is_null());
}

TEST_F(Fixture, PermissionsComeFromSelfSubjectAccessReviews) {
  auto id = sign_in();
  kube.answers["POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"] = KubeAnswer{201, R"({"status":{"allowed":false}})"};
  kube.calls.clear();
  auto response = dashboard(make("GET", "/api/permissions?namespace=team-a", {}, id));
  ASSERT_EQ(response.status, 200);
  auto body = json::parse(response.body);
  EXPECT_EQ(body.at("connections").at("create"), false);
  EXPECT_EQ(body.at("secrets").at("delete"), false);
  EXPECT_EQ(body.at("share"), false);
  ASSERT_EQ(kube.calls.size(), 11u) << "10 for the dragops verbs, then create roles (refused: no more)";
  auto review = json::parse(kube.calls[0].request.body);
  EXPECT_EQ(review.at("spec").at("resourceAttributes").at("namespace"), "team-a");
  EXPECT_EQ(review.at("spec").at("resourceAttributes").at("group"), "dragops.io");
}

TEST_F(Fixture, SharingWritesTheUseRoleAndBindingAsTheUser) {
  auto id = sign_in();
  const std::string rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a";
  kube.answers["POST " + rbac + "/roles"] = KubeAnswer{409, R"({"kind":"Status","reason":"AlreadyExists"})"};
  kube.answers["POST " + rbac + "/rolebindings"] = KubeAnswer{201, "{}"};
  kube.calls.clear();
  auto response = dashboard(make("POST", "/api/connections/team-a/github/share", R"({"serviceAccount":"wf"})", id));
  ASSERT_EQ(response.status, 201) << response.body;
  ASSERT_EQ(kube.calls.size(), 2u);
  EXPECT_EQ(kube.calls[0].token, kToken);
  EXPECT_EQ(kube.calls[1].token, kToken);
  // What kubectl dragops share writes (common/use_grant.hpp), labelled as the dashboard's.
  auto role = json::parse(kube.calls[0].request.body);
  EXPECT_EQ(role.at("metadata").at("name"), "dragops-use-connection-github");
  EXPECT_EQ(role.at("rules"), json::parse(R"([{"apiGroups":["dragops.io"],"resources":["connections"],"verbs":["use"],
                                               "resourceNames":["github"]}])"));
  auto binding = json::parse(kube.calls[1].request.body);
  EXPECT_EQ(binding.at("metadata").at("name"), "dragops-use-connection-github-wf");
  EXPECT_EQ(binding.at("metadata").at("labels").at("app.kubernetes.io/managed-by"), "dragops-dashboard");
  EXPECT_EQ(binding.at("subjects"), json::parse(R"([{"kind":"ServiceAccount","name":"wf","namespace":"team-a"}])"));
  EXPECT_EQ(binding.at("roleRef").at("name"), "dragops-use-connection-github");
  // A refusal is the API server's; a bad name reaches no path.
  kube.answers["POST " + rbac + "/rolebindings"] =
      KubeAnswer{403, R"({"kind":"Status","reason":"Forbidden","message":"rolebindings is forbidden: user alice"})"};
  EXPECT_EQ(dashboard(make("POST", "/api/connections/team-a/github/share", R"({"serviceAccount":"wf"})", id)).status, 403);
  kube.calls.clear();
  EXPECT_EQ(dashboard(make("POST", "/api/connections/team-a/github/share", R"({"serviceAccount":"../x"})", id)).status, 400);
  EXPECT_EQ(dashboard(make("POST", "/api/connections/team-a/github/share", R"({"serviceAccount":7})", id)).status, 400);
  EXPECT_TRUE(kube.calls.empty());
  // Unsharing deletes the binding only.
  kube.answers["DELETE " + rbac + "/rolebindings/dragops-use-secret-db-wf"] = KubeAnswer{200, "{}"};
  EXPECT_EQ(dashboard(make("DELETE", "/api/secrets/team-a/db/share/wf", {}, id)).status, 200);
  ASSERT_EQ(kube.calls.size(), 1u);
}

TEST_F(Fixture, TheDetailShowsWhichServiceAccountsMayUseIt) {
  auto id = sign_in();
  const std::string rbac = "/apis/rbac.authorization.k8s.io/v1";
  kube.answers["GET /apis/dragops.io/v1alpha1/namespaces/team-a/connections/github"] =
      KubeAnswer{200, R"({"metadata":{"name":"github","namespace":"team-a"},"spec":{"pack":"github"}})"};
  kube.answers["GET " + rbac + "/namespaces/team-a/rolebindings"] = KubeAnswer{200, R"({"items":[
    {"metadata":{"name":"dragops-use-connection-github-wf","labels":{"app.kubernetes.io/managed-by":"kubectl-dragops"}},
     "roleRef":{"kind":"Role","name":"dragops-use-connection-github"},"subjects":[{"kind":"ServiceAccount","name":"wf"}]},
    {"metadata":{"name":"everyone"},"roleRef":{"kind":"ClusterRole","name":"dragops-user"},
     "subjects":[{"kind":"Group","name":"system:serviceaccounts:team-a"},{"kind":"User","name":"bob"}]},
    {"metadata":{"name":"reader"},"roleRef":{"kind":"Role","name":"reader"},"subjects":[{"kind":"ServiceAccount","name":"other"}]},
    {"metadata":{"name":"jira-only"},"roleRef":{"kind":"Role","name":"jira-only"},
     "subjects":[{"kind":"ServiceAccount","name":"x"},{"kind":"ServiceAccount","name":"y","namespace":"team-b"}]}]})"};
  kube.answers["GET " + rbac + "/namespaces/team-a/roles/dragops-use-connection-github"] = KubeAnswer{200, R"({"rules":[
    {"apiGroups":["dragops.io"],"resources":["connections"],"verbs":["use"],"resourceNames":["github"]}]})"};
  kube.answers["GET " + rbac + "/clusterroles/dragops-user"] =
      KubeAnswer{200, R"({"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]})"};
  kube.answers["GET " + rbac + "/namespaces/team-a/roles/reader"] =
      KubeAnswer{200, R"({"rules":[{"apiGroups":["dragops.io"],"resources":["connections"],"verbs":["get","list"]}]})"};
  kube.answers["GET " + rbac + "/namespaces/team-a/roles/jira-only"] = KubeAnswer{200, R"({"rules":[
    {"apiGroups":["dragops.io"],"resources":["connections"],"verbs":["use"],"resourceNames":["jira"]},
    {"apiGroups":["dragops.io"],"resources":["secrets"],"verbs":["use"],"resourceNames":["github"]}]})"};
  auto response = dashboard(make("GET", "/api/connections/team-a/github", {}, id));
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = json::parse(response.body);
  EXPECT_EQ(body.at("users"), json::parse(R"([{"serviceAccount":"wf","binding":"dragops-use-connection-github-wf","shared":true},
                                              {"serviceAccount":"*","binding":"everyone","shared":false}])"));
  EXPECT_EQ(body.at("usersForbidden"), false);
  kube.answers["GET " + rbac + "/namespaces/team-a/rolebindings"] = KubeAnswer{403, R"({"kind":"Status","reason":"Forbidden"})"};
  body = json::parse(dashboard(make("GET", "/api/connections/team-a/github", {}, id)).body);
  EXPECT_EQ(body.at("usersForbidden"), true);
  EXPECT_TRUE(body.at("users").as_array().empty());
}

TEST_F(Fixture, PagesGetTheStrictHeadersToo) {
  auto response = dashboard(make("GET", "/"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Security-Policy"), content_security_policy());
  EXPECT_EQ(response.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(dashboard(make("GET", "/nothing-here.js")).status, 404);
}

TEST_F(Fixture, TheTokenNeverReachesTheLog) {
  ::testing::internal::CaptureStderr();
  auto id = sign_in();
  dashboard(make("GET", "/api/connections", {}, id));
  dashboard(make("DELETE", "/api/session", {}, id));
  const auto log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("/api/session"));   // requests are logged
  EXPECT_THAT(log, Not(HasSubstr(kToken)));
  EXPECT_THAT(log, Not(HasSubstr(id)));
}

TEST(Names, Dns1123) {
  EXPECT_TRUE(is_dns1123_label("team-a"));
  EXPECT_FALSE(is_dns1123_label("Team"));
  EXPECT_FALSE(is_dns1123_label("-a"));
  EXPECT_FALSE(is_dns1123_label(".."));
  EXPECT_TRUE(is_dns1123_subdomain("db.password"));
  EXPECT_FALSE(is_dns1123_subdomain("a..b"));
  EXPECT_FALSE(is_dns1123_subdomain("a/b"));
}

// tests/dashboard/validate_cases.json: what the operator accepts; validate_ui.sh checks the form's
// TypeScript against the same file.
TEST(OperatorRules, TheSharedCasesHoldForTheOperator) {
  std::ifstream in(DRAGOPS_VALIDATE_CASES);
  ASSERT_TRUE(in) << DRAGOPS_VALIDATE_CASES;
  std::stringstream text;
  text << in.rdbuf();
  auto cases = json::parse(text.str());
  int count = 0;
  for (const auto& c : cases.at("email").as_array()) {
    EXPECT_EQ(packs::is_valid_email(c.at(0).as_string()), c.at(1).as_bool()) << c.at(0).as_string();
    ++count;
  }
  for (const auto& c : cases.at("url").as_array()) {
    EXPECT_EQ(packs::is_valid_url(c.at(0).as_string()), c.at(1).as_bool()) << c.at(0).as_string();
    ++count;
  }
  EXPECT_GT(count, 40);
}

}  // namespace
}  // namespace dragops::dashboard

namespace dragops::dashboard {
namespace {

// The OAuth flow bound to the browser that started it.
struct OAuthFixture : Fixture {
  std::vector<std::string> forwarded;
  int operator_status = 200;
  static DashboardOptions options() {
    DashboardOptions o;
    o.oauth_callback_url = "http://operator:8443/oauth/callback";
    o.oauth_binding_lifetime = std::chrono::seconds(600);
    return o;
  }
  Dashboard oauth{options(), sessions, kube.fn(), nullptr,
                  [this](const std::string& url) {
                    forwarded.push_back(url);
                    return KubeAnswer{operator_status, "<html>ok</html>"};
                  },
                  [this] { return now; }};

  OAuthFixture() {
    kube.answers["POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"] = KubeAnswer{201, R"({"status":{"allowed":true}})"};
    kube.answers["GET /apis/dragops.io/v1alpha1/namespaces/team-a/connections/github"] = KubeAnswer{200, R"({
      "metadata":{"name":"github","namespace":"team-a"},"spec":{"pack":"github"},
      "status":{"authorizationURL":"https://idp.example/auth?client_id=c&state=v1.abc.def&redirect_uri=https%3A%2F%2Fdash.example%2Foauth%2Fcallback"}})"};
  }

  // Signs in, starts Authorize; returns the dragops_oauth cookie's value.
  std::string start(const std::string& session) {
    auto response = oauth(make("POST", "/api/connections/team-a/github/authorize", "{}", session));
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_THAT(response.body, HasSubstr("https://idp.example/auth?"));
    const std::string cookie(response.header("Set-Cookie"));
    EXPECT_THAT(cookie, HasSubstr("HttpOnly"));
    EXPECT_THAT(cookie, HasSubstr("Secure"));
    EXPECT_THAT(cookie, HasSubstr("SameSite=Lax"));
    EXPECT_THAT(cookie, HasSubstr("Path=/oauth/callback"));
    auto start = cookie.find('=') + 1;
    return cookie.substr(start, cookie.find(';') - start);
  }

  http::Response callback(const std::string& oauth_cookie, std::string query = "code=the-code&state=v1.abc.def&iss=x") {
    http::Request r;
    r.method = "GET";
    r.target = "/oauth/callback?" + query;
    r.headers = {{"host", "dash.example"}};
    if (!oauth_cookie.empty()) r.headers.push_back({"cookie", std::string(kOAuthCookie) + "=" + oauth_cookie});
    return oauth(r);
  }
};

TEST_F(OAuthFixture, TheBrowserThatStartedTheFlowFinishesIt) {
  auto cookie = start(sign_in());
  auto response = callback(cookie);
  EXPECT_EQ(response.status, 303);
  EXPECT_EQ(response.header("Location"), "/#/connections/team-a/github");
  ASSERT_EQ(forwarded.size(), 1u);
  EXPECT_EQ(forwarded[0], "http://operator:8443/oauth/callback?code=the-code&state=v1.abc.def&iss=x");
  // Once only: the binding is used up.
  EXPECT_EQ(callback(cookie).status, 400);
  EXPECT_EQ(forwarded.size(), 1u);
}

TEST_F(OAuthFixture, ACopiedLinkIsUselessToSomeoneElse) {
  auto cookie = start(sign_in());
  EXPECT_EQ(callback("").status, 403);                       // another browser: no cookie
  EXPECT_EQ(callback(std::string(64, 'a')).status, 403);     // another browser's cookie
  EXPECT_TRUE(forwarded.empty()) << "the code must go nowhere";
  EXPECT_EQ(callback(cookie).status, 303);                   // the starter still can
  EXPECT_EQ(forwarded.size(), 1u);
}

TEST_F(OAuthFixture, AStateTheDashboardDidNotHandOutIsRefused) {
  auto cookie = start(sign_in());
  EXPECT_EQ(callback(cookie, "code=c&state=v1.other.state").status, 400);
  EXPECT_TRUE(forwarded.empty());
}

TEST_F(OAuthFixture, BindingsExpire) {
  auto cookie = start(sign_in());
  now += std::chrono::seconds(601);
  EXPECT_EQ(callback(cookie).status, 400);
  EXPECT_TRUE(forwarded.empty());
}

TEST_F(OAuthFixture, OnlyAUserWhoMayPatchTheConnectionGetsTheLink) {
  auto id = sign_in();
  kube.answers["POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"] = KubeAnswer{201, R"({"status":{"allowed":false}})"};
  auto response = oauth(make("POST", "/api/connections/team-a/github/authorize", "{}", id));
  EXPECT_EQ(response.status, 403);
  EXPECT_THAT(response.body, Not(HasSubstr("idp.example")));
  EXPECT_EQ(oauth(make("POST", "/api/connections/team-a/github/authorize", "{}")).status, 401);
}

TEST_F(OAuthFixture, AFailureAtTheOperatorIsShownAndNothingIsRetried) {
  auto cookie = start(sign_in());
  operator_status = 400;
  auto response = callback(cookie, "error=access_denied&state=v1.abc.def");
  EXPECT_EQ(response.status, 400);
  EXPECT_THAT(response.body, HasSubstr("Authorization failed"));
  EXPECT_EQ(response.header("Content-Security-Policy"), content_security_policy());
}

TEST_F(OAuthFixture, TheDetailShowsTheRedirectUriTheProviderMustKnow) {
  auto id = sign_in();
  auto response = oauth(make("GET", "/api/connections/team-a/github", {}, id));
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = json::parse(response.body);
  EXPECT_EQ(body.at("redirectURI"), "https://dash.example/oauth/callback");
  EXPECT_EQ(body.at("authorizable"), true);
}

TEST_F(OAuthFixture, TheCodeAndStateNeverReachTheLog) {
  ::testing::internal::CaptureStderr();
  auto cookie = start(sign_in());
  callback(cookie, "code=secret-code-7f1e&state=v1.abc.def");
  const auto log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, Not(HasSubstr("secret-code-7f1e")));
  EXPECT_THAT(log, Not(HasSubstr(cookie)));
}

}  // namespace
}  // namespace dragops::dashboard
