// The TLS listener: serves the configured certificate and switches to a replaced one for new
// connections (rotation) without a restart. Certificates come from the openssl CLI, the
// client is curl (both are in DEB_PACKAGES).
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace dragops::http {
namespace {

namespace fs = std::filesystem;

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class ServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null && command -v curl >/dev/null") != 0) GTEST_SKIP() << "needs openssl and curl";
    char tmpl[] = "/tmp/dragops-tls-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    for (const char* name : {"a", "b"}) {
      run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost "
          "-addext subjectAltName=DNS:localhost -keyout " + (dir_ / (std::string(name) + ".key")).string() +
          " -out " + (dir_ / (std::string(name) + ".crt")).string());
    }
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  TlsPem pem(const std::string& name) { return {read_file(dir_ / (name + ".crt")), read_file(dir_ / (name + ".key"))}; }
  // The HTTP status curl got when trusting only certificate `name`, or 000 if TLS failed.
  std::string get_trusting(const std::string& name, std::uint16_t port) {
    return run("curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert " + (dir_ / (name + ".crt")).string() +
               " --resolve localhost:" + std::to_string(port) + ":127.0.0.1 https://localhost:" + std::to_string(port) + "/");
  }
  fs::path dir_;
};

Response ok(const Request&) {
  Response response;
  response.body = "ok";
  return response;
}

TEST_F(ServerTlsTest, ServesItsCertificateAndSwitchesToAReplacedOne) {
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  options.tls = pem("a");
  Server server(options, ok);
  ASSERT_TRUE(server.start());
  const auto port = server.ports().at(0);
  EXPECT_EQ(get_trusting("a", port), "200");
  EXPECT_EQ(get_trusting("b", port), "000");
  ASSERT_TRUE(server.set_certificate(pem("b")));
  EXPECT_EQ(get_trusting("b", port), "200");
  EXPECT_EQ(get_trusting("a", port), "000");
}

TEST_F(ServerTlsTest, KeepsTheCurrentCertificateWhenTheNewKeyDoesNotMatch) {
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  options.tls = pem("a");
  Server server(options, ok);
  ASSERT_TRUE(server.start());
  auto mismatched = server.set_certificate(TlsPem{pem("b").certificate_chain, pem("a").private_key});
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().find("does not match"), std::string::npos);
  EXPECT_EQ(get_trusting("a", server.ports().at(0)), "200");
}

TEST_F(ServerTlsTest, ClosesAPlainHttpClientOnTheTlsPort) {
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  options.tls = pem("a");
  Server server(options, ok);
  ASSERT_TRUE(server.start());
  auto code = run("curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:" + std::to_string(server.ports().at(0)) + "/");
  EXPECT_EQ(code, "000");
  EXPECT_EQ(get_trusting("a", server.ports().at(0)), "200");
}

}  // namespace
}  // namespace dragops::http
