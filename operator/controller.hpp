#pragma once
// The controller: informers (with caches) on our three kinds; cache-less watches on the core
// Secrets they reference and on the store objects (read fresh when a reconcile needs them, so
// memory does not grow with every Secret in the cluster); an informer on the Pods the webhook
// labelled dragops.io/injected=true, from which each ServiceAccount's sidecar Role is
// reconciled (sidecar_access/); a work queue fed by all of them; N
// workers running the Reconciler; and the key maintenance loop (rotation, retirement,
// projection repair).
//
// Informers run from start() (a standby warms its caches); workers and key maintenance run
// only inside run(), which the leader calls. run() returns after stop is requested and every
// reconcile in flight has finished.

#include "inject/use_check.hpp"
#include "kube/api.hpp"
#include "kube/informer.hpp"
#include "kube/work_queue.hpp"
#include "operator/event_sink.hpp"
#include "operator/event_watch.hpp"
#include "operator/keys.hpp"
#include "operator/lookup.hpp"
#include "operator/metrics.hpp"
#include "operator/own_writes.hpp"
#include "operator/reconciler.hpp"
#include "operator/sealing/sealing_key_manager.hpp"
#include "operator/sidecar_access/role_writer.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace dragops::op {

struct ControllerOptions {
  std::vector<std::string> watch_namespaces;   // empty: all
  int workers = 4;
  std::chrono::milliseconds key_maintenance_period{1000};
  const Authorizer* authorizer = nullptr;      // the OAuth flow; nullptr: not configured
  Revoker* revoker = nullptr;                  // revocation at the provider; nullptr: off
  OperatorRefresher* refresher = nullptr;      // refresh of connections no pod reads; nullptr: off
  sealing::SealingKeyManager* sealing_keys = nullptr;   // opens sealed input; nullptr: refused
  // Its own namespace (--namespace): like kube-system, never given sidecar Roles.
  std::string operator_namespace = "dragops-system";
  packs::EndpointPolicy endpoint_policy;       // --allow-insecure-loopback-endpoints
  // --use-scope=serviceaccount: a sidecar Role grants only the names its ServiceAccount may
  // `use`, checked again every use_recheck_interval while it grants any (a withdrawn grant
  // narrows it). Empty (--use-scope=namespace): every name a pod asks for.
  inject::UseCheck use_check;
  std::chrono::milliseconds use_recheck_interval{30'000};
};

class Controller final : public Lookup {
 public:
  Controller(kube::Api& api, KeyManager& keys, EventSink& events, Metrics& metrics, ControllerOptions options,
             WallClock clock);
  ~Controller() override;

  void start_informers();
  bool wait_for_sync(std::chrono::steady_clock::time_point deadline) const;
  bool synced() const;
  void stop_informers();

  // Leader only. Blocks until stop; drains in-flight reconciles before returning.
  void run(std::stop_token stop);
  bool running() const { return running_.load(); }

  ObjectPtr find(Source source, std::string_view ns, std::string_view name) const override;
  kube::Result<ObjectPtr> fetch(Source source, std::string_view ns, std::string_view name) const override;
  bool may_exist(Source source, std::string_view ns, std::string_view name) const override;
  void unsure(Source source, std::string_view ns, std::string_view name) const override;

  // Keys, for tests and logs: "Connection/ns/name", "Secret/ns/name", "IntegrationPack/name".
  void enqueue_namespace(const std::string& ns);

 private:
  struct InformerSet {
    std::unique_ptr<kube::Informer> connections;
    std::unique_ptr<kube::Informer> secrets;        // dragops Secrets
    std::unique_ptr<EventWatch> core_secrets;       // referenced credentials (no cache)
    std::unique_ptr<EventWatch> stores;             // managed-by dragops-operator (no cache)
    std::unique_ptr<kube::Informer> injected_pods;  // dragops.io/injected=true
  };

  void build_informers(const std::string& ns);
  const InformerSet* set_for(std::string_view ns) const;
  void worker();
  void process(const std::string& key);
  void maintain_keys();
  std::optional<std::set<std::uint32_t>> versions_in_use(const std::string& ns) const;
  sealing::KeyIds sealing_key_ids_in_use() const;
  void on_store_event(const kube::WatchEvent& event);
  void enqueue_sidecar_access(const kube::ObjectPtr& pod);
  void enqueue_granted_service_accounts();
  Outcome reconcile_sidecar_access(const std::string& ns, const std::string& service_account);
  void enqueue_all();

  kube::Api& api_;
  KeyManager& keys_;
  Metrics& metrics_;
  ControllerOptions options_;
  std::map<std::string, InformerSet> sets_;        // by namespace ("" = all)
  std::unique_ptr<kube::Informer> packs_;
  kube::WorkQueue queue_;
  OwnWrites own_writes_;
  Reconciler reconciler_;
  sidecar_access::RoleWriter sidecar_roles_;
  std::atomic<bool> running_{false};
  mutable std::mutex stores_mutex_;
  // "ns/name" of every object the store watch sees -> whether it is a sealed store (the gauge).
  std::unordered_map<std::string, bool> stores_;
  mutable std::unordered_set<std::string> unsure_;  // read through whatever stores_ says
};

}  // namespace dragops::op
