#include "metrics.hpp"

#include "common/log.hpp"

#include <boost/json/string_view.hpp>
#include <prometheus/text_serializer.h>

namespace dragops::sidecar {

namespace {

prometheus::Histogram::BucketBoundaries decrypt_buckets() {
  return {0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01};
}

prometheus::Histogram::BucketBoundaries hold_buckets() { return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5}; }


}  // namespace

SidecarMetrics::SidecarMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("dragops_sidecar_requests_total")
                    .Help("Credential API requests by route and HTTP status code.")
                    .Register(*registry_)),
      decrypt_(prometheus::BuildHistogram()
                   .Name("dragops_sidecar_decrypt_seconds")
                   .Help("Time to open the envelopes of one answer.")
                   .Register(*registry_)
                   .Add({}, decrypt_buckets())),
      store_age_(prometheus::BuildGauge()
                     .Name("dragops_sidecar_store_age_seconds")
                     .Help("Seconds since the oldest unconfirmed store object was last confirmed by the API server; 0 while every watch is live.")
                     .Register(*registry_)
                     .Add({})),
      api_reachable_(prometheus::BuildGauge()
                         .Name("dragops_sidecar_api_reachable")
                         .Help("1 while every store watch is live, 0 while the API server is unreachable.")
                         .Register(*registry_)
                         .Add({})),
      keyring_reloads_(prometheus::BuildCounter()
                           .Name("dragops_sidecar_keyring_reloads_total")
                           .Help("Key ring (re)loads from the key volume by result.")
                           .Register(*registry_)),
      holds_(prometheus::BuildCounter()
                 .Name("dragops_sidecar_token_holds_total")
                 .Help("OAuth token requests held until a due refresh landed; result replaced (served the new token) or kept (the old one, still valid).")
                 .Register(*registry_)),
      holds_replaced_(holds_.Add({{"result", "replaced"}})),
      holds_kept_(holds_.Add({{"result", "kept"}})),
      hold_seconds_(prometheus::BuildHistogram()
                        .Name("dragops_sidecar_token_hold_seconds")
                        .Help("How long OAuth token requests waited for a due refresh.")
                        .Register(*registry_)
                        .Add({}, hold_buckets())) {}

prometheus::Counter& SidecarMetrics::request_counter(std::string_view route, int code) {
  std::lock_guard lock(counters_mutex_);
  auto it = counters_.find(std::make_pair(route, code));
  if (it == counters_.end()) {
    auto key = std::make_pair(std::string(route), code);
    auto& counter = requests_.Add({{"route", key.first}, {"code", std::to_string(code)}});
    it = counters_.emplace(std::move(key), &counter).first;
  }
  return *it->second;
}

void SidecarMetrics::on_request(const AuditRecord& record) {
  request_counter(record.route, record.status).Increment();
  audit_.write(record);
}

void SidecarMetrics::on_decrypt(double seconds) { decrypt_.Observe(seconds); }

void SidecarMetrics::on_token_held(double seconds, bool replaced) {
  (replaced ? holds_replaced_ : holds_kept_).Increment();
  hold_seconds_.Observe(seconds);
}

double SidecarMetrics::token_holds(bool replaced) { return (replaced ? holds_replaced_ : holds_kept_).Value(); }

void SidecarMetrics::on_keyring_reload(bool ok) { keyring_reloads_.Add({{"result", ok ? "ok" : "error"}}).Increment(); }

std::string SidecarMetrics::render(const StoreCache& cache, Clock::time_point now) {
  store_age_.Set(cache.age_seconds(now));
  api_reachable_.Set(cache.all_confirmed() ? 1 : 0);
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

double SidecarMetrics::requests(std::string_view route, int code) { return request_counter(route, code).Value(); }

}  // namespace dragops::sidecar
