// Load generator for bench/bench_operator.sh (KUBECONFIG selects the server):
//   bench_operator_load setup NAMESPACES                 namespaces ns-0..ns-N-1 and dragops-system
//   bench_operator_load secrets NAMESPACES PER THREADS   core Secrets; prints the raw create rate
//   bench_operator_load connections NAMESPACES PER THREADS  Connections (pack generic-api-key)
//   bench_operator_load sealed-connections NAMESPACES PER THREADS
//                                                        Connections with spec.sealedCredentials, sealed to
//                                                        the key in ConfigMap dragops-sealing-key (sealed
//                                                        before the clock starts)
//   bench_operator_load wait-ready TOTAL TIMEOUT_S [externalsecrets]
//                                                        watches Connections (or External Secrets
//                                                        Operator's ExternalSecrets) until TOTAL are
//                                                        Ready=True; prints the seconds it took
//   bench_operator_load floor NAMESPACES PER THREADS   for each Connection (the operator stopped): the API
//                                                        requests a first reconcile makes, without the
//                                                        operator (GET its credentials Secret, create a
//                                                        store-sized Secret, merge-patch its status,
//                                                        create an Event); prints Connections/s
//   bench_operator_load external-secrets NAMESPACES PER THREADS KEY PROPERTY
//                                                        for bench_eso.sh: ExternalSecrets that sync
//                                                        KEY's PROPERTY from the ClusterSecretStore
//                                                        "bench" into a Secret each
// Creates are spread over THREADS clients, each with its own keep-alive connection pool.

#include "kube/config.hpp"
#include "kube/http_api.hpp"
#include "crypto/base64.hpp"
#include "store/sealed_input.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace dragops;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

std::unique_ptr<kube::HttpApi> connect() {
  auto config = kube::load_kubeconfig_from_env();
  if (!config) throw std::runtime_error(config.error().message);
  auto api = kube::HttpApi::create(*config);
  if (!api) throw std::runtime_error(api.error().message);
  return std::move(*api);
}

// Runs step(api, i) -> ok for i in [0, total) on `threads` clients; returns items/s.
template <class Step>
double run_all(int total, int threads, Step step) {
  std::atomic<int> next{0}, failures{0};
  const auto start = Clock::now();
  std::vector<std::jthread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      auto api = connect();
      for (int i = next++; i < total; i = next++)
        if (!step(*api, i)) ++failures;
    });
  workers.clear();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failures) std::cerr << failures << " items failed\n";
  return total / seconds;
}

// Runs make(i) -> (gvr, ns, object) for i in [0, total) on `threads` clients; returns objects/s.
template <class Make>
double create_all(int total, int threads, Make make) {
  return run_all(total, threads, [&](kube::HttpApi& api, int i) {
    auto [gvr, ns, object] = make(i);
    auto created = api.create(gvr, ns, object);
    return created || created.error().already_exists();
  });
}

json::object ns_object(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}

const kube::Gvr kExternalSecrets{"external-secrets.io", "v1beta1", "externalsecrets"};

// The requests of a first reconcile, in the operator's order, for Connection i; the store and
// status are copies of what the operator wrote for Connection c0 in ns-0 (read once, untimed),
// renamed so each create and patch really writes.
double reconcile_floor(int namespaces, int per, int threads) {
  auto api = connect();
  auto store_template = api->get(kube::gvr::secrets(), "ns-0", "dragops-conn-c0");
  auto connection_template = api->get(kube::gvr::connections(), "ns-0", "c0");
  if (!store_template || !connection_template || !connection_template->contains("status"))
    throw std::runtime_error("floor: Connection ns-0/c0 has no store or status yet (run the operator first)");
  json::object store = *store_template;
  for (const auto* field : {"resourceVersion", "uid", "creationTimestamp", "managedFields", "ownerReferences"})
    store["metadata"].as_object().erase(field);
  const json::object status = connection_template->at("status").as_object();
  return run_all(namespaces * per, threads, [&](kube::HttpApi& client, int i) {
    const std::string ns = "ns-" + std::to_string(i % namespaces);
    const std::string name = "c" + std::to_string(i / namespaces);
    if (!client.get(kube::gvr::secrets(), ns, name + "-credentials")) return false;
    json::object object = store;
    object["metadata"].as_object()["name"] = "floor-" + name;
    object["metadata"].as_object()["namespace"] = ns;
    if (!client.create(kube::gvr::secrets(), ns, object)) return false;
    json::object next_status = status;
    for (auto& condition : next_status["conditions"].as_array())
      condition.as_object()["message"] = "floor " + std::to_string(i);
    if (!client.patch(kube::gvr::connections(), ns, name, kube::PatchType::merge,
                      json::serialize(json::object{{"status", next_status}}), "status"))
      return false;
    const std::string now = "2026-01-01T00:00:00Z";
    return client
        .create(kube::gvr::events(), ns,
                json::object{{"apiVersion", "v1"}, {"kind", "Event"},
                             {"metadata", {{"name", name + ".floor"}, {"namespace", ns}}},
                             {"involvedObject", {{"apiVersion", "dragops.io/v1alpha1"}, {"kind", "Connection"},
                                                 {"namespace", ns}, {"name", name}}},
                             {"reason", "Sealed"}, {"message", "Ready=True: floor"}, {"type", "Normal"},
                             {"source", {{"component", "dragops-operator"}}},
                             {"firstTimestamp", now}, {"lastTimestamp", now}, {"count", 1}})
        .has_value();
  });
}

int wait_ready(int total, int timeout_seconds, const kube::Gvr& gvr) {
  auto api = connect();
  std::set<std::string> ready;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(timeout_seconds);
  auto is_ready = [](const json::object& o) {
    const auto* status = o.if_contains("status");
    if (!status || !status->is_object()) return false;
    const auto* conditions = status->as_object().if_contains("conditions");
    if (!conditions || !conditions->is_array()) return false;
    for (const auto& c : conditions->as_array())
      if (c.as_object().at("type").as_string() == "Ready") return c.as_object().at("status").as_string() == "True";
    return false;
  };
  auto key = [](const json::object& o) {
    return std::string(o.at("metadata").at("namespace").as_string()) + "/" + std::string(o.at("metadata").at("name").as_string());
  };
  std::string rv;
  {
    kube::ListOptions options;
    auto list = api->list(gvr, "", options);
    if (!list) return 1;
    for (const auto& item : list->at("items").as_array())
      if (is_ready(item.as_object())) ready.insert(key(item.as_object()));
    rv = list->at("metadata").at("resourceVersion").as_string();
  }
  std::stop_source stop;
  while (static_cast<int>(ready.size()) < total && Clock::now() < deadline) {
    kube::WatchOptions options;
    options.resource_version = rv;
    options.timeout_seconds = 5;
    auto watched = api->watch(gvr, "", options, [&](kube::WatchEvent&& event) {
      if (event.type == "BOOKMARK") {
        rv = event.object.at("metadata").at("resourceVersion").as_string();
        return true;
      }
      if (event.type == "ERROR") return false;
      rv = event.object.at("metadata").at("resourceVersion").as_string();
      if (is_ready(event.object)) ready.insert(key(event.object));
      return static_cast<int>(ready.size()) < total && Clock::now() < deadline;
    }, stop.get_token());
    if (!watched && watched.error().gone()) {
      auto list = api->list(gvr, "", {});
      if (!list) return 1;
      for (const auto& item : list->at("items").as_array())
        if (is_ready(item.as_object())) ready.insert(key(item.as_object()));
      rv = list->at("metadata").at("resourceVersion").as_string();
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("ready %zu/%d after %.2f s\n", ready.size(), total, seconds);
  return static_cast<int>(ready.size()) == total ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 2 && args[0] == "setup") {
      auto api = connect();
      const int n = std::stoi(args[1]);
      api->create(kube::gvr::namespaces(), "", ns_object("dragops-system"));
      for (int i = 0; i < n; ++i) api->create(kube::gvr::namespaces(), "", ns_object("ns-" + std::to_string(i)));
      return 0;
    }
    if (args.size() == 4 && (args[0] == "secrets" || args[0] == "connections")) {
      const int namespaces = std::stoi(args[1]), per = std::stoi(args[2]), threads = std::stoi(args[3]);
      const bool secrets = args[0] == "secrets";
      const double rate = create_all(namespaces * per, threads, [&](int i) {
        const std::string ns = "ns-" + std::to_string(i % namespaces);
        const std::string name = "c" + std::to_string(i / namespaces);
        if (secrets)
          return std::tuple{kube::gvr::secrets(), ns,
                            json::object{{"apiVersion", "v1"}, {"kind", "Secret"},
                                         {"metadata", {{"name", name + "-credentials"}, {"namespace", ns}}},
                                         {"type", "Opaque"},
                                         {"data", {{"api_key", "YmVuY2gta2V5LXZhbHVl"}}}}};
        return std::tuple{kube::gvr::connections(), ns,
                          json::object{{"apiVersion", "dragops.io/v1alpha1"}, {"kind", "Connection"},
                                       {"metadata", {{"name", name}, {"namespace", ns}}},
                                       {"spec", {{"pack", "generic-api-key"}, {"credentialsRef", {{"name", name + "-credentials"}}}}}}};
      });
      std::printf("%s created: %d at %.0f/s\n", args[0].c_str(), namespaces * per, rate);
      return 0;
    }
    if (args.size() == 4 && args[0] == "sealed-connections") {
      const int namespaces = std::stoi(args[1]), per = std::stoi(args[2]), threads = std::stoi(args[3]);
      auto api = connect();
      auto config_map = api->get(kube::gvr::config_maps(), "dragops-system", "dragops-sealing-key");
      if (!config_map) throw std::runtime_error("no ConfigMap dragops-sealing-key");
      auto public_key = crypto::base64_decode(config_map->at("data").at("publicKey").as_string());
      if (!public_key) throw std::runtime_error("the ConfigMap's publicKey is not base64");
      const int total = namespaces * per;
      std::vector<std::string> sealed(total);
      const std::string value = "bench-key-value";
      for (int i = 0; i < total; ++i) {
        const store::SealedInputTarget target{"ns-" + std::to_string(i % namespaces), store::Kind::connection,
                                              "c" + std::to_string(i / namespaces), "api_key"};
        auto text = store::seal_input(*public_key, target, std::span(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
        if (!text) throw std::runtime_error("cannot seal");
        sealed[i] = std::move(*text);
      }
      const double rate = create_all(total, threads, [&](int i) {
        const std::string ns = "ns-" + std::to_string(i % namespaces);
        const std::string name = "c" + std::to_string(i / namespaces);
        return std::tuple{kube::gvr::connections(), ns,
                          json::object{{"apiVersion", "dragops.io/v1alpha1"}, {"kind", "Connection"},
                                       {"metadata", {{"name", name}, {"namespace", ns}}},
                                       {"spec", {{"pack", "generic-api-key"}, {"sealedCredentials", {{"api_key", sealed[i]}}}}}}};
      });
      std::printf("sealed connections created: %d at %.0f/s\n", total, rate);
      return 0;
    }
    if ((args.size() == 3 || args.size() == 4) && args[0] == "wait-ready") {
      return wait_ready(std::stoi(args[1]), std::stoi(args[2]),
                        args.size() == 4 && args[3] == "externalsecrets" ? kExternalSecrets : kube::gvr::connections());
    }
    if (args.size() == 4 && args[0] == "floor") {
      const int namespaces = std::stoi(args[1]), per = std::stoi(args[2]), threads = std::stoi(args[3]);
      std::printf("reconcile floor: %d at %.0f/s\n", namespaces * per, reconcile_floor(namespaces, per, threads));
      return 0;
    }
    if (args.size() == 6 && args[0] == "external-secrets") {
      const int namespaces = std::stoi(args[1]), per = std::stoi(args[2]), threads = std::stoi(args[3]);
      const std::string key = args[4], property = args[5];
      const double rate = create_all(namespaces * per, threads, [&](int i) {
        const std::string ns = "ns-" + std::to_string(i % namespaces);
        const std::string name = "c" + std::to_string(i / namespaces);
        return std::tuple{kExternalSecrets, ns,
                          json::object{{"apiVersion", "external-secrets.io/v1beta1"}, {"kind", "ExternalSecret"},
                                       {"metadata", {{"name", name}, {"namespace", ns}}},
                                       {"spec", {{"refreshInterval", "1h"},
                                                 {"secretStoreRef", {{"kind", "ClusterSecretStore"}, {"name", "bench"}}},
                                                 {"target", {{"name", name + "-synced"}}},
                                                 {"data", json::array{{{"secretKey", "api_key"},
                                                                       {"remoteRef", {{"key", key}, {"property", property}}}}}}}}}};
      });
      std::printf("external secrets created: %d at %.0f/s\n", namespaces * per, rate);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_operator_load: " << e.what() << "\n";
    return 2;
  }
  std::cerr << "usage: see bench/operator/bench_operator_load.cpp\n";
  return 2;
}
