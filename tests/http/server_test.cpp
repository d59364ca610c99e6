#include "http/server.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>

namespace dragops::http {
namespace {

// A raw client, so the tests can send bytes no HTTP library would.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{5, 0};   // a deadline, not a wait: recv returns as soon as bytes or EOF arrive
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Reads until the peer closes (or the deadline passes); returns everything.
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (;;) {
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  // Reads until `count` complete responses with Content-Length have arrived.
  std::string read_responses(int count) {
    std::string out;
    char buf[4096];
    while (complete_responses(out) < count) {
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  bool peer_closed_within_deadline() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  static int complete_responses(const std::string& text) {
    int count = 0;
    std::size_t pos = 0;
    for (;;) {
      auto end = text.find("\r\n\r\n", pos);
      if (end == std::string::npos) return count;
      auto cl = text.find("Content-Length: ", pos);
      std::size_t length = cl != std::string::npos && cl < end ? std::stoul(text.substr(cl + 16)) : 0;
      if (text.size() < end + 4 + length) return count;
      ++count;
      pos = end + 4 + length;
    }
  }
  int fd_ = -1;
  bool connected_ = false;
};

Response echo(const Request& request) {
  Response response;
  response.status = 200;
  response.set_header("Content-Type", "text/plain");
  response.body = request.method + " " + request.target + " host=" + std::string(request.header("host")) +
                  " body=" + request.body;
  return response;
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options, Handler handler = echo) {
    server_ = std::make_unique<Server>(std::move(options), std::move(handler));
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error();
    port_ = server_->ports().at(0);
  }
  static ServerOptions loopback() {
    ServerOptions options;
    options.listen = {"127.0.0.1:0"};
    options.max_header_bytes = 1024;
    options.max_body_bytes = 256;
    options.read_timeout = std::chrono::milliseconds(300);
    return options;
  }
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
};

TEST_F(ServerTest, ReportsTheBoundPortWhenAskedForPortZero) {
  start(loopback());
  EXPECT_NE(port_, 0);
}

TEST_F(ServerTest, AnswersTwoRequestsOnOneKeptAliveConnection) {
  start(loopback());
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  client.send("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
  auto text = client.read_responses(2);
  EXPECT_NE(text.find("GET /a host=localhost body="), std::string::npos) << text;
  EXPECT_NE(text.find("POST /b host=x body=hi"), std::string::npos) << text;
}

TEST_F(ServerTest, AnswersAnOversizeHeaderWith431AndCloses) {
  start(loopback());
  RawClient client(port_);
  client.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  auto text = client.read_all();
  EXPECT_EQ(text.rfind("HTTP/1.1 431", 0), 0u) << text;
}

TEST_F(ServerTest, AnswersAnOversizeBodyWith413) {
  start(loopback());
  RawClient client(port_);
  client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'b'));
  auto text = client.read_all();
  EXPECT_EQ(text.rfind("HTTP/1.1 413", 0), 0u) << text;
}

TEST_F(ServerTest, AnswersAnOversizeChunkedBodyWith413) {
  start(loopback());
  RawClient client(port_);
  client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n" + std::string(512, 'b') + "\r\n0\r\n\r\n");
  auto text = client.read_all();
  EXPECT_EQ(text.rfind("HTTP/1.1 413", 0), 0u) << text;
}

TEST_F(ServerTest, AnswersGarbageWith400AndKeepsServing) {
  start(loopback());
  {
    RawClient client(port_);
    client.send(std::string("\x16\x03\x01\x00\xff garbage \0\r\n\r\n", 20));
    auto text = client.read_all();
    EXPECT_EQ(text.rfind("HTTP/1.1 400", 0), 0u) << text;
    EXPECT_NE(text.find(R"({"error":{"code":"bad_request")"), std::string::npos);
  }
  RawClient again(port_);
  again.send("GET /still HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(again.read_all().find("GET /still"), std::string::npos);
}

TEST_F(ServerTest, ClosesAClientThatStallsMidHeader) {
  start(loopback());
  RawClient client(port_);
  client.send("GET / HTTP/1.1\r\nHo");
  auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.peer_closed_within_deadline());
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(4));
}

TEST_F(ServerTest, ClosesAnIdleKeptAliveConnection) {
  start(loopback());
  RawClient client(port_);
  client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto text = client.read_responses(1);
  EXPECT_EQ(text.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_TRUE(client.peer_closed_within_deadline());
}

TEST_F(ServerTest, TurnsAThrowingHandlerInto500) {
  start(loopback(), [](const Request&) -> Response { throw std::runtime_error("boom"); });
  RawClient client(port_);
  client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(client.read_all().rfind("HTTP/1.1 500", 0), 0u);
}

TEST_F(ServerTest, SetsContentLengthAndCustomHeaders) {
  start(loopback(), [](const Request&) {
    Response r;
    r.set_header("Cache-Control", "no-store");
    r.body = "12345";
    r.sensitive = true;
    return r;
  });
  RawClient client(port_);
  client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto text = client.read_all();
  EXPECT_NE(text.find("Cache-Control: no-store"), std::string::npos) << text;
  EXPECT_NE(text.find("Content-Length: 5"), std::string::npos) << text;
  EXPECT_NE(text.find("\r\n\r\n12345"), std::string::npos) << text;
}

TEST_F(ServerTest, SurvivesManyMalformedConnections) {
  start(loopback());
  const char* inputs[] = {"\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                          "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "\xff\xfe\xfd\r\n\r\n",
                          "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"};
  for (const char* input : inputs) {
    RawClient client(port_);
    client.send(input);
    auto text = client.read_all();
    EXPECT_EQ(text.rfind("HTTP/1.1 400", 0), 0u) << input << " -> " << text;
  }
  RawClient client(port_);
  client.send("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(client.read_all().rfind("HTTP/1.1 200", 0), 0u);
}

TEST(ServerStart, RefusesAnAddressThatIsNotAnIp) {
  ServerOptions options;
  options.listen = {"example.com:80"};
  Server server(options, echo);
  auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().find("example.com"), std::string::npos);
}

TEST(ServerStart, RefusesATlsCertificateThatDoesNotParse) {
  ServerOptions options;
  options.listen = {"127.0.0.1:0"};
  options.tls = TlsPem{"not a pem", "not a key"};
  Server server(options, echo);
  EXPECT_FALSE(server.start());
}

TEST(SplitHostPort, ReadsTheAddressShapesOfTheSidecarEnv) {
  std::string host;
  std::uint16_t port = 0;
  ASSERT_TRUE(split_host_port("127.0.0.1:8900", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8900);
  ASSERT_TRUE(split_host_port("[::1]:8900", host, port));
  EXPECT_EQ(host, "::1");
  ASSERT_TRUE(split_host_port(":9443", host, port));
  EXPECT_EQ(host, "");
  EXPECT_EQ(port, 9443);
  EXPECT_FALSE(split_host_port("::1:80", host, port));
  EXPECT_FALSE(split_host_port("host", host, port));
  EXPECT_FALSE(split_host_port("h:99999", host, port));
  EXPECT_FALSE(split_host_port("h:", host, port));
}

TEST(Response, WipesASensitiveBodyOnRequest) {
  Response response;
  response.body = "canary-value-that-is-long-enough-to-heap-allocate";
  response.sensitive = true;
  response.wipe_body();
  EXPECT_TRUE(response.body.empty());
}

}  // namespace
}  // namespace dragops::http
