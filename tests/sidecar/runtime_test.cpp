// Config parsing, the key ring file, the token file and the health port.
#include "config.hpp"
#include "health_handler.hpp"
#include "keyring_file.hpp"
#include "token_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sys/stat.h>

namespace dragops::sidecar {
namespace {

namespace fs = std::filesystem;

Getenv env_of(std::map<std::string, std::string> values) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(values));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/dragops-sidecar-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(ConfigFromEnv, ReadsWhatTheWebhookWrites) {
  auto config = config_from_env(env_of({{"DRAGOPS_POD_NAMESPACE", "team-a"},
                                        {"DRAGOPS_POD_NAME", "run-1"},
                                        {"DRAGOPS_CONNECTIONS", "github,jira"},
                                        {"DRAGOPS_SECRETS", "db"},
                                        {"DRAGOPS_ENVIRONMENT", "production"},
                                        {"DRAGOPS_KEY_DIR", "/k"},
                                        {"DRAGOPS_TOKEN_FILE", "/t/token"},
                                        {"DRAGOPS_LISTEN", "127.0.0.1:8900,[::1]:8900"},
                                        {"DRAGOPS_HEALTH_LISTEN", "0.0.0.0:8901"},
                                        {"DRAGOPS_STALE_AFTER", "2m"}}));
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->connections, (std::vector<std::string>{"github", "jira"}));
  EXPECT_EQ(config->secrets, std::vector<std::string>{"db"});
  EXPECT_EQ(config->stale_after, std::chrono::minutes(2));
  EXPECT_EQ(config->key_dir, "/k");
  EXPECT_EQ(config->listen.size(), 2u);
}

TEST(ConfigFromEnv, RefusesANonLoopbackApiAddress) {
  auto config = config_from_env(env_of({{"DRAGOPS_POD_NAMESPACE", "a"}, {"DRAGOPS_LISTEN", "0.0.0.0:8900"}}));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("not a loopback"), std::string::npos);
}

TEST(ConfigFromEnv, NamesTheVariableThatIsWrong) {
  EXPECT_NE(config_from_env(env_of({})).error().find("DRAGOPS_POD_NAMESPACE"), std::string::npos);
  EXPECT_NE(config_from_env(env_of({{"DRAGOPS_POD_NAMESPACE", "a"}, {"DRAGOPS_STALE_AFTER", "soon"}})).error().find("DRAGOPS_STALE_AFTER"),
            std::string::npos);
  EXPECT_NE(config_from_env(env_of({{"DRAGOPS_POD_NAMESPACE", "a"}, {"DRAGOPS_SECRETS", "db"}})).error().find("DRAGOPS_ENVIRONMENT"),
            std::string::npos);
}

TEST(IsLoopbackHost, AcceptsOnlyLoopbackNames) {
  for (auto host : {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"}) EXPECT_TRUE(is_loopback_host(host)) << host;
  for (auto host : {"0.0.0.0", "10.0.0.1", "example.com", "", "::", "localhost.evil"}) EXPECT_FALSE(is_loopback_host(host)) << host;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string serialised_ring(const crypto::Keyring& ring) { return std::string(ring.serialise().view()); }

TEST(KeyringFile, LoadsAndReloadsWhenTheKubeletSwapsTheDataSymlink) {
  TempDir dir;
  auto first = crypto::Keyring::generate();
  auto second = crypto::Keyring::generate();
  second.rotate();
  // The kubelet's layout: keyring -> ..data/keyring, ..data -> ..<timestamp>
  fs::create_directory(dir.path() / "..v1");
  write_file(dir.path() / "..v1" / "keyring", serialised_ring(first));
  fs::create_directory_symlink("..v1", dir.path() / "..data");
  fs::create_symlink("..data/keyring", dir.path() / "keyring");

  StoreCache cache;
  int reloads = 0;
  KeyringFile file(dir.path() / "keyring", cache, [&](bool ok) { reloads += ok ? 1 : 100; });
  ASSERT_TRUE(file.poll());
  EXPECT_EQ(cache.keyring()->primary(), 1u);
  EXPECT_TRUE(file.poll());
  EXPECT_EQ(reloads, 1) << "an unchanged file is not reloaded";

  fs::create_directory(dir.path() / "..v2");
  write_file(dir.path() / "..v2" / "keyring", serialised_ring(second));
  fs::create_directory_symlink("..v2", dir.path() / "..data_tmp");
  fs::rename(dir.path() / "..data_tmp", dir.path() / "..data");
  ASSERT_TRUE(file.poll());
  EXPECT_EQ(cache.keyring()->primary(), 2u);
  EXPECT_EQ(reloads, 2);
}

TEST(KeyringFile, KeepsTheLastRingWhenTheNewFileIsBroken) {
  TempDir dir;
  write_file(dir.path() / "keyring", serialised_ring(crypto::Keyring::generate()));
  StoreCache cache;
  KeyringFile file(dir.path() / "keyring", cache);
  ASSERT_TRUE(file.poll());
  auto before = cache.keyring();
  write_file(dir.path() / "keyring", "{not json at all, longer than before to change the size}");
  EXPECT_TRUE(file.poll());
  EXPECT_EQ(cache.keyring(), before);
}

TEST(KeyringFile, ReportsNothingLoadedWhileTheFileIsMissing) {
  TempDir dir;
  StoreCache cache;
  KeyringFile file(dir.path() / "keyring", cache);
  EXPECT_FALSE(file.poll());
  EXPECT_EQ(cache.keyring(), nullptr);
}

TEST(TokenFile, WritesA64HexCharacterTokenReadableByOtherUsers) {
  TempDir dir;
  auto token = generate_token();
  ASSERT_EQ(token.size(), 64u);
  EXPECT_FALSE(token.equals(generate_token()));
  ASSERT_TRUE(write_token_file(dir.path() / "token", token));
  std::ifstream in(dir.path() / "token");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, token.view());
  struct stat st {};
  ::stat((dir.path() / "token").c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

http::Request get(std::string target) {
  http::Request r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

TEST(HealthHandler, IsReadyOnlyWithAKeyRingAndEverythingSynced) {
  StoreCache cache;
  cache.track(Kind::connection, "github");
  SidecarMetrics metrics;
  HealthHandler health(cache, metrics, [] { return Clock::now(); });
  EXPECT_EQ(health(get("/healthz")).status, 200);
  EXPECT_EQ(health(get("/readyz")).status, 503);
  cache.set_keyring(std::make_shared<crypto::Keyring>(crypto::Keyring::generate()));
  EXPECT_EQ(health(get("/readyz")).status, 503);
  cache.set_absent(Kind::connection, "github", Clock::now());
  EXPECT_EQ(health(get("/readyz")).status, 200);
  EXPECT_EQ(health(get("/v1/connections/github")).status, 404);
}

TEST(HealthHandler, ServesMetricsThatPromtoolAccepts) {
  StoreCache cache;
  cache.track(Kind::connection, "github");
  auto now = Clock::now();
  cache.set_unconfirmed(Kind::connection, "github", now - std::chrono::seconds(7));
  SidecarMetrics metrics;
  AuditRecord record{"team-a", "run-1", "connection_token", "github", 200, "ok"};
  metrics.on_request(record);
  metrics.on_decrypt(0.00002);
  HealthHandler health(cache, metrics, [now] { return now; });
  auto response = health(get("/metrics"));
  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.body.find(R"(dragops_sidecar_requests_total{code="200",route="connection_token"} 1)"), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("dragops_sidecar_decrypt_seconds_count 1"), std::string::npos);
  EXPECT_NE(response.body.find("dragops_sidecar_store_age_seconds 7"), std::string::npos);
  EXPECT_NE(response.body.find("dragops_sidecar_api_reachable 0"), std::string::npos);

  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool not installed";
  TempDir dir;
  write_file(dir.path() / "metrics.txt", response.body);
  auto command = "promtool check metrics < " + (dir.path() / "metrics.txt").string() + " > " +
                 (dir.path() / "out.txt").string() + " 2>&1";
  int rc = std::system(command.c_str());
  std::ifstream out(dir.path() / "out.txt");
  std::string text((std::istreambuf_iterator<char>(out)), {});
  EXPECT_EQ(rc, 0) << text;
}

}  // namespace
}  // namespace dragops::sidecar
