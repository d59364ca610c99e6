#pragma once
// One reconcile pass per key: observe (caches + key manager), decide (pure), apply (writes only
// the difference). Returns how the pass ended: done, requeue after a delay, or an error that the
// work queue retries with backoff.

#include "kube/api.hpp"
#include "operator/apply.hpp"
#include "operator/events.hpp"
#include "operator/keys.hpp"
#include "operator/lookup.hpp"
#include "operator/metrics.hpp"
#include "operator/oauth_authorizer.hpp"
#include "operator/oauth_refresher.hpp"
#include "operator/oauth_revoker.hpp"
#include "operator/observation.hpp"
#include "operator/sealing/sealing_key_manager.hpp"
#include "packs/endpoints.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace dragops::op {

struct Outcome {
  enum class Kind { done, requeue, error } kind = Kind::done;
  std::chrono::milliseconds after{0};   // requeue
  std::string message;                  // error (no secret values)
};

class Reconciler {
 public:
  Reconciler(kube::Api& api, const Lookup& lookup, KeyManager& keys, EventSink& events, Metrics& metrics,
             WallClock clock, OwnWrites* own_writes = nullptr, const Authorizer* authorizer = nullptr,
             Revoker* revoker = nullptr, OperatorRefresher* refresher = nullptr,
             const sealing::SealingKeySource* sealing_keys = nullptr, packs::EndpointPolicy endpoint_policy = {});

  Outcome reconcile_connection(const std::string& ns, const std::string& name);
  Outcome reconcile_secret(const std::string& ns, const std::string& name);
  Outcome reconcile_pack(const std::string& name);

 private:
  PackLookup find_pack(const std::string& pack_name) const;
  kube::Result<ReferencedSecrets> find_secrets(const boost::json::object& resource, store::Kind kind,
                                               const std::string& ns) const;
  kube::Result<std::optional<ExistingStore>> find_store(store::Kind kind, const std::string& ns, const std::string& name,
                                                        const crypto::Keyring* ring, ObjectPtr& object) const;
  void tend_tokens(ConnectionObservation& o);
  Outcome remove_store_of_gone(const kube::Gvr& gvr, store::Kind kind, const std::string& ns, const std::string& name);
  Outcome read_failed(std::string_view kind, const kube::Status& error, std::chrono::steady_clock::time_point started);
  Outcome finish(const kube::Gvr& gvr, std::string_view kind, const boost::json::object& resource,
                 const Decision& decision, const ObjectPtr& store_object, const crypto::Keyring* ring,
                 std::chrono::steady_clock::time_point started);

  kube::Api& api_;
  const Lookup& lookup_;
  KeyManager& keys_;
  Applier applier_;
  Metrics& metrics_;
  WallClock clock_;
  const Authorizer* authorizer_;   // nullptr: the OAuth flow is not configured
  Revoker* revoker_;               // nullptr: no revocation at the provider
  OperatorRefresher* refresher_;   // nullptr: the operator does not refresh
  const sealing::SealingKeySource* sealing_keys_;   // nullptr: sealed input is refused
  EventSink& events_;
  packs::EndpointPolicy endpoint_policy_;
};

}  // namespace dragops::op
