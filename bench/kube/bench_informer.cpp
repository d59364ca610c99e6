// An informer's cold start: N ConfigMaps in the local API server, then the time from start()
// to has_synced() (paginated list + cache fill), next to a plain paginated list of the same
// objects measured in the same run, and the process's resident memory (/proc/self/status).
//   bench_informer [N]
#include "kube/http_api.hpp"
#include "kube/informer.hpp"
#include "support/api_server_process.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace {

using namespace dragops::kube;
using SteadyClock = std::chrono::steady_clock;

long status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

double seconds_since(SteadyClock::time_point t) { return std::chrono::duration<double>(SteadyClock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::stoi(argv[1]) : 10000;
  dragops::testing::ApiServerProcess server(dragops::testing::ApiServerOptions{{"--watch-history", "100000"}});
  server.start();
  auto config = load_kubeconfig(server.kubeconfig_path());
  auto api = std::move(*HttpApi::create(*config));
  const std::string ns = "bench";
  (void)api->create(gvr::namespaces(), "", boost::json::object{{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                             {"metadata", boost::json::object{{"name", ns}}}});

  const auto create_start = SteadyClock::now();
  std::atomic<int> next{0}, failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        boost::json::object object{
            {"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", boost::json::object{{"name", "cm-" + std::to_string(i)}, {"namespace", ns},
                                             {"labels", boost::json::object{{"app", "bench"}, {"shard", std::to_string(i % 16)}}}}},
            {"data", boost::json::object{{"endpoint", "https://example.invalid/" + std::to_string(i)}, {"mode", "standard"}}}};
        if (!api->create(gvr::config_maps(), ns, object)) ++failed;
      }
    });
  }
  for (auto& w : writers) w.join();
  const double create_s = seconds_since(create_start);
  std::printf("objects:                 %d ConfigMaps (%d create failures)\n", count, failed.load());
  std::printf("create rate:             %.0f objects/s (4 client threads)\n", count / create_s);

  // Reference: the same paginated list without a cache.
  const auto list_start = SteadyClock::now();
  std::size_t listed = 0;
  ListOptions options;
  options.limit = 500;
  for (;;) {
    auto page = api->list(gvr::config_maps(), ns, options);
    if (!page) {
      std::fprintf(stderr, "list failed: %s\n", page.error().message.c_str());
      return 1;
    }
    listed += page->at("items").as_array().size();
    const auto* next_token = page->at("metadata").as_object().if_contains("continue");
    if (!next_token || next_token->as_string().empty()) break;
    options.continue_token = std::string(next_token->as_string());
  }
  const double list_s = seconds_since(list_start);

  const long rss_before = status_kib("VmRSS");
  InformerOptions informer_options;
  informer_options.gvr = gvr::config_maps();
  informer_options.ns = ns;
  Informer informer(*api, informer_options);
  informer.add_index("shard", label_index("shard"));
  const auto sync_start = SteadyClock::now();
  informer.start();
  if (!informer.wait_for_sync(SteadyClock::now() + std::chrono::minutes(5))) {
    std::fprintf(stderr, "informer did not sync\n");
    return 1;
  }
  const double sync_s = seconds_since(sync_start);
  const long rss_after = status_kib("VmRSS");
  informer.stop();

  std::printf("plain paginated list:    %.3f s for %zu objects (reference)\n", list_s, listed);
  std::printf("informer cold start:     %.3f s to has_synced (%zu cached, 2 indexes)  ratio %.2fx the plain list\n",
              sync_s, informer.cache().size(), sync_s / list_s);
  std::printf("resident memory:         VmRSS %ld -> %ld KiB (+%ld KiB, %.1f KiB/object), VmHWM %ld KiB\n", rss_before,
              rss_after, rss_after - rss_before, static_cast<double>(rss_after - rss_before) / count,
              status_kib("VmHWM"));
  return informer.cache().size() == static_cast<std::size_t>(count) ? 0 : 1;
}
