#pragma once
// Applies a Decision: the only place a reconcile writes. Order: finalizer, store, status,
// events, finalizer removal. Writes carry resourceVersion, so a stale pass gets a 409 and is
// retried from fresh state instead of overwriting a newer one.

#include "crypto/keyring.hpp"
#include "kube/api.hpp"
#include "operator/decision.hpp"
#include "operator/events.hpp"

#include <boost/json/object.hpp>

#include <optional>

namespace dragops::op {

struct ApplyCounts {
  int store_writes = 0;
  int store_deletes = 0;
  int status_writes = 0;
  int metadata_writes = 0;
};

class Applier {
 public:
  Applier(kube::Api& api, EventSink& events) : api_(api), events_(events) {}

  // resource: the CR as observed; existing_store: the store object as observed (if any);
  // ring: the namespace's data ring (needed only for a write).
  kube::Result<ApplyCounts> apply(const kube::Gvr& gvr, const boost::json::object& resource, const Decision& decision,
                                  const boost::json::object* existing_store, const crypto::Keyring* ring);

 private:
  kube::Result<void> write_store(const Decision& decision, const boost::json::object* existing_store,
                                 const crypto::Keyring& ring);
  kube::Result<void> set_finalizer(const kube::Gvr& gvr, boost::json::object& resource, bool present);

  kube::Api& api_;
  EventSink& events_;
};

}  // namespace dragops::op
