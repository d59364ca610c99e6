#pragma once
// The cluster sealing key: created by the leader on first start (private keys sealed under the
// root key in Secret dragops-sealing-keys), its newest public key published in ConfigMap
// dragops-sealing-key (readable by every authenticated user) and on GET /v1/sealing-key, and
// rotated on request: annotate the Secret with dragops.io/rotate=<new value>. Older keys are
// kept while any watched object's sealed input names them (operator/sealing/maintenance.hpp).

#include "kube/api.hpp"
#include "operator/keys.hpp"
#include "operator/sealing/maintenance.hpp"
#include "operator/sealing/objects.hpp"
#include "operator/sealing/sealing_key_set.hpp"

#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace dragops::op::sealing {

// Where the reconcilers get the keys that open sealed input (tests substitute a fixed set).
class SealingKeySource {
 public:
  virtual ~SealingKeySource() = default;
  // nullptr until the keys are loaded (a standby replica never loads them).
  virtual std::shared_ptr<const SealingKeySet> sealing_keys() const = 0;
};

class SealingKeyManager final : public SealingKeySource {
 public:
  struct Options {
    std::string operator_namespace = "dragops-system";
    std::chrono::seconds retire_after{24 * 3600};
    std::chrono::seconds republish_period{30};   // the ConfigMap is checked (and repaired) this often
    // While an older key waits for the objects naming it to be re-sealed, the usage scan (every
    // watched object's sealed input) runs at most this often, and at least as often as retire_after.
    std::chrono::seconds usage_check_period{30};
  };

  SealingKeyManager(kube::Api& api, const KeyManager& root, Options options, WallClock clock);

  // Leader: loads the keys (creating the first on first start) and publishes the public key.
  // Needs the root key loaded. The error says what failed, never key material.
  boost::system::result<void, std::string> ensure();

  struct MaintenanceReport {
    std::optional<std::uint32_t> rotated;   // the new newest version
    std::vector<std::uint32_t> retired;
  };
  // Leader, every maintenance period: reloads a Secret changed elsewhere, rotates on request,
  // retires unused older keys, repairs the ConfigMap. in_use is called only when a key could go,
  // and at most once per usage_check_period.
  MaintenanceReport maintain(const std::function<std::optional<KeyIds>()>& in_use);

  std::shared_ptr<const SealingKeySet> sealing_keys() const override;
  // For /v1/sealing-key: the keys held, else (a standby) what the ConfigMap publishes.
  std::optional<PublishedKey> published() const;
  std::size_t key_count() const;

 private:
  boost::system::result<void, std::string> write(const SealingKeySet& next, std::string_view handled_request);
  boost::system::result<void, std::string> publish(const SealingKeySet& keys);
  void hold(std::shared_ptr<const SealingKeySet> keys, std::string resource_version);

  kube::Api& api_;
  const KeyManager& root_;
  Options options_;
  WallClock clock_;
  mutable std::mutex mutex_;
  std::shared_ptr<const SealingKeySet> keys_;
  std::string resource_version_;   // of the Secret the keys came from
  std::chrono::system_clock::time_point published_at_{};
  std::optional<std::chrono::system_clock::time_point> usage_checked_at_;   // maintenance thread only
};

}  // namespace dragops::op::sealing
