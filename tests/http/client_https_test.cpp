#include "http/client.hpp"

#include "client_test_pki.hpp"
#include "client_test_server.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace dragops::http {
namespace {

using testing::Reply;
using testing::TestPki;
using testing::TestServer;
using testing::TestServerTls;

const TestPki& pki() {
  static const TestPki instance = TestPki::make();
  return instance;
}

void echo(const boost::beast::http::request<boost::beast::http::string_body>& request, Reply& reply) {
  std::string body = std::string(request.method_string()) + " " + std::string(request.target());
  if (auto auth = request.find(boost::beast::http::field::authorization); auth != request.end()) {
    body += " auth=" + std::string(auth->value());
  }
  if (!request.body().empty()) body += " body=" + request.body();
  reply.send(200, body);
}

std::shared_ptr<Client> make_client(ClientOptions options = {}) {
  auto client = Client::create(std::move(options));
  EXPECT_TRUE(client.has_value()) << (client ? "" : client.error().message);
  return client ? *client : nullptr;
}

TEST(HttpClient, SendsPlainHttpRequestsAndReadsTheResponse) {
  TestServer server(echo);
  auto client = make_client();
  auto response = client->send({"POST", server.url("/a/b?x=1"), {{"Authorization", "Bearer t0k"}}, "hello", {}});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /a/b?x=1 auth=Bearer t0k body=hello");
  EXPECT_EQ(response->header("content-type"), "text/plain");
}

TEST(HttpClient, ReusesAKeptAliveConnection) {
  TestServer server(echo);
  auto client = make_client();
  for (int i = 0; i < 5; ++i) {
    auto response = client->send({"GET", server.url("/n"), {}, "", {}});
    ASSERT_TRUE(response) << response.error().message;
  }
  EXPECT_EQ(server.connections_accepted(), 1);
  EXPECT_EQ(client->stats().connections_opened, 1u);
  EXPECT_EQ(client->stats().connections_reused, 4u);
}

TEST(HttpClient, RetriesOnceWhenAPooledConnectionWasClosedByThePeer) {
  TestServer server(echo);
  auto client = make_client();
  ASSERT_TRUE(client->send({"GET", server.url("/1"), {}, "", {}}));
  server.drop_connections();
  auto response = client->send({"GET", server.url("/2"), {}, "", {}});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "GET /2");
  EXPECT_EQ(server.connections_accepted(), 2);
}

TEST(HttpClient, VerifiesTheServerCertificateAgainstACustomCa) {
  TestServerTls tls{pki().server_cert_pem(), pki().server_key_pem(), ""};
  TestServer server(echo, &tls);
  ClientOptions options;
  options.tls.ca_pem = pki().ca_pem();
  auto client = make_client(options);
  auto response = client->send({"GET", server.url("/secure"), {}, "", {}});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "GET /secure");
  auto by_name = client->send({"GET", server.url("/named", "localhost"), {}, "", {}});
  ASSERT_TRUE(by_name) << by_name.error().message;
}

TEST(HttpClient, LoadsTheCaBundleFromAFile) {
  TestServerTls tls{pki().server_cert_pem(), pki().server_key_pem(), ""};
  TestServer server(echo, &tls);
  ClientOptions options;
  options.tls.ca_file = (pki().dir / "ca.crt").string();
  auto client = make_client(options);
  ASSERT_TRUE(client->send({"GET", server.url("/f"), {}, "", {}}));
}

TEST(HttpClient, RefusesAServerSignedByAnotherCa) {
  TestServerTls tls{pki().server_cert_pem(), pki().server_key_pem(), ""};
  TestServer server(echo, &tls);
  ClientOptions options;
  options.tls.ca_pem = pki().other_ca_pem();
  auto client = make_client(options);
  auto response = client->send({"GET", server.url("/x"), {}, "", {}});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientErrorKind::tls);
  EXPECT_NE(response.error().message.find("certificate"), std::string::npos) << response.error().message;
}

TEST(HttpClient, RefusesACertificateIssuedForAnotherHostName) {
  TestServerTls tls{pki().wrong_name_cert_pem(), pki().wrong_name_key_pem(), ""};
  TestServer server(echo, &tls);
  ClientOptions options;
  options.tls.ca_pem = pki().ca_pem();
  auto client = make_client(options);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto response = client->send({"GET", server.url("/x", host), {}, "", {}});
    ASSERT_FALSE(response) << host;
    EXPECT_EQ(response.error().kind, ClientErrorKind::tls);
    EXPECT_NE(response.error().message.find("mismatch"), std::string::npos) << response.error().message;
  }
}

TEST(HttpClient, AcceptsAnyCertificateOnlyWhenTold) {
  TestServerTls tls{pki().wrong_name_cert_pem(), pki().wrong_name_key_pem(), ""};
  TestServer server(echo, &tls);
  ClientOptions options;
  options.tls.insecure_skip_verify = true;
  auto client = make_client(options);
  ASSERT_TRUE(client->send({"GET", server.url("/x"), {}, "", {}}));
}

TEST(HttpClient, VerifiesAgainstAnOverriddenServerName) {
  TestServerTls tls{pki().wrong_name_cert_pem(), pki().wrong_name_key_pem(), ""};
  TestServer server(echo, &tls);
  ClientOptions options;
  options.tls.ca_pem = pki().ca_pem();
  options.tls.server_name = "not-this-host.example";
  auto client = make_client(options);
  auto response = client->send({"GET", server.url("/x"), {}, "", {}});
  ASSERT_TRUE(response) << response.error().message;
}

TEST(HttpClient, PresentsAClientCertificateWhenTheServerAsksForOne) {
  TestServerTls tls{pki().server_cert_pem(), pki().server_key_pem(), pki().ca_pem()};
  TestServer server(echo, &tls);
  ClientOptions without;
  without.tls.ca_pem = pki().ca_pem();
  auto anonymous = make_client(without);
  EXPECT_FALSE(anonymous->send({"GET", server.url("/x"), {}, "", {}}));

  ClientOptions with = without;
  with.tls.client_cert_pem = pki().client_cert_pem();
  with.tls.client_key_pem = pki().client_key_pem();
  auto client = make_client(with);
  auto response = client->send({"GET", server.url("/x"), {}, "", {}});
  ASSERT_TRUE(response) << response.error().message;
}

TEST(HttpClient, NamesABadCaBundleWithoutEchoingIt) {
  ClientOptions options;
  options.tls.ca_pem = "-----BEGIN CERTIFICATE-----\nCANARY-ca-bytes\n-----END CERTIFICATE-----\n";
  auto client = Client::create(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().kind, ClientErrorKind::tls_config);
  EXPECT_NE(client.error().message.find("certificate-authority"), std::string::npos);
  EXPECT_EQ(client.error().message.find("CANARY"), std::string::npos);
}

TEST(HttpClient, RefusesAKeyWithoutACertificate) {
  ClientOptions options;
  options.tls.client_key_pem = pki().client_key_pem();
  auto client = Client::create(options);
  ASSERT_FALSE(client);
  EXPECT_NE(client.error().message.find("without a client certificate"), std::string::npos);
}

TEST(HttpClient, RejectsAResponseLargerThanTheLimit) {
  TestServer server([](const auto&, Reply& reply) { reply.send(200, std::string(10000, 'x')); });
  ClientOptions options;
  options.max_response_bytes = 1000;
  auto client = make_client(options);
  auto response = client->send({"GET", server.url("/big"), {}, "", {}});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientErrorKind::too_large);
}

TEST(HttpClient, TimesOutWhenTheServerDoesNotAnswer) {
  std::atomic<bool> release{false};
  TestServer server([&](const auto&, Reply& reply) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    reply.send(200, "late");
  });
  ClientOptions options;
  options.read_timeout = std::chrono::milliseconds(200);
  auto client = make_client(options);
  auto response = client->send({"GET", server.url("/slow"), {}, "", {}});
  release = true;
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientErrorKind::timeout);
}

TEST(HttpClient, ReportsARefusedConnection) {
  unsigned short port = 0;
  {
    TestServer server(echo);
    port = server.port();
  }
  auto client = make_client();
  auto response = client->send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "", {}});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientErrorKind::connect);
}

TEST(HttpClient, KeepsHeadersAndBodiesOutOfItsErrors) {
  TestServer slow([](const auto&, Reply& reply) { reply.send(200, std::string(5000, 'x')); });
  ClientOptions options;
  options.max_response_bytes = 10;
  auto client = make_client(options);
  const ClientRequest request{"POST", slow.url("/token?x=1"), {{"Authorization", "Bearer CANARY-header"}},
                              "client_secret=CANARY-body", {}};
  auto too_large = client->send(request);
  ASSERT_FALSE(too_large);
  unsigned short port = 0;
  {
    TestServer gone(echo);
    port = gone.port();
  }
  auto refused = client->send({"POST", "http://127.0.0.1:" + std::to_string(port) + "/token",
                               {{"Authorization", "Bearer CANARY-header"}}, "client_secret=CANARY-body", {}});
  ASSERT_FALSE(refused);
  for (const std::string& message : {too_large.error().message, refused.error().message}) {
    EXPECT_EQ(message.find("CANARY"), std::string::npos) << message;
    EXPECT_EQ(message.find("token?x"), std::string::npos) << "not even the query";
  }
}

TEST(HttpClient, RejectsUrlsItCannotServe) {
  auto client = make_client();
  EXPECT_EQ(client->send({"GET", "ftp://example/", {}, "", {}}).error().kind, ClientErrorKind::invalid_request);
  EXPECT_EQ(client->send({"GET", "/relative", {}, "", {}}).error().kind, ClientErrorKind::invalid_request);
}

TEST(HttpClient, CanBeSharedByManyThreads) {
  TestServer server(echo);
  auto client = make_client();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        auto response = client->send({"GET", server.url(path), {}, "", {}});
        if (response && response->body == "GET " + path) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_LE(server.connections_accepted(), 4);
}

}  // namespace
}  // namespace dragops::http
