// Nanoseconds per ApiHandler call for /v1/connections/vt/token with a 1 KiB key: the handler
// alone (Host and token checks, lookup, HKDF + AES-GCM open, body, wipe), with a counting
// observer, and with the real metrics + audit line (stderr, redirect it). Usage: SECONDS
#include "api_handler.hpp"
#include "metrics.hpp"

#include "crypto/base64.hpp"
#include "crypto/envelope.hpp"
#include "store/store_object.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace dragops;
using namespace dragops::sidecar;

namespace {

struct Counting : ApiObserver {
  long requests = 0;
  void on_request(const AuditRecord&) override { ++requests; }
  void on_decrypt(double) override {}
};

double ns_per_call(const ApiHandler& handler, const http::Request& request, double seconds) {
  long calls = 0;
  auto start = std::chrono::steady_clock::now();
  auto until = start + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    for (int i = 0; i < 1000; ++i) {
      auto response = handler(request);
      if (response.status != 200) std::abort();
    }
    calls += 1000;
  }
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / calls;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  Config config;
  config.pod_namespace = "bench";
  config.pod_name = "bench";
  config.connections = {"vt"};
  StoreCache cache;
  cache.track(Kind::connection, "vt");
  auto keyring = std::make_shared<crypto::Keyring>(crypto::Keyring::generate());
  cache.set_keyring(keyring);
  // As the operator writes it: the value and the sealed manifest (opened on every request too).
  store::Store sealed;
  sealed.owner = {store::Kind::connection, "bench", "vt", "uid"};
  sealed.key_version = keyring->primary();
  sealed.pack = "virustotal";
  sealed.auth_type = "apiKey";
  sealed.token_field = "api_key";
  sealed.serial = 1;
  store::Plaintexts values;
  values.emplace("api_key", crypto::SecretBytes::from_string(std::string(1024, 'k')));
  sealed.envelopes = store::seal_items(*keyring, sealed.owner, values);
  cache.set_present(Kind::connection, "vt", store::build_store_object(sealed, *keyring), Clock::now());
  const std::string token(64, 't');
  http::Request request;
  request.method = "GET";
  request.target = "/v1/connections/vt/token";
  request.headers = {{"host", "127.0.0.1:8900"}, {"authorization", "Bearer " + token}, {"user-agent", "wrk"}};

  Counting counting;
  ApiHandler bare(config, cache, crypto::SecretBytes::from_string(token), [] { return Clock::now(); }, counting);
  SidecarMetrics metrics;
  ApiHandler audited(config, cache, crypto::SecretBytes::from_string(token), [] { return Clock::now(); }, metrics);
  std::printf("handler %.0f\n", ns_per_call(bare, request, seconds));
  std::printf("handler_audited %.0f\n", ns_per_call(audited, request, seconds));
  return 0;
}
