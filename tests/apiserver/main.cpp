// dragops-apiserver: the local, in-memory Kubernetes API server used by the tests and the demo.
//
//   dragops-apiserver --dir DIR [--listen 127.0.0.1:0] [--token TOKEN] [--watch-history N]
//                     [--state FILE] [--bookmark-interval SECONDS] [--service-cluster-ip-range CIDR]
//
// Writes DIR/ca.crt, DIR/token, DIR/sa.key (the ServiceAccount token signing key), DIR/kubeconfig
// and DIR/port, then prints
// `READY https://127.0.0.1:<port>` on stdout. SIGTERM/SIGINT save --state (if given) and exit 0.
// Services get ClusterIPs from --service-cluster-ip-range, by default a random loopback range
// 127.R.0.0/16 (kept in --state), so that a webhook Service's ClusterIP is dialable here.
#include "apiserver/authn.hpp"
#include "apiserver/handler.hpp"
#include "apiserver/server.hpp"
#include "apiserver/service_ips.hpp"
#include "apiserver/store.hpp"
#include "apiserver/tls_files.hpp"
#include "apiserver/webhook.hpp"
#include "common/log.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

namespace {

using dragops::apiserver::Ipv4Range;
using dragops::apiserver::parse_service_range;

struct Flags {
  std::string dir;
  std::string listen = "127.0.0.1:0";
  std::string token;
  std::size_t watch_history = 10000;
  std::string state;
  int bookmark_interval = 5;
  std::optional<Ipv4Range> service_range;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "dragops-apiserver: " << why << "\n"
            << "usage: dragops-apiserver --dir DIR [--listen 127.0.0.1:0] [--token TOKEN] [--watch-history N] "
               "[--state FILE] [--bookmark-interval SECONDS] [--service-cluster-ip-range CIDR]\n";
  std::exit(2);
}

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--dir") f.dir = value();
    else if (arg == "--listen") f.listen = value();
    else if (arg == "--token") f.token = value();
    else if (arg == "--watch-history") f.watch_history = std::stoul(value());
    else if (arg == "--state") f.state = value();
    else if (arg == "--bookmark-interval") f.bookmark_interval = std::stoi(value());
    else if (arg == "--service-cluster-ip-range") {
      std::string cidr = value();
      f.service_range = parse_service_range(cidr);
      if (!f.service_range) usage("--service-cluster-ip-range must be an IPv4 CIDR from /12 to /30, not " + cidr);
    }
    else usage("unknown flag " + arg);
  }
  if (f.dir.empty()) usage("--dir is required");
  if (f.watch_history == 0) usage("--watch-history must be positive");
  if (f.bookmark_interval <= 0) usage("--bookmark-interval must be positive");
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dragops::apiserver;
  namespace log = dragops::log;
  log::set_component("apiserver");
  try {
    Flags flags = parse(argc, argv);
    std::filesystem::create_directories(flags.dir);
    auto colon = flags.listen.rfind(':');
    if (colon == std::string::npos) usage("--listen must be HOST:PORT");
    std::string host = flags.listen.substr(0, colon);
    auto port = static_cast<unsigned short>(std::stoul(flags.listen.substr(colon + 1)));

    Registry registry;
    Store store(registry, flags.watch_history, [] { return std::chrono::system_clock::now(); });
    if (!flags.state.empty() && std::filesystem::exists(flags.state)) {
      auto state = boost::json::parse(read_file(flags.state));
      if (!state.is_object()) throw std::runtime_error("state file is not a JSON object");
      if (auto r = store.restore(state.get_object()); !r) throw std::runtime_error(r.error().message);
      log::info("state loaded", {{"objects", boost::json::value(store.object_count())}, {"resourceVersion", boost::json::value(store.resource_version())}});
    } else {
      // The namespaces every cluster starts with.
      const auto* namespaces = registry.find("", "v1", "namespaces");
      for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
        boost::json::object ns{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", boost::json::object{{"name", name}}}};
        (void)store.create(*namespaces, "", std::move(ns), WriteOptions{});
      }
    }
    // The flag wins over the range a --state file was saved with.
    if (flags.service_range) store.set_service_ip_range(*flags.service_range);
    WebhookAdmission admission(store);
    store.set_admission(&admission);

    auto credentials = ensure_credentials(flags.dir);
    std::string token = ensure_token(flags.dir, flags.token);
    HandlerOptions handler_options;
    handler_options.token = token;
    handler_options.signing_key = ensure_signing_key(flags.dir);
    handler_options.server_address = host + ":" + std::to_string(port);
    Handler handler(store, registry, handler_options);

    ServerOptions server_options;
    server_options.host = host;
    server_options.port = port;
    server_options.credentials = credentials;
    server_options.bookmark_interval_seconds = flags.bookmark_interval;
    Server server(handler, store, server_options);
    admission.serve_while_waiting(&server.io_context());
    std::string url = "https://" + host + ":" + std::to_string(server.port());
    write_kubeconfig(flags.dir, url, credentials.ca_pem, token);
    write_file_atomically(std::filesystem::path(flags.dir) / "port", std::to_string(server.port()) + "\n", false);
    log::info("serving", {{"url", boost::json::value(url)},
                          {"serviceClusterIPRange", boost::json::value(store.service_ips().range().text())}});
    std::cout << "READY " << url << std::endl;

    server.run([&] {
      if (flags.state.empty()) return;
      write_file_atomically(flags.state, boost::json::serialize(store.snapshot()), true);
      log::info("state saved", {{"objects", boost::json::value(store.object_count())}, {"resourceVersion", boost::json::value(store.resource_version())}});
    });
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "dragops-apiserver: " << e.what() << "\n";
    return 1;
  }
}
