// dragops-sidecar: wires the environment (docs/sidecar.md) to the key ring file, the store
// watchers and the two servers, then waits for SIGTERM.
#include "api_handler.hpp"
#include "config.hpp"
#include "health_handler.hpp"
#include "keyring_file.hpp"
#include "metrics.hpp"
#include "resident_pages.hpp"
#include "store_watcher.hpp"
#include "token_file.hpp"

#include "common/log.hpp"
#include "crypto/core_dumps.hpp"
#include "http/server.hpp"
#include "kube/http_api.hpp"

#include <boost/json/string_view.hpp>

#include <csignal>
#include <ctime>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace dragops;
using namespace dragops::sidecar;

namespace {

int fail(std::string_view message) {
  log::error(message);
  return 1;
}

}  // namespace

int main() {
  log::set_component("sidecar");
  // Before any key or plaintext is in memory: a crash must not write them to disk.
  if (const int err = crypto::forbid_core_dumps()) return fail("cannot disable core dumps: " + std::string(std::strerror(err)));
  auto config = config_from_env([](const char* name) { return std::getenv(name); });
  if (!config) return fail("invalid configuration: " + config.error());
  if (log::Level level; log::parse_level(config->log_level, level)) log::set_level(level);

  // Signals are taken by sigwait below; every thread started from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto kube_config = kube::default_config();
  if (!kube_config) return fail("cannot find the Kubernetes API: " + kube_config.error().message);
  kube::HttpApiOptions api_options;
  api_options.watch_idle_timeout = std::chrono::seconds(90);
  auto api = kube::HttpApi::create(*kube_config, api_options);
  if (!api) return fail("cannot set up the Kubernetes client: " + api.error().message);

  StoreCache cache;
  for (const auto& name : config->connections) cache.track(Kind::connection, name);
  for (const auto& name : config->secrets) cache.track(Kind::secret, name);

  SidecarMetrics metrics;
  KeyringFile keyring(std::filesystem::path(config->key_dir) / "keyring", cache,
                      [&metrics](bool ok) { metrics.on_keyring_reload(ok); });
  keyring.poll();
  keyring.start(std::chrono::milliseconds(500));

  crypto::SecretBytes token = generate_token();
  if (auto written = write_token_file(config->token_file, token); !written) return fail(written.error());

  // Per oauth2 connection a gate that holds a request for a token the operator is late to
  // refresh until the watch delivers the new one (at most 2 s per token set). The operator is
  // the only refresher: the sidecar talks to no provider and writes nothing.
  RefreshGates gates;
  for (const auto& name : config->connections) gates.emplace(name, std::make_shared<RefreshGate>());
  cache.set_listener([&gates](Kind kind, const std::string& name) {
    if (auto it = gates.find(name); kind == Kind::connection && it != gates.end()) it->second->store_changed();
  });

  auto now = [] { return Clock::now(); };
  ApiHandler api_handler(*config, cache, std::move(token), now, metrics, gates);
  http::ServerOptions api_server_options;
  api_server_options.listen = config->listen;
  api_server_options.max_body_bytes = 64 * 1024;
  auto api_server = std::make_unique<http::Server>(api_server_options, [&api_handler](const http::Request& r) { return api_handler(r); });

  HealthHandler health_handler(cache, metrics, now);
  http::ServerOptions health_options;
  health_options.listen = config->health_listen;
  health_options.max_body_bytes = 1024;
  http::Server health_server(health_options, [&health_handler](const http::Request& r) { return health_handler(r); });

  if (auto started = api_server->start(); !started) {
    // Pods where IPv6 is disabled have no ::1: serve IPv4 loopback alone rather than not at all.
    std::vector<std::string> v4;
    for (const auto& address : config->listen) {
      if (address.empty() || address.front() != '[') v4.push_back(address);
    }
    if (v4.empty() || v4.size() == config->listen.size()) return fail(started.error());
    log::warn("cannot listen on every API address; serving IPv4 loopback only",
              {{"reason", boost::json::string_view(started.error())}});
    api_server_options.listen = v4;
    api_server = std::make_unique<http::Server>(api_server_options, [&api_handler](const http::Request& r) { return api_handler(r); });
    if (auto again = api_server->start(); !again) return fail(again.error());
  }
  if (auto started = health_server.start(); !started) return fail(started.error());

  std::vector<std::unique_ptr<StoreWatcher>> watchers;
  for (const auto& name : config->connections) {
    watchers.push_back(std::make_unique<StoreWatcher>(**api, cache, config->pod_namespace, Kind::connection, name));
  }
  for (const auto& name : config->secrets) {
    watchers.push_back(std::make_unique<StoreWatcher>(**api, cache, config->pod_namespace, Kind::secret, name));
  }
  for (auto& watcher : watchers) watcher->start();

  auto ports = api_server->ports();
  auto health_ports = health_server.ports();
  log::info("serving", {{"namespace", boost::json::string_view(config->pod_namespace)},
                        {"pod", boost::json::string_view(config->pod_name)},
                        {"api_port", ports.empty() ? 0 : ports.front()},
                        {"health_port", health_ports.empty() ? 0 : health_ports.front()},
                        {"connections", static_cast<std::int64_t>(config->connections.size())},
                        {"secrets", static_cast<std::int64_t>(config->secrets.size())}});

  // Once ready, the code pages start-up mapped and requests do not use are let go
  // (resident_pages.hpp); then wait for SIGTERM or SIGINT.
  int signal = 0;
  bool released = false;
  const timespec tick{0, 100'000'000};
  while ((signal = sigtimedwait(&signals, nullptr, &tick)) <= 0) {
    if (!released && cache.ready() && cache.keyring()) {
      released = true;
      log::debug("released start-up pages", {{"kib", static_cast<std::int64_t>(release_clean_file_pages())}});
    }
  }
  log::info("stopping", {{"signal", signal}});
  api_server->stop();
  metrics.flush_audit();   // every request answered has its audit line out before we exit
  health_server.stop();
  for (auto& watcher : watchers) watcher->stop();
  keyring.stop();
  return 0;
}
