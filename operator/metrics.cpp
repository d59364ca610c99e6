#include "operator/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace dragops::op {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  reconciles_ = &prometheus::BuildCounter()
                     .Name("dragops_reconcile_total")
                     .Help("Reconcile passes by resource kind and result.")
                     .Register(*registry_);
  durations_ = &prometheus::BuildHistogram()
                    .Name("dragops_reconcile_duration_seconds")
                    .Help("Duration of a reconcile pass, by resource kind.")
                    .Register(*registry_);
  key_versions_ = &prometheus::BuildGauge()
                       .Name("dragops_key_versions")
                       .Help("Data key versions held in each namespace's key ring.")
                       .Register(*registry_);
  events_ = &prometheus::BuildCounter()
                 .Name("dragops_events_total")
                 .Help("Kubernetes Events emitted, by type.")
                 .Register(*registry_);
  sealed_inputs_ = &prometheus::BuildCounter()
                        .Name("dragops_sealed_inputs_total")
                        .Help("Sealed input values (spec.sealedCredentials, sealedValue) opened, by result.")
                        .Register(*registry_);
  sealing_keys_ = &prometheus::BuildGauge()
                       .Name("dragops_sealing_keys")
                       .Help("Cluster sealing keys held (1 outside a rotation).")
                       .Register(*registry_)
                       .Add({});
  root_key_versions_ = &prometheus::BuildGauge()
                            .Name("dragops_root_key_versions")
                            .Help("Versions in the root key ring (1 outside a root key rotation).")
                            .Register(*registry_)
                            .Add({});
  queue_depth_ = &prometheus::BuildGauge()
                      .Name("dragops_workqueue_depth")
                      .Help("Keys waiting in the work queue.")
                      .Register(*registry_)
                      .Add({});
  sealed_objects_ = &prometheus::BuildGauge()
                         .Name("dragops_sealed_objects")
                         .Help("Store objects (sealed Secrets) managed by the operator.")
                         .Register(*registry_)
                         .Add({});
  store_writes_ = &prometheus::BuildCounter()
                       .Name("dragops_store_writes_total")
                       .Help("Writes of store objects (create or update).")
                       .Register(*registry_)
                       .Add({});
}

Metrics::~Metrics() = default;

void Metrics::reconciled(std::string_view kind, std::string_view result, std::chrono::duration<double> took) {
  reconciles_->Add({{"kind", std::string(kind)}, {"result", std::string(result)}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                                0.1,   0.25,   0.5,   1,    2.5,   5};
  durations_->Add({{"kind", std::string(kind)}}, kBuckets).Observe(took.count());
}

void Metrics::set_queue_depth(std::size_t depth) { queue_depth_->Set(static_cast<double>(depth)); }
void Metrics::set_sealed_objects(std::size_t count) { sealed_objects_->Set(static_cast<double>(count)); }

void Metrics::set_key_versions(const std::map<std::string, std::size_t>& per_namespace) {
  for (const auto& [ns, count] : per_namespace) key_versions_->Add({{"namespace", ns}}).Set(static_cast<double>(count));
}

void Metrics::store_written() { store_writes_->Increment(); }
void Metrics::event_emitted(std::string_view type) { events_->Add({{"type", std::string(type)}}).Increment(); }
void Metrics::set_sealing_keys(std::size_t count) { sealing_keys_->Set(static_cast<double>(count)); }
void Metrics::set_root_key_versions(std::size_t count) { root_key_versions_->Set(static_cast<double>(count)); }
void Metrics::sealed_input_opened(std::string_view result) {
  sealed_inputs_->Add({{"result", std::string(result)}}).Increment();
}

double Metrics::reconcile_count(std::string_view kind, std::string_view result) const {
  return reconciles_->Add({{"kind", std::string(kind)}, {"result", std::string(result)}}).Value();
}
double Metrics::store_writes() const { return store_writes_->Value(); }
double Metrics::sealed_inputs(std::string_view result) const {
  return sealed_inputs_->Add({{"result", std::string(result)}}).Value();
}

std::string Metrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace dragops::op
