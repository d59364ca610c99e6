#pragma once
// The operator's Prometheus metrics (prefix dragops_), rendered in the text exposition format
// for /metrics. Counters and gauges are updated by the controller; tests read them back.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace dragops::op {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // kind: Connection | Secret | IntegrationPack; result: success | error | requeue | conflict
  void reconciled(std::string_view kind, std::string_view result, std::chrono::duration<double> took);
  void set_queue_depth(std::size_t depth);
  void set_sealed_objects(std::size_t count);
  void set_key_versions(const std::map<std::string, std::size_t>& per_namespace);
  void store_written();
  void event_emitted(std::string_view type);
  void set_sealing_keys(std::size_t count);
  void set_root_key_versions(std::size_t count);
  // result: opened | invalid (not a sealed value, or sealed for another place) | unknown_key
  void sealed_input_opened(std::string_view result);

  double reconcile_count(std::string_view kind, std::string_view result) const;
  double store_writes() const;
  double sealed_inputs(std::string_view result) const;

  // Text exposition format (version 0.0.4).
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* reconciles_;
  prometheus::Family<prometheus::Histogram>* durations_;
  prometheus::Family<prometheus::Gauge>* key_versions_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Family<prometheus::Counter>* sealed_inputs_;
  prometheus::Gauge* sealing_keys_;
  prometheus::Gauge* root_key_versions_;
  prometheus::Gauge* queue_depth_;
  prometheus::Gauge* sealed_objects_;
  prometheus::Counter* store_writes_;
};

}  // namespace dragops::op
