// The dragops-apiserver binary as the tests and the client use it: started through the
// support library, driven by kubectl, stopped, restarted with its state.
#include "support/api_server_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace dragops::testing {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

TEST(ApiServerProcess, StartsAndWritesWhatKubectlNeeds) {
  ApiServerProcess server;
  server.start();
  EXPECT_TRUE(std::filesystem::exists(server.kubeconfig_path()));
  EXPECT_TRUE(server.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_EQ(server.token().size(), 48u);
  EXPECT_EQ(server.url(), "https://127.0.0.1:" + std::to_string(server.port()));
  auto r = run_kubectl(server, {"get", "namespaces", "-o", "name"});
  ASSERT_EQ(r.exit_code, 0) << r.combined();
  EXPECT_NE(r.out.find("namespace/default"), std::string::npos);
  server.stop();
  EXPECT_EQ(server.last_exit_status(), 0) << "SIGTERM is a clean exit";
}

TEST(ApiServerProcess, RefusesRequestsWithoutTheToken) {
  ApiServerProcess server;
  server.start();
  auto r = run_command({"kubectl", "--server", server.url(), "--certificate-authority", server.ca_path().string(),
                        "--token", "wrong", "get", "ns"},
                       "", {{"KUBECONFIG", "/dev/null"}, {"KUBECACHEDIR", (server.dir() / "cache2").string()}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.combined().find("You must be logged in to the server"), std::string::npos) << r.combined();
}

TEST(ApiServerProcess, ARestartKeepsObjectsAndTheVersionKeepsIncreasing) {
  ApiServerProcess server;
  server.start();
  auto port = server.port();
  ASSERT_EQ(run_kubectl(server, {"create", "configmap", "kept", "--from-literal=a=b"}).exit_code, 0);
  auto rv = trimmed(run_kubectl(server, {"get", "configmap", "kept", "-o", "jsonpath={.metadata.resourceVersion}"}).out);
  server.restart();
  EXPECT_EQ(server.port(), port);
  auto again = run_kubectl(server, {"get", "configmap", "kept", "-o", "jsonpath={.metadata.resourceVersion}"});
  ASSERT_EQ(again.exit_code, 0) << again.combined();
  EXPECT_EQ(trimmed(again.out), rv);
  ASSERT_EQ(run_kubectl(server, {"create", "configmap", "later"}).exit_code, 0);
  auto later = trimmed(run_kubectl(server, {"get", "configmap", "later", "-o", "jsonpath={.metadata.resourceVersion}"}).out);
  EXPECT_GT(std::stoull(later), std::stoull(rv));
  // History starts afresh after a restart: an older version is answered with 410 Expired.
  auto watch = run_kubectl(server, {"get", "--raw", "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1&timeoutSeconds=2"});
  EXPECT_NE(watch.out.find(R"("type":"ERROR")"), std::string::npos) << watch.combined();
  EXPECT_NE(watch.out.find(R"("code":410)"), std::string::npos) << watch.combined();
  EXPECT_NE(watch.out.find(R"("reason":"Expired")"), std::string::npos) << watch.combined();
}

TEST(ApiServerProcess, AKilledServerCanBeStartedAgainOnTheSamePort) {
  ApiServerProcess server;
  server.start();
  auto port = server.port();
  server.kill();
  EXPECT_FALSE(server.running());
  server.start();
  EXPECT_EQ(server.port(), port);
  EXPECT_EQ(run_kubectl(server, {"get", "ns", "default"}).exit_code, 0);
}

TEST(ApiServerProcess, WatchesSendBookmarksAndEndAtTheirTimeout) {
  ApiServerProcess server(ApiServerOptions{{"--bookmark-interval", "1"}});
  server.start();
  auto started = std::chrono::steady_clock::now();
  auto watch = run_kubectl(server, {"get", "--raw", "/api/v1/namespaces?watch=1&allowWatchBookmarks=true&timeoutSeconds=2"});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(watch.exit_code, 0) << watch.combined();
  EXPECT_NE(watch.out.find(R"("type":"ADDED")"), std::string::npos);
  EXPECT_NE(watch.out.find(R"("type":"BOOKMARK")"), std::string::npos) << watch.out;
  EXPECT_LT(took, std::chrono::seconds(15));
}

}  // namespace
}  // namespace dragops::testing
