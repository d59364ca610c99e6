#pragma once
// Wraps an Api so a test can cut the current watch and hold new ones back, as a network
// partition would, while the server keeps changing.

#include "kube/api.hpp"

#include <condition_variable>
#include <mutex>

namespace dragops::kube::testing {

class GatedApi : public Api {
 public:
  explicit GatedApi(Api& inner) : inner_(inner) {}

  void cut_and_hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
    current_.request_stop();
  }
  void release() {
    std::lock_guard lock(mutex_);
    held_ = false;
    cv_.notify_all();
  }
  int watches_waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

  Result<boost::json::object> get(const Gvr& g, std::string_view ns, std::string_view name) override {
    return inner_.get(g, ns, name);
  }
  Result<boost::json::object> list(const Gvr& g, std::string_view ns, const ListOptions& o) override {
    return inner_.list(g, ns, o);
  }
  Result<boost::json::object> create(const Gvr& g, std::string_view ns, const boost::json::object& o) override {
    return inner_.create(g, ns, o);
  }
  Result<boost::json::object> update(const Gvr& g, std::string_view ns, const boost::json::object& o,
                                     std::string_view sub = "") override {
    return inner_.update(g, ns, o, sub);
  }
  Result<boost::json::object> patch(const Gvr& g, std::string_view ns, std::string_view name, PatchType t,
                                    std::string_view body, std::string_view sub = "") override {
    return inner_.patch(g, ns, name, t, body, sub);
  }
  Result<boost::json::object> remove(const Gvr& g, std::string_view ns, std::string_view name,
                                     const DeleteOptions& o = {}) override {
    return inner_.remove(g, ns, name, o);
  }
  Result<void> watch(const Gvr& g, std::string_view ns, const WatchOptions& o,
                     const std::function<bool(WatchEvent&&)>& on_event, std::stop_token stop) override {
    std::stop_source source;
    {
      std::unique_lock lock(mutex_);
      ++waiting_;
      cv_.wait(lock, stop, [&] { return !held_; });
      --waiting_;
      if (stop.stop_requested()) return {};
      current_ = std::stop_source();
      source = current_;
    }
    std::stop_callback forward(stop, [source]() mutable { source.request_stop(); });
    auto result = inner_.watch(g, ns, o, on_event, source.get_token());
    if (source.stop_requested() && !stop.stop_requested()) return Status{0, "Transport", "connection cut by the test"};
    return result;
  }

 private:
  Api& inner_;
  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  bool held_ = false;
  int waiting_ = 0;
  std::stop_source current_;
};

}  // namespace dragops::kube::testing
