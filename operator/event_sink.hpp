#pragma once
// Writes reconcile events as core/v1 Events about the custom resource (what kubectl describe
// shows). Failures are logged and counted by the caller's metrics, never fatal to a reconcile.

#include "kube/api.hpp"
#include "operator/events.hpp"
#include "operator/keys.hpp"

#include <atomic>
#include <string>

namespace dragops::op {

class ApiEventSink final : public EventSink {
 public:
  ApiEventSink(kube::Api& api, std::string component, WallClock clock)
      : api_(api), component_(std::move(component)), clock_(std::move(clock)) {}
  void emit(const boost::json::object& involved, const EventSpec& event) override;

 private:
  kube::Api& api_;
  std::string component_;
  WallClock clock_;
  std::atomic<std::uint64_t> sequence_{0};
};

// The Event object (exposed for tests).
boost::json::object build_event(const boost::json::object& involved, const EventSpec& event, std::string_view component,
                                std::string_view now, std::uint64_t sequence);

}  // namespace dragops::op
