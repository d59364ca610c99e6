// Benchmark of the local API server: create rate over keep-alive HTTPS connections (against
// GET /healthz on the same connections as the reference), list of 10,000 objects in pages of
// 500, watch delivery of live events and of a replay, and the server's resident memory.
#include "support/api_server_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

class Connection {
 public:
  Connection(const dragops::testing::ApiServerProcess& server)
      : ctx_(ssl::context::tls_client), stream_(ioc_, ctx_), token_(server.token()) {
    ctx_.add_certificate_authority(net::buffer(server.ca_pem()));
    ctx_.set_verify_mode(ssl::verify_peer);
    beast::get_lowest_layer(stream_).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    stream_.handshake(ssl::stream_base::client);
  }

  http::response<http::string_body> request(http::verb verb, const std::string& target, const std::string& body = "") {
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + token_);
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    http::read(stream_, buffer_, parser);
    return parser.release();
  }

  // Sends a watch request and reads events until `count` lines have arrived.
  void start_watch(const std::string& target) {
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + token_);
    http::write(stream_, req);
    watch_parser_.body_limit(boost::none);
    http::read_header(stream_, buffer_, watch_parser_);
  }
  std::size_t read_events(std::size_t count) {
    std::size_t lines = 0, scanned = 0;
    while (lines < count) {
      http::read_some(stream_, buffer_, watch_parser_);
      const auto& body = watch_parser_.get().body();
      for (; scanned < body.size(); ++scanned)
        if (body[scanned] == '\n') ++lines;
    }
    return lines;
  }

 private:
  net::io_context ioc_;
  ssl::context ctx_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::string token_;
  http::response_parser<http::string_body> watch_parser_;
};

std::string config_map(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
         R"(","labels":{"bench":"yes"}},"data":{"key":"value-of-a-typical-size-0123456789abcdef"}})";
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Runs `per_thread` requests on each of `threads` connections; returns requests per second.
template <class Fn>
double rate(const dragops::testing::ApiServerProcess& server, int threads, int per_thread, Fn fn) {
  std::vector<std::unique_ptr<Connection>> connections;
  for (int t = 0; t < threads; ++t) connections.push_back(std::make_unique<Connection>(server));
  std::atomic<int> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        if (!fn(*connections[t], t, i)) ++failures;
    });
  for (auto& w : workers) w.join();
  double took = seconds_since(start);
  if (failures > 0) std::cerr << "bench: " << failures << " requests failed\n";
  return threads * per_thread / took;
}

}  // namespace

int main(int argc, char** argv) {
  int creates = argc > 1 ? std::atoi(argv[1]) : 5000;
  int listed = argc > 2 ? std::atoi(argv[2]) : 10000;
  constexpr int kThreads = 4;
  dragops::testing::ApiServerProcess server(dragops::testing::ApiServerOptions{{"--watch-history", "100000"}, std::chrono::seconds(30), false});
  server.start();
  long rss_start = rss_kib(server.pid());

  double healthz = rate(server, kThreads, creates / kThreads, [](Connection& c, int, int) {
    return c.request(http::verb::get, "/healthz").result_int() == 200;
  });
  double create = rate(server, kThreads, creates / kThreads, [](Connection& c, int t, int i) {
    return c.request(http::verb::post, "/api/v1/namespaces/default/configmaps",
                     config_map("c-" + std::to_string(t) + "-" + std::to_string(i))).result_int() == 201;
  });
  std::printf("create:  %8.0f objects/s over %d connections (GET /healthz on the same connections: %.0f/s, ratio %.2f)\n",
              create, kThreads, healthz, create / healthz);

  // Live watch delivery: a watcher sees every create made on another connection.
  {
    Connection watcher(server);
    watcher.start_watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" +
                        std::string(boost::json::parse(Connection(server).request(http::verb::get, "/api/v1/namespaces/default/configmaps?limit=1").body())
                                        .at("metadata").at("resourceVersion").as_string()));
    int per_writer = creates / kThreads;
    int events = per_writer * kThreads;
    std::vector<std::thread> writers;
    auto start = Clock::now();
    for (int t = 0; t < kThreads; ++t)
      writers.emplace_back([&, t] {
        Connection c(server);
        for (int i = 0; i < per_writer; ++i)
          c.request(http::verb::post, "/api/v1/namespaces/default/configmaps",
                    config_map("w-" + std::to_string(t) + "-" + std::to_string(i)));
      });
    watcher.read_events(static_cast<std::size_t>(events));
    double took = seconds_since(start);
    for (auto& w : writers) w.join();
    std::printf("watch:   %8.0f events/s delivered live while %d clients create (%d events)\n", events / took, kThreads, events);
  }
  // Replay: a watch from resourceVersion 0 sends every existing object.
  {
    Connection watcher(server);
    int existing = 2 * (creates - creates % kThreads);
    auto start = Clock::now();
    watcher.start_watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0");
    watcher.read_events(static_cast<std::size_t>(existing));
    double took = seconds_since(start);
    std::printf("replay:  %8.0f events/s (%d ADDED events of existing objects)\n", existing / took, existing);
  }
  // List 10,000 objects in pages of 500.
  {
    Connection c(server);
    int have = 2 * (creates - creates % kThreads);
    for (int i = have; i < listed; ++i) c.request(http::verb::post, "/api/v1/namespaces/default/secrets",
                                                  R"({"metadata":{"name":"s-)" + std::to_string(i) + R"("},"stringData":{"k":"v"}})");
    for (int i = 0; i < std::min(have, listed); ++i) c.request(http::verb::post, "/api/v1/namespaces/default/secrets",
                                                               R"({"metadata":{"name":"t-)" + std::to_string(i) + R"("},"stringData":{"k":"v"}})");
    auto start = Clock::now();
    std::string token;
    std::size_t items = 0;
    do {
      auto res = c.request(http::verb::get, "/api/v1/namespaces/default/secrets?limit=500" + (token.empty() ? "" : "&continue=" + token));
      auto doc = boost::json::parse(res.body()).as_object();
      items += doc.at("items").as_array().size();
      auto* cont = doc.at("metadata").as_object().if_contains("continue");
      token = cont != nullptr ? std::string(cont->as_string()) : std::string();
    } while (!token.empty());
    std::printf("list:    %8.3f s for %zu objects in pages of 500\n", seconds_since(start), items);
  }
  std::printf("memory:  %8ld KiB resident at start, %ld KiB holding %d objects and their watch history\n", rss_start,
              rss_kib(server.pid()), 2 * creates + listed);
  server.stop();
  return 0;
}
