#pragma once
// A small blocking HTTP(S) server on 127.0.0.1:0 for the client tests: one thread per
// connection, keep-alive, and a streaming (chunked) reply mode.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dragops::testing {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;

class Reply {
 public:
  virtual ~Reply() = default;
  virtual void send(int status, std::string body, std::string content_type = "text/plain") = 0;
  virtual void start_chunks(int status) = 0;
  virtual bool chunk(const std::string& data) = 0;  // false once the peer is gone
  virtual void end_chunks() = 0;
  virtual void close_after() = 0;  // no keep-alive after this reply
};

using TestHandler = std::function<void(const bhttp::request<bhttp::string_body>&, Reply&)>;

struct TestServerTls {
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;  // when set, a client certificate is required
};

class TestServer {
 public:
  TestServer(TestHandler handler, const TestServerTls* tls = nullptr) : handler_(std::move(handler)) {
    if (tls) {
      tls_ = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
      tls_->use_certificate_chain(net::buffer(tls->cert_pem));
      tls_->use_private_key(net::buffer(tls->key_pem), net::ssl::context::pem);
      if (!tls->client_ca_pem.empty()) {
        tls_->add_certificate_authority(net::buffer(tls->client_ca_pem));
        tls_->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
      }
    }
    acceptor_.open(net::ip::tcp::v4());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~TestServer() { stop(); }

  void stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    accept_thread_.join();
    for (auto& t : threads_) t.join();
  }

  // Closes every open connection, as a server restart would.
  void drop_connections() {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }

  unsigned short port() const { return port_; }
  std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_) + path;
  }
  int connections_accepted() const { return accepted_.load(); }

 private:
  template <class Stream>
  class StreamReply : public Reply {
   public:
    StreamReply(Stream& stream, unsigned version) : stream_(stream), version_(version) {}
    void send(int status, std::string body, std::string content_type) override {
      bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(status), version_};
      response.set(bhttp::field::content_type, content_type);
      response.body() = std::move(body);
      response.keep_alive(keep_alive);
      response.prepare_payload();
      boost::system::error_code ec;
      bhttp::write(stream_, response, ec);
      if (ec) keep_alive = false;
    }
    void start_chunks(int status) override {
      bhttp::response<bhttp::empty_body> response{static_cast<bhttp::status>(status), version_};
      response.set(bhttp::field::content_type, "application/json");
      response.chunked(true);
      response.keep_alive(keep_alive);
      bhttp::response_serializer<bhttp::empty_body> serializer{response};
      boost::system::error_code ec;
      bhttp::write_header(stream_, serializer, ec);
      if (ec) keep_alive = false;
    }
    bool chunk(const std::string& data) override {
      boost::system::error_code ec;
      net::write(stream_, bhttp::make_chunk(net::buffer(data)), ec);
      if (ec) keep_alive = false;
      return !ec;
    }
    void end_chunks() override {
      boost::system::error_code ec;
      net::write(stream_, bhttp::make_chunk_last(), ec);
      if (ec) keep_alive = false;
    }
    void close_after() override { keep_alive = false; }
    bool keep_alive = true;

   private:
    Stream& stream_;
    unsigned version_;
  };

  template <class Stream>
  void serve(Stream& stream) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> request;
      boost::system::error_code ec;
      bhttp::read(stream, buffer, request, ec);
      if (ec) return;
      StreamReply<Stream> reply(stream, request.version());
      reply.keep_alive = request.keep_alive();
      handler_(request, reply);
      if (!reply.keep_alive) return;
    }
  }

  void accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      net::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stopped_) return;
      ++accepted_;
      auto shared = std::make_shared<net::ip::tcp::socket>(std::move(socket));
      {
        std::lock_guard lock(mutex_);
        open_fds_.push_back(shared->native_handle());
      }
      threads_.emplace_back([this, shared] {
        if (tls_) {
          net::ssl::stream<net::ip::tcp::socket&> stream(*shared, *tls_);
          boost::system::error_code hec;
          stream.handshake(net::ssl::stream_base::server, hec);
          if (!hec) serve(stream);
        } else {
          serve(*shared);
        }
        std::lock_guard lock(mutex_);
        std::erase(open_fds_, shared->native_handle());
        boost::system::error_code cec;
        shared->close(cec);
      });
    }
  }

  TestHandler handler_;
  std::unique_ptr<net::ssl::context> tls_;
  net::io_context io_;
  net::ip::tcp::acceptor acceptor_{io_};
  unsigned short port_ = 0;
  std::thread accept_thread_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::vector<int> open_fds_;
  std::atomic<bool> stopped_{false};
  std::atomic<int> accepted_{0};
};

}  // namespace dragops::testing
