#pragma once
// Where reconcile events go. The binary adapts kube::EventRecorder; tests collect them.

#include "operator/decision.hpp"

#include <boost/json/object.hpp>

namespace dragops::op {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // involved: the custom resource the event is about.
  virtual void emit(const boost::json::object& involved, const EventSpec& event) = 0;
};

}  // namespace dragops::op
