#include "http/server.hpp"

#include "common/log.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <mutex>
#include <thread>

namespace dragops::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

// ASCII only: header names are tokens (no locale lookup per character).
std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_parse_error(const error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_target).category();
}

void cleanse(std::string& body) {
  if (body.capacity() != 0) {
    body.resize(body.capacity());
    OPENSSL_cleanse(body.data(), body.size());
  }
  body.clear();
}

// A response on the wire: the head (status line and header fields, formatted here rather than
// by Beast's serializer, which cost as much per answer as the sidecar's decryption) and the body,
// sent together in one gather write.
struct Outgoing {
  std::string head;
  std::string body;
  bool keep_alive = false;
  bool sensitive = false;   // body holds plaintext: cleansed once written or dropped
};

void append_header_text(std::string& out, std::string_view text) {
  // A CR or LF would end the field early (response splitting); none of our handlers sets one.
  for (char c : text) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
}

// "HTTP/1.1 <code> <reason>", the fields as given, Content-Length (except where a response has
// no body: 1xx, 204, 304), and "Connection: close" when the connection ends after it.
void format_head(std::string& out, int status, const std::vector<std::pair<std::string, std::string>>& headers,
                 std::size_t body_size, bool keep_alive) {
  out.clear();
  out.reserve(128 + headers.size() * 48);
  out += "HTTP/1.1 ";
  char number[24];
  auto [end, ec] = std::to_chars(number, number + sizeof number, status);
  out.append(number, ec == std::errc() ? end : number);
  out.push_back(' ');
  out += bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    append_header_text(out, name);
    out += ": ";
    append_header_text(out, value);
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  if (!(status >= 100 && status < 200) && status != 204 && status != 304) {
    out += "Content-Length: ";
    auto [size_end, size_ec] = std::to_chars(number, number + sizeof number, body_size);
    out.append(number, size_ec == std::errc() ? size_end : number);
    out += "\r\n";
  }
  out += "\r\n";
}

// A fixed answer for input that never reached the handler.
void protocol_error(Outgoing& out, int status, std::string_view code, std::string_view message) {
  out.body = std::string(R"({"error":{"code":")") + std::string(code) + R"(","message":")" + std::string(message) + "\"}}";
  out.keep_alive = false;
  out.sensitive = false;
  format_head(out.head, status, {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}}, out.body.size(), false);
}

boost::system::result<std::shared_ptr<net::ssl::context>, std::string> make_tls_context(const TlsPem& pem) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  error_code ec;
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1,
                   ec);
  ctx->use_certificate_chain(net::buffer(pem.certificate_chain), ec);
  if (ec) return std::string("certificate chain does not parse: ") + ec.message();
  ctx->use_private_key(net::buffer(pem.private_key), net::ssl::context::pem, ec);
  if (ec) return std::string("private key does not parse or does not match the certificate: ") + ec.message();
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) return std::string("private key does not match the certificate");
  return ctx;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  net::io_context io;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::uint16_t> bound_ports;
  std::vector<std::thread> threads;
  std::mutex tls_mutex;
  std::shared_ptr<net::ssl::context> tls;
  bool started = false;
  bool stopped = false;
  std::atomic<std::size_t> open_connections{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> accept_failures{0};
  std::atomic<bool> accept_failure_logged{false};
  std::atomic<bool> refusal_logged{false};

  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)), io(std::max(1, options.threads)) {}

  std::shared_ptr<net::ssl::context> current_tls() {
    std::lock_guard lock(tls_mutex);
    return tls;
  }

  void accept(tcp::acceptor& acceptor);
  void accept_later(tcp::acceptor& acceptor);
};

namespace {

// Held by a session for the connection's lifetime: the count of open connections.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::atomic<std::size_t>& count) : count_(&count) { count_->fetch_add(1); }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot() { count_->fetch_sub(1); }

 private:
  std::atomic<std::size_t>* count_;
};

// Out of descriptors or memory: retrying at once fails again, in a busy loop.
bool is_resource_exhaustion(const error_code& ec) {
  return ec == net::error::no_descriptors || ec == net::error::no_buffer_space || ec == net::error::no_memory ||
         ec == error_code(ENFILE, boost::system::system_category());
}

}  // namespace

namespace {

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Server::Impl& server, std::shared_ptr<net::ssl::context> tls)
      : slot_(server.open_connections),
        stream_(std::move(stream)),
        server_(server),
        tls_(std::move(tls)),
        buffer_(server.options.max_header_bytes + server.options.max_body_bytes + 1024) {}

  ~Session() {
    if (out_.sensitive) cleanse(out_.body);
  }

  void run() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(server_.options.read_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              beast::bind_front_handler(&Session::on_handshake, this->shared_from_this()));
    } else {
      read();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void on_handshake(error_code ec) {
    if (ec) return;   // a client that cannot speak TLS: nothing to answer
    read();
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(server_.options.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, this->shared_from_this()));
  }

  void on_read(error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted) {
      return close();
    }
    if (ec == bhttp::error::header_limit) {
      return write_error(431, "header_too_large", "request header exceeds the limit");
    }
    if (ec == bhttp::error::body_limit || ec == bhttp::error::buffer_overflow) {
      return write_error(413, "body_too_large", "request body exceeds the limit");
    }
    if (ec && is_parse_error(ec) && ec != bhttp::error::partial_message) {
      return write_error(400, "bad_request", "malformed HTTP request");
    }
    if (ec) return close();

    auto message = parser_->release();
    const bool keep_alive = message.keep_alive();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.headers.reserve(8);
    for (const auto& field : message) request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
    request.body = std::move(message.body());

    Response answer;
    try {
      answer = server_.handler(request);
    } catch (...) {
      answer = Response{};
      answer.status = 500;
      answer.body = R"({"error":{"code":"internal","message":"internal error"}})";
      answer.set_header("Content-Type", "application/json");
    }

    out_.keep_alive = keep_alive;
    out_.sensitive = answer.sensitive;
    out_.body = std::move(answer.body);   // answer's destructor wipes what the move left behind
    format_head(out_.head, answer.status, answer.headers, out_.body.size(), keep_alive);
    write();
  }

  void write() {
    beast::get_lowest_layer(stream_).expires_after(server_.options.write_timeout);
    const std::array<net::const_buffer, 2> buffers{net::buffer(out_.head), net::buffer(out_.body)};
    net::async_write(stream_, buffers, beast::bind_front_handler(&Session::on_write, this->shared_from_this()));
  }

  void write_error(int status, std::string_view code, std::string_view message) {
    protocol_error(out_, status, code, message);
    write();
  }

  void on_write(error_code ec, std::size_t) {
    if (out_.sensitive) {
      cleanse(out_.body);
      out_.sensitive = false;
    }
    if (ec || !out_.keep_alive) return close();
    read();
  }

  void close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](error_code) {});
    } else {
      error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  ConnectionSlot slot_;   // first: released after the socket closes
  Stream stream_;
  Server::Impl& server_;
  std::shared_ptr<net::ssl::context> tls_;   // keeps the context this connection was accepted with
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Outgoing out_;
};

}  // namespace

void Server::Impl::accept(tcp::acceptor& acceptor) {
  // One thread needs no strand; with several, each connection's handlers run on its own strand.
  auto on_accept = [this, &acceptor](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec && is_resource_exhaustion(ec)) {
      accept_failures.fetch_add(1);
      if (!accept_failure_logged.exchange(true)) {
        log::warn("http server: accept failed, backing off (logged once; ServerStats counts each)",
                  {{"reason", boost::json::value(ec.message())},
                   {"backoff_ms", boost::json::value(static_cast<std::int64_t>(options.accept_backoff.count()))}});
      }
      return accept_later(acceptor);
    }
    // With several threads each listener's strand checks on its own, so the limit may be passed
    // by at most one connection per listener.
    if (!ec && open_connections.load() >= options.max_connections) {
      connections_refused.fetch_add(1);
      if (!refusal_logged.exchange(true)) {
        log::warn("http server: connection limit reached, closing new connections (logged once)",
                  {{"max_connections", boost::json::value(static_cast<std::uint64_t>(options.max_connections))}});
      }
      error_code ignored;
      socket.close(ignored);
    } else if (!ec) {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (options.tls) {
        auto ctx = current_tls();
        auto stream = beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *ctx);
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream), *this, ctx)->run();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), *this, nullptr)->run();
      }
    }
    accept(acceptor);
  };
  if (options.threads > 1) acceptor.async_accept(net::make_strand(io), std::move(on_accept));
  else acceptor.async_accept(io, std::move(on_accept));
}

void Server::Impl::accept_later(tcp::acceptor& acceptor) {
  auto timer = std::make_shared<net::steady_timer>(io, options.accept_backoff);
  timer->async_wait([this, &acceptor, timer](error_code ec) {
    if (ec || !acceptor.is_open()) return;
    accept(acceptor);
  });
}

bool split_host_port(std::string_view address, std::string& host, std::uint16_t& port) {
  std::string_view port_text;
  if (!address.empty() && address.front() == '[') {
    auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':') return false;
    host = std::string(address.substr(1, close - 1));
    port_text = address.substr(close + 2);
  } else {
    auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = std::string(address.substr(0, colon));
    if (host.find(':') != std::string::npos) return false;   // bare IPv6 needs brackets
    port_text = address.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (err != std::errc() || end != port_text.data() + port_text.size() || port_text.empty() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() { stop(); }

boost::system::result<void, std::string> Server::start() {
  if (impl_->started) return std::string("server already started");
  if (impl_->options.tls) {
    auto ctx = make_tls_context(*impl_->options.tls);
    if (!ctx) return ctx.error();
    impl_->tls = *ctx;
  }
  for (const auto& address : impl_->options.listen) {
    std::string host;
    std::uint16_t port = 0;
    if (!split_host_port(address, host, port)) return "listen address \"" + address + "\" is not host:port";
    if (host.empty()) host = "0.0.0.0";
    if (host == "localhost") host = "127.0.0.1";
    error_code ec;
    auto ip = net::ip::make_address(host, ec);
    if (ec) return "listen address \"" + address + "\" is not an IP address";
    auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    tcp::endpoint endpoint(ip, port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec && ip.is_v6()) acceptor->set_option(net::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) return "cannot listen on " + address + ": " + ec.message();
    impl_->bound_ports.push_back(acceptor->local_endpoint().port());
    impl_->acceptors.push_back(std::move(acceptor));
  }
  for (auto& acceptor : impl_->acceptors) impl_->accept(*acceptor);
  impl_->started = true;
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->io.run(); });
  }
  return {};
}

void Server::stop() {
  if (!impl_ || !impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  net::post(impl_->io, [impl = impl_.get()] {
    for (auto& acceptor : impl->acceptors) {
      error_code ignored;
      acceptor->close(ignored);
    }
  });
  impl_->io.stop();
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
}

std::vector<std::uint16_t> Server::ports() const { return impl_->bound_ports; }

ServerStats Server::stats() const {
  return {impl_->open_connections.load(), impl_->connections_refused.load(), impl_->accept_failures.load()};
}

boost::system::result<void, std::string> Server::set_certificate(const TlsPem& pem) {
  auto ctx = make_tls_context(pem);
  if (!ctx) return ctx.error();
  std::lock_guard lock(impl_->tls_mutex);
  impl_->tls = *ctx;
  return {};
}

}  // namespace dragops::http
