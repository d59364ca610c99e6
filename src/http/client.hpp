#pragma once
// A blocking HTTP/1.1 client over Beast, for the Kubernetes API and OAuth token endpoints.
//
// - http:// and https:// URLs; TLS 1.2+ with certificate AND hostname verification on by
//   default (SNI for names, IP-address SANs for literal addresses), an optional custom CA bundle,
//   an optional client certificate, and an explicit insecure_skip_verify escape hatch.
// - Keep-alive: idle connections are pooled per scheme://host:port and reused; a reused
//   connection that turns out to be closed by the peer is retried once on a fresh one.
// - Connect, per-read and total timeouts; a response size limit.
// - stream() delivers a 2xx body incrementally (for watches), polls a std::stop_token at least
//   every 250 ms and gives up after an idle timeout.
//
// Threading: one Client may be shared by any number of threads; every call checks a connection
// out of the pool for its exclusive use and blocks the calling thread until it is done.
//
// Nothing here logs a request or response body or any header value (Authorization included);
// error messages name the host, the step and the reason only.

#include "http/tls.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::http {

enum class ClientErrorKind {
  invalid_request,  // bad URL, unsupported scheme
  tls_config,       // the CA bundle or client certificate could not be loaded
  connect,          // resolve or TCP connect failed
  tls,              // TLS handshake failed (certificate or hostname verification, protocol)
  timeout,          // connect, read, idle or total timeout
  too_large,        // response bigger than max_response_bytes
  cancelled,        // the stop_token was triggered
  io,               // the connection broke while writing or reading
};

struct ClientError {
  ClientErrorKind kind = ClientErrorKind::io;
  std::string message;
};

[[noreturn]] void throw_exception_from_error(const ClientError& error, const boost::source_location& loc);

template <class T>
using ClientResult = boost::system::result<T, ClientError>;

struct HeaderField {
  std::string name;
  std::string value;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http(s)://host[:port]/path?query
  std::vector<HeaderField> headers;
  std::string body;
  // Overrides ClientOptions::total_timeout for this request (non-streaming only).
  std::optional<std::chrono::milliseconds> timeout;
};

struct ClientResponse {
  int status = 0;
  std::vector<HeaderField> headers;
  std::string body;

  // Case-insensitive; "" when absent.
  std::string_view header(std::string_view name) const;
};

struct ClientOptions {
  TlsOptions tls;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};    // silence allowed between bytes
  std::chrono::milliseconds total_timeout{60'000};   // whole request, non-streaming
  std::chrono::milliseconds stream_idle_timeout{90'000};
  std::size_t max_response_bytes = 64u << 20;
  std::size_t max_idle_per_host = 8;
  std::chrono::milliseconds idle_connection_ttl{90'000};
  std::string user_agent = "dragops/0.1";
};

// Receives body bytes of a streaming 2xx response as they arrive; return false to stop.
using ChunkHandler = std::function<bool(std::string_view)>;

struct ClientStats {
  std::size_t connections_opened = 0;
  std::size_t connections_reused = 0;
};

class Client {
 public:
  // Loads the TLS material once; a bad CA or key is an ClientError of kind tls_config.
  static ClientResult<std::shared_ptr<Client>> create(ClientOptions options = {});

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  ClientResult<ClientResponse> send(const ClientRequest& request, std::stop_token stop = {});

  // For a 2xx answer, body bytes go to on_chunk and ClientResponse::body stays empty; any other
  // status is read whole (within max_response_bytes) into ClientResponse::body. Returns when the
  // server ends the body, on_chunk returns false, or stop is requested (ClientError cancelled).
  ClientResult<ClientResponse> stream(const ClientRequest& request, const ChunkHandler& on_chunk, std::stop_token stop,
                           std::optional<std::chrono::milliseconds> idle_timeout = std::nullopt);

  ClientStats stats() const;
  const ClientOptions& options() const;

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dragops::http
