#include "inject/webhook_server.hpp"

#include "inject/webhook_certs.hpp"

#include "crypto/base64.hpp"

#include "fake_cluster.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <algorithm>

namespace dragops::inject {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

// The base64 JSON Patch of an answer, decoded.
json::array patch_of(const json::value& answer) {
  auto text = crypto::base64_decode(std::string(answer.at("response").at("patch").as_string()));
  if (!text) return {};
  return json::parse(std::string(text->begin(), text->end())).as_array();
}

TEST(WebhookServer, ServesAdmissionOverTlsWithTheManagedCertificateAndWritesNothingToTheCluster) {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
  testing::FakeCluster cluster;
  WebhookOptions options;
  options.listen = "127.0.0.1:0";
  WebhookServer server(cluster, options);
  auto started = server.start();
  ASSERT_TRUE(started) << started.error();
  ASSERT_NE(server.port(), 0);
  const int writes_after_start = cluster.writes();   // the certificate Secret and the caBundle

  auto secret = cluster.find(kube::gvr::secrets(), "dragops-system", "dragops-webhook-cert");
  ASSERT_TRUE(secret);
  auto certificates = parse_certificate_secret(*secret);
  ASSERT_TRUE(certificates);
  char tmpl[] = "/tmp/dragops-webhook-test-XXXXXX";
  fs::path dir = ::mkdtemp(tmpl);
  std::ofstream(dir / "ca.crt") << certificates->ca_bundle;
  const std::string host = "dragops-webhook.dragops-system.svc";
  const std::string port = std::to_string(server.port());
  // Forged reviews, as anyone who reaches the Service can POST them (no client certificate): a
  // pod in the team's namespace, in kube-system, a dry run, any ServiceAccount name.
  struct Forged {
    std::string ns, service_account;
    bool dry_run;
  };
  for (const auto& forged : {Forged{"team-a", "runner", false}, Forged{"kube-system", "attacker", false},
                             Forged{"team-a", "dry", true}, Forged{"unwatched", "x-any-name", false}}) {
    json::object review{{"apiVersion", "admission.k8s.io/v1"},
                        {"kind", "AdmissionReview"},
                        {"request",
                         {{"uid", "u-1"},
                          {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                          {"namespace", forged.ns},
                          {"operation", "CREATE"},
                          {"dryRun", forged.dry_run},
                          {"object",
                           {{"metadata", {{"name", "p"}, {"annotations", {{"dragops.io/inject", "true"}, {"dragops.io/connections", "github"}}}}},
                            {"spec", {{"serviceAccountName", forged.service_account}, {"containers", json::array{{{"name", "app"}}}}}}}}}}};
    std::ofstream(dir / "review.json") << json::serialize(review);
    auto answer = run("curl -sS --max-time 10 --cacert " + (dir / "ca.crt").string() + " --resolve " + host + ":" + port +
                      ":127.0.0.1 -H 'Content-Type: application/json' --data-binary @" + (dir / "review.json").string() +
                      " https://" + host + ":" + port + "/mutate-pods 2>&1");
    boost::system::error_code ec;
    auto parsed = json::parse(answer, ec);
    ASSERT_FALSE(ec) << answer;
    EXPECT_EQ(parsed.at("response").at("uid"), "u-1");
    EXPECT_EQ(parsed.at("response").at("patchType"), "JSONPatch");
    // The patch labels the pod for the operator's Pod informer.
    const auto patch = patch_of(parsed);
    EXPECT_TRUE(std::any_of(patch.begin(), patch.end(), [](const json::value& op) {
      return op.at("path") == "/metadata/labels" && op.at("value") == json::object{{"dragops.io/injected", "true"}};
    })) << json::serialize(patch);
    EXPECT_FALSE(cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, forged.ns, "dragops-sidecar-" + forged.service_account));
  }
  fs::remove_all(dir);
  server.stop();
  EXPECT_EQ(cluster.writes(), writes_after_start) << "admission wrote to the cluster";
}

// A pod CREATE review whose only annotation value pads the body to `bytes`.
std::string review_of_size(std::size_t bytes, std::string_view service_account) {
  json::object review{{"apiVersion", "admission.k8s.io/v1"},
                      {"kind", "AdmissionReview"},
                      {"request",
                       {{"uid", "u-big"},
                        {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                        {"namespace", "team-a"},
                        {"operation", "CREATE"},
                        {"object",
                         {{"metadata", {{"name", "p"}, {"annotations", {{"dragops.io/inject", "true"}, {"dragops.io/connections", "github"},
                                                                       {"example.com/padding", ""}}}}},
                          {"spec", {{"serviceAccountName", service_account}, {"containers", json::array{{{"name", "app"}}}}}}}}}}};
  std::size_t base = json::serialize(review).size();
  review["request"].as_object()["object"].as_object()["metadata"].as_object()["annotations"].as_object()["example.com/padding"] =
      std::string(bytes > base ? bytes - base : 0, 'x');
  return json::serialize(review);
}

TEST(WebhookServer, ReadsTheReviewOfALargePodAndAnswers413AboveTheLimit) {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
  testing::FakeCluster cluster;
  WebhookOptions options;
  options.listen = "127.0.0.1:0";
  WebhookServer server(cluster, options);
  ASSERT_TRUE(server.start());
  const int writes_after_start = cluster.writes();
  auto certificates = parse_certificate_secret(*cluster.find(kube::gvr::secrets(), "dragops-system", "dragops-webhook-cert"));
  ASSERT_TRUE(certificates);
  char tmpl[] = "/tmp/dragops-webhook-test-XXXXXX";
  fs::path dir = ::mkdtemp(tmpl);
  std::ofstream(dir / "ca.crt") << certificates->ca_bundle;
  const std::string host = "dragops-webhook.dragops-system.svc";
  const std::string port = std::to_string(server.port());
  auto post = [&](const std::string& body) {   // the HTTP status
    { std::ofstream(dir / "review.json") << body; }
    return run("curl -sS --max-time 20 -o /dev/null -w '%{http_code}' --cacert " + (dir / "ca.crt").string() +
               " --resolve " + host + ":" + port + ":127.0.0.1 --data-binary @" + (dir / "review.json").string() +
               " https://" + host + ":" + port + "/mutate-pods 2>/dev/null");
  };
  // 6 MiB: an object and an old object of kube-apiserver's 3 MiB each (the old limit was 4 MiB).
  EXPECT_EQ(post(review_of_size(6 * 1024 * 1024, "large")), "200");
  EXPECT_EQ(post(review_of_size(kMaxAdmissionReviewBytes + 1, "oversize")), "413");
  fs::remove_all(dir);
  server.stop();
  EXPECT_EQ(cluster.writes(), writes_after_start);
}

}  // namespace
}  // namespace dragops::inject
