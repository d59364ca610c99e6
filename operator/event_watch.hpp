#pragma once
// A watch that keeps no cache: it only turns changes into callbacks. Used for the core Secrets
// that Connections reference and for the store objects, whose content the reconciler reads
// fresh (GET) when it needs it, so the operator's memory does not grow with every Secret in the
// cluster. Starts from a one-item list's resourceVersion; after 410 Gone it lists again and
// calls on_resync (the caller re-enqueues everything that might have missed an event).

#include "kube/api.hpp"

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace dragops::op {

class EventWatch {
 public:
  struct Options {
    kube::Gvr gvr;
    std::string ns;
    std::string label_selector;
    std::string field_selector;
    // Set: every (re)list pages through all objects (500 at a time, none kept) and hands each
    // to it, after a call with nullptr that means "a new list starts".
    std::function<void(const boost::json::object*)> on_listed;
  };
  using OnEvent = std::function<void(const kube::WatchEvent&)>;

  EventWatch(kube::Api& api, Options options, OnEvent on_event, std::function<void()> on_resync);
  ~EventWatch();

  void start();
  void stop();
  bool synced() const { return synced_.load(); }
  // True from the start of a (re)list until it has handed over every object; set before
  // on_listed(nullptr) is called.
  bool listing() const { return listing_.load(); }

 private:
  void run(std::stop_token stop);

  kube::Api& api_;
  Options options_;
  OnEvent on_event_;
  std::function<void()> on_resync_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> listing_{false};
  std::jthread thread_;
};

}  // namespace dragops::op
