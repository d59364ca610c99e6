#pragma once
// The HTTPS front of the local API server: Beast sessions over TLS on one io_context thread,
// keep-alive, request body limits, and chunked watch streams with bookmarks and timeouts.
// Beast and Asio stay inside server.cpp.

#include "apiserver/handler.hpp"
#include "apiserver/tls_files.hpp"

#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace dragops::apiserver {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  ServingCredentials credentials;
  int bookmark_interval_seconds = 5;
  int default_watch_timeout_seconds = 1800;
  std::size_t max_body_bytes = 3 * 1024 * 1024;
};

class Server {
 public:
  Server(Handler& handler, Store& store, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  // The one io_context every request runs on (webhook calls wait on it: webhook.hpp).
  boost::asio::io_context& io_context();
  // Runs until SIGTERM/SIGINT; `on_signal` runs first (the state is saved there).
  void run(const std::function<void()>& on_signal);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dragops::apiserver
