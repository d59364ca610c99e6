#include "apiserver/server.hpp"

#include "common/log.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <deque>

namespace dragops::apiserver {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxQueuedWatchBytes = 256 * 1024 * 1024;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ssl::context& ctx, Handler& handler, Store& store, const ServerOptions& options)
      : stream_(std::move(socket), ctx),
        handler_(handler),
        store_(store),
        options_(options),
        timeout_timer_(stream_.get_executor()),
        bookmark_timer_(stream_.get_executor()) {}

  ~Session() {
    if (watch_id_) store_.unwatch(*watch_id_);
  }

  void start() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (!ec) self->read_request();
                            });
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(64 * 1024);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(300));
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      auto error = errors::too_large("Request entity too large: limit is " + std::to_string(options_.max_body_bytes));
      send(Handler::error_response(error), false);
      return;
    }
    if (ec) {
      close();
      return;
    }
    auto& req = parser_->get();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      request.headers[name] = std::string(field.value());
      request.fields.emplace_back(name, std::string(field.value()));
    }
    request.body = std::move(req.body());
    bool keep_alive = req.keep_alive();
    Outcome outcome;
    try {
      outcome = handler_.handle(request);
    } catch (const std::exception& e) {
      // A bug must not take the whole server down; answer like kube's panic recovery does.
      log::error("request handling threw", {{"what", boost::json::value(e.what())}});
      outcome.response = Handler::error_response(errors::internal("the server could not handle the request"));
    }
    if (outcome.watch) {
      start_watch(std::move(*outcome.watch));
      return;
    }
    send(std::move(outcome.response), keep_alive);
  }

  void send(HttpResponse r, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::content_type, r.content_type);
    res->set(http::field::cache_control, "no-cache, private");
    for (const auto& [name, value] : r.headers) res->insert(name, value);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) {
        self->close();
        return;
      }
      self->read_request();
    });
  }

  // ---- watch streaming ----

  void start_watch(WatchPlan plan) {
    plan_ = std::move(plan);
    beast::get_lowest_layer(stream_).expires_never();
    std::string header =
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json;stream=watch\r\n"
        "Cache-Control: no-cache, private\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    queue_.push_back(std::move(header));
    std::weak_ptr<Session> weak = shared_from_this();
    auto result = store_.watch(plan_.spec, plan_.resource_version, [weak, this](const std::string& type, const ObjectPtr& obj) {
      if (auto self = weak.lock()) enqueue_chunk(handler_.watch_line(plan_, type, *obj));
    });
    plan_.type = nullptr;
    if (!result) {
      enqueue_chunk(Handler::error_line(result.error()));
      finish_watch();
      return;
    }
    watch_id_ = *result;
    int timeout = plan_.timeout_seconds > 0 ? plan_.timeout_seconds : options_.default_watch_timeout_seconds;
    timeout_timer_.expires_after(std::chrono::seconds(timeout));
    timeout_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      if (self->plan_.bookmarks) self->enqueue_chunk(self->handler_.bookmark_line(self->plan_));
      self->finish_watch();
    });
    if (plan_.bookmarks) schedule_bookmark();
    watch_for_disconnect();
    write_next();
  }

  void schedule_bookmark() {
    bookmark_timer_.expires_after(std::chrono::seconds(options_.bookmark_interval_seconds));
    bookmark_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->finished_) return;
      self->enqueue_chunk(self->handler_.bookmark_line(self->plan_));
      self->schedule_bookmark();
    });
  }

  void watch_for_disconnect() {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->stop_watch();
        self->close();
        return;
      }
      self->watch_for_disconnect();
    });
  }

  void enqueue_chunk(const std::string& data) {
    if (finished_) return;
    char size[20];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    queued_bytes_ += data.size();
    if (queued_bytes_ > kMaxQueuedWatchBytes) {
      log::warn("closing a watch whose client does not keep up", {{"collection", boost::json::value(plan_.spec.collection)}});
      stop_watch();
      close();
      return;
    }
    queue_.push_back(std::string(size) + data + "\r\n");
    write_next();
  }

  void stop_watch() {
    if (watch_id_) store_.unwatch(*watch_id_);
    watch_id_.reset();
    timeout_timer_.cancel();
    bookmark_timer_.cancel();
  }

  void finish_watch() {
    if (finished_) return;
    stop_watch();
    queue_.push_back("0\r\n\r\n");
    finished_ = true;
    write_next();
  }

  void write_next() {
    if (writing_ || closed_) return;
    if (queue_.empty()) {
      if (finished_) close();
      return;
    }
    // Coalesce small chunks into one TLS write.
    writing_buffer_.clear();
    while (!queue_.empty() && writing_buffer_.size() < 256 * 1024) {
      writing_buffer_ += queue_.front();
      queue_.pop_front();
    }
    writing_ = true;
    net::async_write(stream_, net::buffer(writing_buffer_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->writing_ = false;
      self->queued_bytes_ = self->queued_bytes_ > n ? self->queued_bytes_ - n : 0;
      if (ec) {
        self->stop_watch();
        self->close();
        return;
      }
      self->write_next();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    stop_watch();
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Handler& handler_;
  Store& store_;
  const ServerOptions& options_;
  WatchPlan plan_;
  std::optional<std::uint64_t> watch_id_;
  std::deque<std::string> queue_;
  std::string writing_buffer_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool finished_ = false;
  bool closed_ = false;
  net::steady_timer timeout_timer_;
  net::steady_timer bookmark_timer_;
  std::array<char, 512> scratch_{};
};

}  // namespace

struct Server::Impl {
  Impl(Handler& h, Store& s, ServerOptions o)
      : handler(h), store(s), options(std::move(o)), ssl_ctx(ssl::context::tls_server), acceptor(ioc) {
    ssl_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ssl_ctx.use_certificate_chain(net::buffer(options.credentials.cert_pem));
    ssl_ctx.use_private_key(net::buffer(options.credentials.key_pem), ssl::context::pem);
    tcp::endpoint endpoint(net::ip::make_address(options.host), options.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != net::error::operation_aborted) accept();
        return;
      }
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket), ssl_ctx, handler, store, options)->start();
      accept();
    });
  }

  Handler& handler;
  Store& store;
  ServerOptions options;
  net::io_context ioc{1};
  ssl::context ssl_ctx;
  tcp::acceptor acceptor;
};

Server::Server(Handler& handler, Store& store, ServerOptions options)
    : impl_(std::make_unique<Impl>(handler, store, std::move(options))) {}

Server::~Server() = default;

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

net::io_context& Server::io_context() { return impl_->ioc; }

void Server::run(const std::function<void()>& on_signal) {
  net::signal_set signals(impl_->ioc, SIGTERM, SIGINT);
  signals.async_wait([&](beast::error_code ec, int) {
    if (ec) return;
    on_signal();
    impl_->ioc.stop();
  });
  impl_->accept();
  impl_->ioc.run();
}

}  // namespace dragops::apiserver
