// dragops-operator: wires flags to the controller, the key manager, the endpoints, the webhook
// and leader election, then runs until SIGTERM (finishing reconciles in flight).

#include "common/log.hpp"
#include "crypto/core_dumps.hpp"
#include "http/server.hpp"
#include "kube/config.hpp"
#include "kube/http_api.hpp"
#include "operator/controller.hpp"
#include "operator/endpoints.hpp"
#include "operator/event_sink.hpp"
#include "operator/keys.hpp"
#include "operator/leadership.hpp"
#include "operator/metrics.hpp"
#include "operator/oauth_wiring.hpp"
#include "operator/options.hpp"
#include "operator/root_key_wiring.hpp"
#include "operator/sealing/endpoint.hpp"
#include "operator/sealing/sealing_key_manager.hpp"
#include "operator/webhook_wiring.hpp"

#include "store/keyring_objects.hpp"
#include "store/names.hpp"

#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

using namespace dragops;
namespace json = boost::json;

namespace {

// Blocks SIGTERM/SIGINT in every thread; one thread waits for them and requests stop.
std::jthread watch_signals(std::stop_source* stop) {
  return std::jthread([stop] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int signal = 0;
    sigwait(&set, &signal);
    log::info("signal received, shutting down", {{"signal", signal}});
    stop->request_stop();
  });
}

std::unique_ptr<http::Server> serve(const std::string& address, http::Handler handler, const char* what) {
  if (address.empty()) return nullptr;
  http::ServerOptions server_options;
  server_options.listen = {address};
  auto server = std::make_unique<http::Server>(std::move(server_options), std::move(handler));
  if (auto started = server->start(); !started) throw std::runtime_error(std::string(what) + ": " + started.error());
  log::info("listening", {{"endpoint", what}, {"addr", json::value(address)}, {"port", server->ports().at(0)}});
  return server;
}

int run(const op::Options& options) {
  auto config = options.kubeconfig.empty() ? kube::default_config() : kube::load_kubeconfig(options.kubeconfig);
  if (!config) throw std::runtime_error("kubernetes config: " + config.error().message);
  auto api_result = kube::HttpApi::create(*config);
  if (!api_result) throw std::runtime_error("kubernetes client: " + api_result.error().message);
  auto& api = **api_result;

  const op::WallClock wall = [] { return std::chrono::system_clock::now(); };
  op::Metrics metrics;
  op::KeyManager keys(api,
                      {options.namespace_, std::chrono::duration_cast<std::chrono::seconds>(options.key_rotation_interval),
                       std::chrono::duration_cast<std::chrono::seconds>(options.key_propagation_delay), std::chrono::seconds(2),
                       op::pkcs11_wrapper_source(options, [](const char* n) { return std::getenv(n); })},
                      wall);
  kube::EventRecorderOptions recorder_options;
  recorder_options.component = "dragops-operator";
  recorder_options.host = options.identity;
  kube::EventRecorder recorder(api, recorder_options);
  op::RecorderEventSink events(recorder);
  op::sealing::SealingKeyManager sealing_keys(
      api, keys,
      {options.namespace_, std::chrono::duration_cast<std::chrono::seconds>(options.sealing_key_retire_after)}, wall);
  auto oauth_flow = op::start_oauth(options, api, keys, events, wall);
  op::Controller controller(api, keys, events, metrics,
                            {options.watch_namespaces, options.workers, std::chrono::milliseconds(1000),
                             oauth_flow ? oauth_flow->authorizer.get() : nullptr,
                             oauth_flow ? oauth_flow->revoker.get() : nullptr,
                             oauth_flow ? oauth_flow->refresher.get() : nullptr, &sealing_keys, options.namespace_,
                             {options.allow_insecure_loopback_endpoints},
                             inject::parse_use_scope(options.use_scope) == inject::UseScope::service_account
                                 ? inject::api_use_check(api)
                                 : inject::UseCheck{},
                             options.use_recheck_interval},
                            wall);

  std::stop_source stop;
  auto signals = watch_signals(&stop);

  // /metrics and the public sealing key (GET /v1/sealing-key) share the plain HTTP listener.
  const op::sealing::PublishedKeyProvider published = [&] { return sealing_keys.published(); };
  auto metrics_server = serve(
      options.metrics_addr,
      [&](const http::Request& r) {
        return op::sealing::is_sealing_key_request(r) ? op::sealing::handle_sealing_key(published, r)
                                                      : op::handle_metrics(metrics, r);
      },
      "metrics");
  auto webhook = op::start_webhook(options, api, *config);

  // Ready when the caches are synced and (if enabled) the webhook serves: a standby is ready too,
  // so that it takes webhook traffic and can take over at once.
  // A leader whose root key does not load (PKCS#11 module, token, PIN, key) is not ready.
  op::HealthProbes probes{[] { return true; }, [&] {
                            return controller.synced() && (!webhook || webhook->ready()) &&
                                   keys.root_key_problem().empty();
                          }};
  auto health_server = serve(options.health_addr, [&](const http::Request& r) { return op::handle_health(probes, r); },
                             "health");

  controller.start_informers();
  auto lead = [&](std::stop_token leading) {
    // The root key and then the sealing key are created by the leader only, and retried until
    // they are there.
    // A root key that does not load is said in the log, in a Warning Event on its Secret and by
    // /readyz; nothing falls back to a plain key. Retried with back-off up to 30 s.
    for (auto delay = std::chrono::seconds(1); !leading.stop_requested(); delay = std::min(delay * 2, std::chrono::seconds(30))) {
      auto loaded = keys.ensure_root_key();
      if (loaded) break;
      log::error("root key unavailable; retrying", {{"reason", json::value(loaded.error().reason)},
                                                    {"error", json::value(loaded.error().message)},
                                                    {"retryIn", delay.count()}});
      kube::ObjectReference root_ref{"v1", "Secret", options.namespace_, std::string(store::kRootKeyName), "", "", ""};
      if (auto secret = api.get(kube::gvr::secrets(), options.namespace_, store::kRootKeyName)) {
        root_ref = kube::ObjectReference::of(*secret);
        store::wipe_data(*secret);
      }
      recorder.record(root_ref, kube::EventType::warning, "RootKeyUnavailable", loaded.error().message);
      std::mutex mutex;
      std::condition_variable_any cv;
      std::unique_lock lock(mutex);
      cv.wait_for(lock, leading, delay, [] { return false; });
    }
    while (!leading.stop_requested()) {
      if (auto loaded = sealing_keys.ensure()) break;
      else log::error("sealing key unavailable; retrying", {{"reason", json::value(loaded.error())}});
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    controller.wait_for_sync(std::chrono::steady_clock::now() + std::chrono::seconds(60));
    log::info("reconciling", {{"workers", options.workers}});
    controller.run(leading);
    log::info("reconcilers drained");
  };

  int code = 0;
  if (options.leader_elect) {
    code = op::run_with_leadership(api, options, stop.get_token(), lead);
  } else {
    lead(stop.get_token());
  }
  controller.stop_informers();
  recorder.flush(std::chrono::seconds(2));
  if (!stop.stop_requested()) {   // release the signal thread
    stop.request_stop();
    pthread_kill(signals.native_handle(), SIGTERM);
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  log::set_component("operator");
  // Before any key or plaintext is in memory: a crash must not write them to disk.
  if (const int err = crypto::forbid_core_dumps()) {
    log::error("cannot disable core dumps", {{"error", std::strerror(err)}});
    return 1;
  }
  auto options = op::parse_options(std::vector<std::string>(argv + 1, argv + argc), [](const char* n) { return std::getenv(n); });
  if (!options) {
    if (options.error() == "help") {
      std::cout << op::usage();
      return 0;
    }
    std::cerr << "dragops-operator: " << options.error() << "\n\n" << op::usage();
    return 2;
  }
  log::Level level;
  if (!log::parse_level(options->log_level, level)) {
    std::cerr << "dragops-operator: --log-level must be debug, info, warn or error\n";
    return 2;
  }
  log::set_level(level);
  try {
    return run(*options);
  } catch (const std::exception& e) {
    log::error("fatal", {{"error", json::value(e.what())}});
    return 1;
  }
}
