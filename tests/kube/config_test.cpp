#include "kube/config.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace dragops::kube {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  static int counter = 0;
  auto dir = fs::temp_directory_path() / ("dragops-kubeconfig-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

constexpr const char* kTwoContexts = R"(
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
- name: prod-cluster
  cluster:
    server: https://prod.example:443
    insecure-skip-tls-verify: true
    tls-server-name: api.internal
users:
- name: dev-user
  user:
    token: dev-token-value
- name: cert-user
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
contexts:
- name: dev
  context:
    cluster: dev-cluster
    user: dev-user
    namespace: team-a
- name: prod
  context:
    cluster: prod-cluster
    user: cert-user
)";

TEST(Kubeconfig, ReadsTheCurrentContext) {
  auto config = parse_kubeconfig(kTwoContexts);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->tls.ca_pem, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(config->token, "dev-token-value");
  EXPECT_EQ(config->default_namespace, "team-a");
  EXPECT_EQ(config->context, "dev");
  EXPECT_FALSE(config->tls.insecure_skip_verify);
}

TEST(Kubeconfig, ReadsANamedContextWithClientCertificateData) {
  auto config = parse_kubeconfig(kTwoContexts, {}, "prod");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->server, "https://prod.example:443");
  EXPECT_TRUE(config->tls.insecure_skip_verify);
  EXPECT_EQ(config->tls.server_name, "api.internal");
  EXPECT_EQ(config->tls.client_cert_pem, "cert");
  EXPECT_EQ(config->tls.client_key_pem, "key");
  EXPECT_EQ(config->default_namespace, "default");
}

TEST(Kubeconfig, ResolvesFilePathsRelativeToTheKubeconfig) {
  const auto dir = temp_dir();
  write(dir / "ca.crt", "ca");
  write(dir / "client.crt", "c");
  write(dir / "client.key", "k");
  write(dir / "token", "file-token\n");
  write(dir / "config", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://10.0.0.1", certificate-authority: ca.crt}}]
users: [{name: u, user: {client-certificate: client.crt, client-key: client.key, tokenFile: token}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  auto config = load_kubeconfig(dir / "config");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->tls.ca_file, (dir / "ca.crt").string());
  EXPECT_EQ(config->tls.client_cert_file, (dir / "client.crt").string());
  EXPECT_EQ(config->tls.client_key_file, (dir / "client.key").string());
  EXPECT_EQ(config->token_file, (dir / "token").string());
  BearerToken token(config->token, config->token_file);
  EXPECT_EQ(token.current(), "file-token");
}

TEST(Kubeconfig, MergesTheFilesInKubeconfigWithTheFirstWinning) {
  const auto dir = temp_dir();
  write(dir / "a", R"(
current-context: from-a
clusters: [{name: shared, cluster: {server: "https://a.example"}}]
contexts: [{name: from-a, context: {cluster: shared}}]
)");
  write(dir / "b", R"(
current-context: from-b
clusters: [{name: shared, cluster: {server: "https://b.example"}}, {name: only-b, cluster: {server: "https://ob.example"}}]
contexts: [{name: from-b, context: {cluster: only-b}}]
)");
  const std::string list = (dir / "missing").string() + ":" + (dir / "a").string() + ":" + (dir / "b").string();
  ::setenv("KUBECONFIG", list.c_str(), 1);
  auto current = load_kubeconfig_from_env();
  auto other = load_kubeconfig_from_env("from-b");
  ::unsetenv("KUBECONFIG");
  ASSERT_TRUE(current) << current.error().message;
  EXPECT_EQ(current->server, "https://a.example");
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(other->server, "https://ob.example");
}

struct BadCase {
  const char* yaml;
  const char* expected;
};

// Names the case in test output (and in CTest's test names) instead of dumping its bytes.
void PrintTo(const BadCase& c, std::ostream* out) { *out << '"' << c.expected << '"'; }

class KubeconfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(KubeconfigErrors, NameTheProblem) {
  auto config = parse_kubeconfig(GetParam().yaml);
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find(GetParam().expected), std::string::npos) << config.error().message;
  EXPECT_EQ(config.error().message.find("SECRET-CANARY"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Kubeconfig, KubeconfigErrors,
    ::testing::Values(
        BadCase{"clusters: [", "not valid YAML"},
        BadCase{"- a\n- b\n", "not a kubeconfig"},
        BadCase{"clusters: []\n", "no current-context"},
        BadCase{"current-context: x\n", "no context named 'x'"},
        BadCase{"current-context: x\ncontexts: [{name: x, context: {cluster: nope}}]\n",
                "refers to cluster 'nope'"},
        BadCase{"current-context: x\ncontexts: [{name: x, context: {cluster: k}}]\nclusters: [{name: k, cluster: {}}]\n",
                "cluster 'k' has no server"},
        BadCase{"current-context: x\ncontexts: [{name: x, context: {cluster: k}}]\n"
                "clusters: [{name: k, cluster: {server: 'https://h', certificate-authority-data: '%%SECRET-CANARY'}}]\n",
                "certificate-authority-data is not valid base64"},
        BadCase{"current-context: x\ncontexts: [{name: x, context: {cluster: k, user: u}}]\n"
                "clusters: [{name: k, cluster: {server: 'https://h'}}]\n",
                "refers to user 'u'"},
        BadCase{"current-context: x\ncontexts: [{name: x, context: {cluster: k, user: u}}]\n"
                "clusters: [{name: k, cluster: {server: 'https://h'}}]\n"
                "users: [{name: u, user: {client-certificate-data: Y2VydA==}}]\n",
                "has a client-certificate but no client-key"},
        BadCase{"current-context: x\ncontexts: [{name: x, context: {cluster: k}}]\n"
                "clusters: [{name: k, cluster: {server: 'https://h', certificate-authority: /nonexistent/ca.crt}}]\n",
                "/nonexistent/ca.crt does not exist"},
        BadCase{"current-context: x\ncontexts: [{name: x, context: {cluster: k}}]\n"
                "clusters: [{name: k, cluster: {server: 'ftp://h'}}]\n",
                "not an http(s) URL"}),
    // Stable, readable test names from the expected message ("NotValidYAML", ...), not the
    // parameter's bytes (which hold pointers and change from run to run).
    [](const ::testing::TestParamInfo<BadCase>& info) {
      std::string name;
      bool upper = true;
      for (const char* c = info.param.expected; *c; ++c) {
        if (std::isalnum(static_cast<unsigned char>(*c))) {
          name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(*c))) : *c;
          upper = false;
        } else {
          upper = true;
        }
      }
      return name;
    });

TEST(InClusterConfig, ReadsTheServiceAccountAndTheServiceEnvironment) {
  const auto dir = temp_dir();
  write(dir / "token", "sa-token\n");
  write(dir / "ca.crt", "sa-ca");
  write(dir / "namespace", "dragops-system\n");
  InClusterSource source{dir / "token", dir / "ca.crt", dir / "namespace", [](const char* name) -> const char* {
                           if (std::string_view(name) == "KUBERNETES_SERVICE_HOST") return "10.96.0.1";
                           if (std::string_view(name) == "KUBERNETES_SERVICE_PORT") return "443";
                           return nullptr;
                         }};
  auto config = in_cluster_config(source);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->tls.ca_pem, "sa-ca");
  EXPECT_EQ(config->token_file, (dir / "token").string());
  EXPECT_EQ(config->default_namespace, "dragops-system");
}

TEST(InClusterConfig, BracketsAnIpv6ServiceHost) {
  const auto dir = temp_dir();
  write(dir / "token", "t");
  write(dir / "ca.crt", "ca");
  InClusterSource source{dir / "token", dir / "ca.crt", dir / "namespace", [](const char* name) -> const char* {
                           return std::string_view(name) == "KUBERNETES_SERVICE_HOST" ? "fd00::1" : "6443";
                         }};
  auto config = in_cluster_config(source);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->server, "https://[fd00::1]:6443");
}

TEST(InClusterConfig, SaysWhatIsMissingOutsideACluster) {
  InClusterSource source;
  source.getenv = [](const char*) -> const char* { return nullptr; };
  auto config = in_cluster_config(source);
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
}

TEST(BearerToken, PicksUpARotatedTokenFile) {
  const auto dir = temp_dir();
  write(dir / "token", "first");
  BearerToken token("", dir / "token");
  EXPECT_EQ(token.current(), "first");
  write(dir / "token", "second");
  // Make the change visible to the mtime check even on coarse file-system clocks.
  fs::last_write_time(dir / "token", fs::last_write_time(dir / "token") + std::chrono::seconds(2));
  EXPECT_EQ(token.current(), "second");
}

TEST(BearerToken, KeepsTheLastTokenWhenTheFileDisappears) {
  const auto dir = temp_dir();
  write(dir / "token", "kept");
  BearerToken token("", dir / "token", std::chrono::seconds(0));
  EXPECT_EQ(token.current(), "kept");
  fs::remove(dir / "token");
  EXPECT_EQ(token.current(), "kept");
}

}  // namespace
}  // namespace dragops::kube
