#include "inject/webhook_server.hpp"

#include "inject/webhook_certs.hpp"

#include "fake_cluster.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

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

TEST(WebhookServer, ServesAdmissionOverTlsWithTheManagedCertificateAndGrantsTheSidecarItsReads) {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
  testing::FakeCluster cluster;
  WebhookOptions options;
  options.listen = "127.0.0.1:0";
  WebhookServer server(cluster, options);
  auto started = server.start();
  ASSERT_TRUE(started) << started.error();
  ASSERT_NE(server.port(), 0);

  auto secret = cluster.find(kube::gvr::secrets(), "dragops-system", "dragops-webhook-cert");
  ASSERT_TRUE(secret);
  auto certificates = parse_certificate_secret(*secret);
  ASSERT_TRUE(certificates);
  char tmpl[] = "/tmp/dragops-webhook-test-XXXXXX";
  char tmpl2[] = "/tmp/dragops-webhook-test-XXXXXX";
  fs::path dir = ::mkdtemp(tmpl);
  std::ofstream(dir / "ca.crt") << certificates->ca_bundle;
  json::object review{{"apiVersion", "admission.k8s.io/v1"},
                      {"kind", "AdmissionReview"},
                      {"request",
                       {{"uid", "u-1"},
                        {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                        {"namespace", "team-a"},
                        {"operation", "CREATE"},
                        {"object",
                         {{"metadata", {{"name", "p"}, {"annotations", {{"dragops.io/inject", "true"}, {"dragops.io/connections", "github"}}}}},
                          {"spec", {{"serviceAccountName", "runner"}, {"containers", json::array{{{"name", "app"}}}}}}}}}}};
  std::ofstream(dir / "review.json") << json::serialize(review);
  const std::string host = "dragops-webhook.dragops-system.svc";
  const std::string port = std::to_string(server.port());
  auto answer = run("curl -sS --max-time 10 --cacert " + (dir / "ca.crt").string() + " --resolve " + host + ":" + port +
                    ":127.0.0.1 -H 'Content-Type: application/json' --data-binary @" + (dir / "review.json").string() +
                    " https://" + host + ":" + port + "/mutate-pods 2>&1");
  fs::remove_all(dir);
  boost::system::error_code ec;
  auto parsed = json::parse(answer, ec);
  ASSERT_FALSE(ec) << answer;
  EXPECT_EQ(parsed.at("response").at("uid"), "u-1");
  EXPECT_EQ(parsed.at("response").at("patchType"), "JSONPatch");
  // Granted off the admission path, shortly after.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, "team-a", "dragops-sidecar-runner") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, "team-a", "dragops-sidecar-runner"));

  // A dry run is answered the same way but grants nothing.
  review["request"].as_object()["dryRun"] = true;
  review["request"].as_object()["object"].as_object()["spec"].as_object()["serviceAccountName"] = "dry";
  dir = ::mkdtemp(tmpl2);
  std::ofstream(dir / "ca.crt") << certificates->ca_bundle;
  std::ofstream(dir / "review.json") << json::serialize(review);
  answer = run("curl -sS --max-time 10 --cacert " + (dir / "ca.crt").string() + " --resolve " + host + ":" + port +
               ":127.0.0.1 --data-binary @" + (dir / "review.json").string() + " https://" + host + ":" + port +
               "/mutate-pods 2>&1");
  EXPECT_NE(answer.find("JSONPatch"), std::string::npos) << answer;
  // Then a real admission for another account: grants are queued in order, so once its Role
  // exists, a grant for the dry run would have been made already.
  review["request"].as_object()["dryRun"] = false;
  review["request"].as_object()["object"].as_object()["spec"].as_object()["serviceAccountName"] = "later";
  std::ofstream(dir / "review.json") << json::serialize(review);
  run("curl -sS --max-time 10 --cacert " + (dir / "ca.crt").string() + " --resolve " + host + ":" + port +
      ":127.0.0.1 --data-binary @" + (dir / "review.json").string() + " https://" + host + ":" + port + "/mutate-pods");
  fs::remove_all(dir);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, "team-a", "dragops-sidecar-later") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, "team-a", "dragops-sidecar-later"));
  EXPECT_FALSE(cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, "team-a", "dragops-sidecar-dry"));
  server.stop();
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

TEST(WebhookServer, ReadsTheReviewOfALargePodAndAnswers413AboveTheLimitWithoutGrantingAnything) {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
  testing::FakeCluster cluster;
  WebhookOptions options;
  options.listen = "127.0.0.1:0";
  WebhookServer server(cluster, options);
  ASSERT_TRUE(server.start());
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
  // Grants are queued in order: once a later admission's Role exists, an earlier one would too.
  EXPECT_EQ(post(review_of_size(1024, "later")), "200");
  fs::remove_all(dir);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, "team-a", "dragops-sidecar-later") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, "team-a", "dragops-sidecar-later"));
  EXPECT_TRUE(cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, "team-a", "dragops-sidecar-large"));
  EXPECT_FALSE(cluster.find({"rbac.authorization.k8s.io", "v1", "roles"}, "team-a", "dragops-sidecar-oversize"));
  server.stop();
}

}  // namespace
}  // namespace dragops::inject
