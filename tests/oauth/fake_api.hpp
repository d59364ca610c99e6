#pragma once
// In-memory kube::Api with the API server's optimistic concurrency (resourceVersion on every
// object, 409 Conflict on a stale update, 409 AlreadyExists on a second create), enough for the
// Lease lock and the coordinator. Thread-safe. Can be told to fail every call (API down).

#include "kube/api.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <tuple>

namespace dragops::oauth::testing {

class FakeApi final : public kube::Api {
 public:
  kube::Result<boost::json::object> get(const kube::Gvr& gvr, std::string_view ns, std::string_view name) override;
  kube::Result<boost::json::object> list(const kube::Gvr& gvr, std::string_view ns,
                                         const kube::ListOptions& options) override;
  kube::Result<boost::json::object> create(const kube::Gvr& gvr, std::string_view ns,
                                           const boost::json::object& object) override;
  kube::Result<boost::json::object> update(const kube::Gvr& gvr, std::string_view ns,
                                           const boost::json::object& object,
                                           std::string_view subresource = "") override;
  kube::Result<boost::json::object> patch(const kube::Gvr& gvr, std::string_view ns, std::string_view name,
                                          kube::PatchType type, std::string_view body,
                                          std::string_view subresource = "") override;
  kube::Result<boost::json::object> remove(const kube::Gvr& gvr, std::string_view ns, std::string_view name,
                                           const kube::DeleteOptions& options = {}) override;
  kube::Result<void> watch(const kube::Gvr& gvr, std::string_view ns, const kube::WatchOptions& options,
                           const std::function<bool(kube::WatchEvent&&)>& on_event, std::stop_token stop) override;

  void set_down(bool down) { down_ = down; }
  int conflicts() const { return conflicts_; }

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;  // group, resource, ns, name
  static Key key_of(const kube::Gvr& gvr, std::string_view ns, std::string_view name);

  std::mutex mutex_;
  std::map<Key, boost::json::object> objects_;
  std::uint64_t version_ = 100;
  std::atomic<bool> down_{false};
  std::atomic<int> conflicts_{0};
};

}  // namespace dragops::oauth::testing
