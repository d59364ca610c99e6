#pragma once
// The sidecar's Prometheus metrics and audit log: it is the ApiObserver the handler reports to.
// prometheus-cpp's core registry and TextSerializer only (no civetweb), served by our own server.
//
//   dragops_sidecar_requests_total{route,code}   counter
//   dragops_sidecar_decrypt_seconds              histogram
//   dragops_sidecar_store_age_seconds            gauge: how long the oldest unconfirmed item has
//                                                gone without the API server (0 = all watches live)
//   dragops_sidecar_api_reachable                gauge: 1 while every watch is live
//   dragops_sidecar_keyring_reloads_total{result}  counter
//   dragops_sidecar_token_holds_total{result}    counter: OAuth token requests held for a due
//                                                refresh (RefreshGate); result replaced | kept
//   dragops_sidecar_token_hold_seconds           histogram: how long they waited

#include "api_handler.hpp"
#include "audit_log.hpp"
#include "store_cache.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace dragops::sidecar {

class SidecarMetrics final : public ApiObserver {
 public:
  SidecarMetrics();

  void on_request(const AuditRecord& record) override;
  void on_decrypt(double seconds) override;
  void on_token_held(double seconds, bool replaced) override;
  void on_keyring_reload(bool ok);
  // Writes the buffered audit lines now (main calls it once the API server has stopped; the
  // destructor does too).
  void flush_audit() { audit_.flush(); }

  // Refreshes the gauges from the cache, then renders the text exposition format.
  std::string render(const StoreCache& cache, Clock::time_point now);

  double requests(std::string_view route, int code);   // for tests
  double token_holds(bool replaced);                     // for tests

 private:
  prometheus::Counter& request_counter(std::string_view route, int code);

  std::shared_ptr<prometheus::Registry> registry_;
  std::mutex counters_mutex_;
  // Family::Add is costly per request; looked up by (route, code) without building a string.
  struct CounterKeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const int order = std::string_view(a.first).compare(std::string_view(b.first));
      return order < 0 || (order == 0 && a.second < b.second);
    }
  };
  std::map<std::pair<std::string, int>, prometheus::Counter*, CounterKeyLess> counters_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Histogram& decrypt_;
  prometheus::Gauge& store_age_;
  prometheus::Gauge& api_reachable_;
  prometheus::Family<prometheus::Counter>& keyring_reloads_;
  prometheus::Family<prometheus::Counter>& holds_;
  prometheus::Counter& holds_replaced_;
  prometheus::Counter& holds_kept_;
  prometheus::Histogram& hold_seconds_;
  AuditLog audit_;   // last: destroyed (and flushed) first
};

}  // namespace dragops::sidecar
