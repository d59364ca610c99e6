#include "http/client.hpp"

#include "http/client_url.hpp"
#include "http/tls_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>

namespace dragops::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

void throw_exception_from_error(const ClientError& error, const boost::source_location&) {
  throw std::runtime_error(error.message);
}

std::string_view ClientResponse::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (beast::iequals(h.name, name)) return h.value;
  }
  return {};
}

namespace {

constexpr auto kStopPollInterval = std::chrono::milliseconds(200);
constexpr std::size_t kHeaderLimit = 64 * 1024;
constexpr std::size_t kStreamChunk = 16 * 1024;

// One connection owns its io_context, so the thread that checks it out can drive it alone.
struct Connection {
  asio::io_context ioc{1};
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<ssl::stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  Clock::time_point idle_since{};

  beast::tcp_stream& lowest() { return secure ? secure->next_layer() : *plain; }
  void close() {
    error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }
};

struct OpResult {
  error_code ec;
  std::size_t bytes = 0;
  bool cancelled = false;
};

inline void record_bytes(OpResult& result, std::size_t bytes) { result.bytes = bytes; }
template <class Other>
void record_bytes(OpResult&, const Other&) {}

// Starts one async operation through `initiate(handler)` and drives the connection's
// io_context until it completes. Timeouts come from the tcp_stream's expiry; a stop request
// closes the socket, which completes the operation with an error.
template <class Initiate>
OpResult await(Connection& connection, const std::stop_token& stop, Initiate&& initiate) {
  OpResult result;
  bool done = false;
  initiate([&](error_code ec, auto&&... rest) {
    result.ec = ec;
    (record_bytes(result, rest), ...);
    done = true;
  });
  bool closed_for_stop = false;
  while (!done) {
    connection.ioc.restart();
    connection.ioc.run_for(kStopPollInterval);
    if (!done && !closed_for_stop && stop.stop_requested()) {
      closed_for_stop = true;
      connection.close();
    }
  }
  result.cancelled = closed_for_stop;
  return result;
}

ClientError make_error(ClientErrorKind kind, std::string message) { return ClientError{kind, std::move(message)}; }

ClientError io_error(const OpResult& op, const Endpoint& endpoint, std::string_view step) {
  if (op.cancelled) return make_error(ClientErrorKind::cancelled, "request to " + endpoint.host_header + " cancelled");
  if (op.ec == beast::error::timeout) {
    return make_error(ClientErrorKind::timeout, std::string(step) + " " + endpoint.host_header + ": timed out");
  }
  if (op.ec == bhttp::error::body_limit) {
    return make_error(ClientErrorKind::too_large, "response from " + endpoint.host_header + " exceeds the size limit");
  }
  return make_error(ClientErrorKind::io, std::string(step) + " " + endpoint.host_header + ": " + op.ec.message());
}

// The peer may close an idle keep-alive connection at any time; such an error on a reused
// connection before any response byte arrived is worth one retry on a fresh connection.
bool is_stale_connection_error(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

Clock::time_point earlier(Clock::time_point a, Clock::time_point b) { return a < b ? a : b; }

}  // namespace

struct Client::Impl {
  ClientOptions options;
  std::shared_ptr<ssl::context> tls;
  mutable std::mutex mutex;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
  ClientStats stats;

  std::unique_ptr<Connection> checkout(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& pool = it->second;
    const auto now = Clock::now();
    while (!pool.empty()) {
      auto connection = std::move(pool.back());
      pool.pop_back();
      if (now - connection->idle_since < options.idle_connection_ttl) {
        ++stats.connections_reused;
        return connection;
      }
    }
    return nullptr;
  }

  void checkin(const std::string& key, std::unique_ptr<Connection> connection) {
    connection->idle_since = Clock::now();
    connection->buffer.clear();
    std::lock_guard lock(mutex);
    auto& pool = idle[key];
    if (pool.size() < options.max_idle_per_host) pool.push_back(std::move(connection));
  }

  ClientResult<std::unique_ptr<Connection>> connect(const Endpoint& endpoint, Clock::time_point deadline,
                                               const std::stop_token& stop) {
    auto connection = std::make_unique<Connection>();
    tcp::resolver resolver(connection->ioc);
    tcp::resolver::results_type results;
    {
      bool done = false;
      error_code resolve_ec;
      resolver.async_resolve(endpoint.host, endpoint.port, [&](error_code ec, tcp::resolver::results_type r) {
        resolve_ec = ec;
        results = std::move(r);
        done = true;
      });
      while (!done) {
        connection->ioc.restart();
        connection->ioc.run_for(kStopPollInterval);
        if (!done && (stop.stop_requested() || Clock::now() > deadline)) resolver.cancel();
      }
      if (resolve_ec) {
        if (stop.stop_requested()) return make_error(ClientErrorKind::cancelled, "request to " + endpoint.host_header + " cancelled");
        return make_error(ClientErrorKind::connect, "resolve " + endpoint.host + ": " + resolve_ec.message());
      }
    }

    if (endpoint.tls) {
      connection->secure = std::make_unique<ssl::stream<beast::tcp_stream>>(connection->ioc, *tls);
    } else {
      connection->plain = std::make_unique<beast::tcp_stream>(connection->ioc);
    }
    auto& lowest = connection->lowest();
    lowest.expires_at(earlier(Clock::now() + options.connect_timeout, deadline));
    auto op = await(*connection, stop, [&](auto handler) { lowest.async_connect(results, std::move(handler)); });
    if (op.ec) {
      if (op.cancelled) return make_error(ClientErrorKind::cancelled, "request to " + endpoint.host_header + " cancelled");
      if (op.ec == beast::error::timeout) {
        return make_error(ClientErrorKind::timeout, "connect " + endpoint.host_header + ": timed out");
      }
      return make_error(ClientErrorKind::connect, "connect " + endpoint.host_header + ": " + op.ec.message());
    }
    {
      std::lock_guard lock(mutex);
      ++stats.connections_opened;
    }
    if (!endpoint.tls) return connection;

    SSL* handle = connection->secure->native_handle();
    const std::string& verify_name = options.tls.server_name.empty() ? endpoint.host : options.tls.server_name;
    const bool verify_name_is_ip = options.tls.server_name.empty() ? endpoint.host_is_ip : false;
    if (!verify_name_is_ip) SSL_set_tlsext_host_name(handle, verify_name.c_str());
    if (!options.tls.insecure_skip_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(handle);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      const int set = verify_name_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, verify_name.c_str())
                                        : X509_VERIFY_PARAM_set1_host(param, verify_name.c_str(), 0);
      if (set != 1) return make_error(ClientErrorKind::tls, "cannot verify against host name " + verify_name);
    }
    lowest.expires_at(earlier(Clock::now() + options.connect_timeout, deadline));
    op = await(*connection, stop,
               [&](auto handler) { connection->secure->async_handshake(ssl::stream_base::client, std::move(handler)); });
    if (op.ec) {
      if (op.cancelled) return make_error(ClientErrorKind::cancelled, "request to " + endpoint.host_header + " cancelled");
      if (op.ec == beast::error::timeout) {
        return make_error(ClientErrorKind::timeout, "TLS handshake with " + endpoint.host_header + ": timed out");
      }
      std::string message = "TLS handshake with " + endpoint.host_header + " failed: " + op.ec.message();
      const long verify = SSL_get_verify_result(handle);
      if (verify != X509_V_OK) message += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      return make_error(ClientErrorKind::tls, std::move(message));
    }
    return connection;
  }

  bhttp::request<bhttp::string_body> build(const Endpoint& endpoint, const ClientRequest& request) const {
    bhttp::request<bhttp::string_body> message;
    message.version(11);
    const auto verb = bhttp::string_to_verb(request.method);
    if (verb == bhttp::verb::unknown) {
      message.method_string(request.method);
    } else {
      message.method(verb);
    }
    message.target(endpoint.target);
    message.set(bhttp::field::host, endpoint.host_header);
    message.set(bhttp::field::user_agent, options.user_agent);
    for (const auto& h : request.headers) message.insert(h.name, h.value);
    message.body() = request.body;
    message.keep_alive(true);
    message.prepare_payload();
    return message;
  }

  template <class Stream>
  OpResult write(Connection& connection, Stream& stream, bhttp::request<bhttp::string_body>& message,
                 Clock::time_point deadline, const std::stop_token& stop) {
    connection.lowest().expires_at(deadline);
    return await(connection, stop, [&](auto handler) { bhttp::async_write(stream, message, std::move(handler)); });
  }

  static std::vector<HeaderField> headers_of(const bhttp::fields& fields) {
    std::vector<HeaderField> out;
    for (const auto& f : fields) out.push_back({std::string(f.name_string()), std::string(f.value())});
    return out;
  }

  // One request/response on an open connection. *any_response_bytes tells the caller whether
  // a retry on a fresh connection is safe.
  template <class Stream>
  ClientResult<ClientResponse> exchange(Connection& connection, Stream& stream, const Endpoint& endpoint,
                             const ClientRequest& request, Clock::time_point deadline, const std::stop_token& stop,
                             bool* keep_alive, bool* stale) {
    auto message = build(endpoint, request);
    auto op = write(connection, stream, message, deadline, stop);
    if (op.ec) {
      *stale = !op.cancelled && is_stale_connection_error(op.ec);
      return io_error(op, endpoint, "write to");
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_response_bytes);
    // Read in steps so the read timeout bounds silence rather than the whole body.
    bool first = true;
    while (!parser.is_done()) {
      connection.lowest().expires_at(earlier(Clock::now() + options.read_timeout, deadline));
      op = await(connection, stop,
                 [&](auto handler) { bhttp::async_read_some(stream, connection.buffer, parser, std::move(handler)); });
      if (op.ec) {
        *stale = first && !op.cancelled && is_stale_connection_error(op.ec) && !parser.got_some();
        return io_error(op, endpoint, "read from");
      }
      first = false;
    }
    auto& response = parser.get();
    *keep_alive = response.keep_alive();
    return ClientResponse{static_cast<int>(response.result_int()), headers_of(response.base()), std::move(response.body())};
  }

  template <class Stream>
  ClientResult<ClientResponse> stream_exchange(Connection& connection, Stream& stream, const Endpoint& endpoint,
                                    const ClientRequest& request, const ChunkHandler& on_chunk,
                                    std::chrono::milliseconds idle_timeout, const std::stop_token& stop,
                                    bool* keep_alive, bool* stale) {
    auto message = build(endpoint, request);
    auto op = write(connection, stream, message, Clock::now() + options.read_timeout, stop);
    if (op.ec) {
      *stale = !op.cancelled && is_stale_connection_error(op.ec);
      return io_error(op, endpoint, "write to");
    }
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(boost::none);
    connection.lowest().expires_after(options.read_timeout);
    op = await(connection, stop,
               [&](auto handler) { bhttp::async_read_header(stream, connection.buffer, parser, std::move(handler)); });
    if (op.ec) {
      *stale = !op.cancelled && is_stale_connection_error(op.ec) && !parser.got_some();
      return io_error(op, endpoint, "read from");
    }
    ClientResponse response;
    response.status = static_cast<int>(parser.get().result_int());
    response.headers = headers_of(parser.get().base());
    const bool success = response.status >= 200 && response.status < 300;

    std::vector<char> chunk(kStreamChunk);
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      connection.lowest().expires_after(success ? idle_timeout : options.read_timeout);
      op = await(connection, stop,
                 [&](auto handler) { bhttp::async_read_some(stream, connection.buffer, parser, std::move(handler)); });
      if (op.ec == bhttp::error::need_buffer) op.ec = {};
      if (op.ec) return io_error(op, endpoint, "read from");
      const std::size_t got = chunk.size() - parser.get().body().size;
      if (got == 0) continue;
      if (success) {
        if (!on_chunk(std::string_view(chunk.data(), got))) {
          *keep_alive = false;
          return response;
        }
      } else {
        if (response.body.size() + got > options.max_response_bytes) {
          return make_error(ClientErrorKind::too_large, "response from " + endpoint.host_header + " exceeds the size limit");
        }
        response.body.append(chunk.data(), got);
      }
      if (stop.stop_requested()) {
        return make_error(ClientErrorKind::cancelled, "request to " + endpoint.host_header + " cancelled");
      }
    }
    *keep_alive = parser.get().keep_alive();
    return response;
  }

  template <class Exchange>
  ClientResult<ClientResponse> run(const ClientRequest& request, Clock::time_point deadline, const std::stop_token& stop,
                        Exchange&& exchange_fn) {
    std::string reason;
    auto endpoint = parse_endpoint(request.url, &reason);
    if (!endpoint) return make_error(ClientErrorKind::invalid_request, "invalid URL: " + reason);
    if (endpoint->tls && !tls) return make_error(ClientErrorKind::tls_config, "TLS is not configured");
    const std::string key = endpoint->pool_key();
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto connection = checkout(key);
      const bool reused = connection != nullptr;
      if (!connection) {
        auto opened = connect(*endpoint, deadline, stop);
        if (!opened) return opened.error();
        connection = std::move(*opened);
      }
      bool keep_alive = false;
      bool stale = false;
      ClientResult<ClientResponse> outcome = connection->secure
          ? exchange_fn(*connection, *connection->secure, *endpoint, &keep_alive, &stale)
          : exchange_fn(*connection, *connection->plain, *endpoint, &keep_alive, &stale);
      if (!outcome && reused && stale) continue;
      if (outcome && keep_alive) {
        checkin(key, std::move(connection));
      } else {
        connection->close();
      }
      return outcome;
    }
    return make_error(ClientErrorKind::io, "request to " + endpoint->host_header + " failed on a reused connection");
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

ClientResult<std::shared_ptr<Client>> Client::create(ClientOptions options) {
  auto impl = std::make_unique<Impl>();
  auto made = make_tls_context(options.tls);
  if (!made.context) return make_error(ClientErrorKind::tls_config, made.error);
  impl->tls = std::move(made.context);
  impl->options = std::move(options);
  return std::shared_ptr<Client>(new Client(std::move(impl)));
}

ClientResult<ClientResponse> Client::send(const ClientRequest& request, std::stop_token stop) {
  const auto deadline = Clock::now() + request.timeout.value_or(impl_->options.total_timeout);
  return impl_->run(request, deadline, stop,
                    [&](Connection& connection, auto& stream, const Endpoint& endpoint, bool* keep_alive, bool* stale) {
                      return impl_->exchange(connection, stream, endpoint, request, deadline, stop, keep_alive, stale);
                    });
}

ClientResult<ClientResponse> Client::stream(const ClientRequest& request, const ChunkHandler& on_chunk, std::stop_token stop,
                                 std::optional<std::chrono::milliseconds> idle_timeout) {
  const auto idle = idle_timeout.value_or(impl_->options.stream_idle_timeout);
  const auto connect_deadline = Clock::now() + impl_->options.connect_timeout + impl_->options.read_timeout;
  return impl_->run(request, connect_deadline, stop,
                    [&](Connection& connection, auto& stream, const Endpoint& endpoint, bool* keep_alive, bool* stale) {
                      return impl_->stream_exchange(connection, stream, endpoint, request, on_chunk, idle, stop,
                                                    keep_alive, stale);
                    });
}

ClientStats Client::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

const ClientOptions& Client::options() const { return impl_->options; }

}  // namespace dragops::http
