#pragma once
// Reconcile events as core/v1 Events about the custom resource (what kubectl describe shows),
// through kube::EventRecorder: non-blocking, repeats counted on one Event, spam-limited.

#include "kube/event_recorder.hpp"
#include "operator/events.hpp"

namespace dragops::op {

class RecorderEventSink final : public EventSink {
 public:
  explicit RecorderEventSink(kube::EventRecorder& recorder) : recorder_(recorder) {}
  void emit(const boost::json::object& involved, const EventSpec& event) override {
    recorder_.record(involved, event.type == "Warning" ? kube::EventType::warning : kube::EventType::normal, event.reason,
                     event.message);
  }

 private:
  kube::EventRecorder& recorder_;
};

}  // namespace dragops::op
