#pragma once
// A small HTTP/1.1 server (Beast underneath, kept out of this header): listeners on given
// addresses, keep-alive, a timeout before every read, bounded header and body sizes, and an
// optional TLS listener whose certificate can be replaced while running (rotation).
//
// The handler is a plain function from a Request to a Response; it never sees a socket, so the
// logic behind it is unit-tested without one. Malformed input never reaches the handler: the
// server answers 400 (bad syntax), 431 (header too large) or 413 (body too large) and closes.

#include "http/server_types.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::http {

using Handler = std::function<Response(const Request&)>;

struct TlsPem {
  std::string certificate_chain;   // PEM, leaf first
  std::string private_key;         // PEM
};

struct ServerOptions {
  // "127.0.0.1:8900", "[::1]:8900", "0.0.0.0:8901", ":9443" (all IPv4 interfaces),
  // "localhost:0". Port 0 binds an ephemeral port; ports() reports it.
  std::vector<std::string> listen;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  // Before every read (the first request line of a new keep-alive request included).
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  int threads = 1;
  // Open connections at most; one more is accepted and closed at once (counted in
  // ServerStats::connections_refused), so a flood of idle clients cannot exhaust descriptors.
  std::size_t max_connections = 1024;
  // After accept fails for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), the
  // listener waits this long before the next accept instead of retrying in a busy loop.
  std::chrono::milliseconds accept_backoff{100};
  // Set: every listener speaks TLS with this certificate (replace it with set_certificate).
  std::optional<TlsPem> tls;
};

// Counters for what the server refused or failed to accept (tests and metrics read them).
struct ServerStats {
  std::size_t open_connections = 0;
  std::uint64_t connections_refused = 0;   // over max_connections
  std::uint64_t accept_failures = 0;       // accept failed for lack of descriptors or memory
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();   // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener and starts the threads. The error names the address that failed.
  boost::system::result<void, std::string> start();
  // Closes the listeners and every open connection, joins the threads. Idempotent.
  void stop();

  // Bound ports, in the order of options.listen (valid after start()).
  std::vector<std::uint16_t> ports() const;

  ServerStats stats() const;

  // Replaces the TLS certificate for connections accepted from now on. Error: the PEM does not
  // parse or the key does not match (the old certificate stays).
  boost::system::result<void, std::string> set_certificate(const TlsPem& pem);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Splits "host:port" / "[v6]:port" / ":port"; false if it is not of that shape.
bool split_host_port(std::string_view address, std::string& host, std::uint16_t& port);

}  // namespace dragops::http
