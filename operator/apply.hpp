#pragma once
// Applies a Decision: the only place a reconcile writes. Order: finalizer, store, status,
// events, finalizer removal. Writes carry resourceVersion, so a stale pass gets a 409 and is
// retried from fresh state instead of overwriting a newer one.

#include "crypto/keyring.hpp"
#include "kube/api.hpp"
#include "operator/decision.hpp"
#include "operator/events.hpp"
#include "operator/own_writes.hpp"
#include "store/names.hpp"

#include <boost/json/object.hpp>

#include <optional>

namespace dragops::op {

// The kind of store a Connection (gvr connections) or a dragops Secret (dragops_secrets) has.
inline store::Kind store_kind_of(const kube::Gvr& gvr) {
  return gvr.resource == "connections" ? store::Kind::connection : store::Kind::secret;
}

struct ApplyCounts {
  int store_writes = 0;
  int store_deletes = 0;
  int status_writes = 0;
  int metadata_writes = 0;
};

class Applier {
 public:
  // own_writes (optional) learns the resourceVersion of every write, keyed "<Kind>/<ns>/<name>"
  // for the resource and "Store/<ns>/<store name>" for its store.
  Applier(kube::Api& api, EventSink& events, OwnWrites* own_writes = nullptr)
      : api_(api), events_(events), own_writes_(own_writes) {}

  // resource: the CR as observed; existing_store: the store object as observed (if any);
  // ring: the namespace's data ring (needed only for a write).
  kube::Result<ApplyCounts> apply(const kube::Gvr& gvr, const boost::json::object& resource, const Decision& decision,
                                  const boost::json::object* existing_store, const crypto::Keyring* ring);

 private:
  kube::Result<void> write_store(const Decision& decision, const boost::json::object* existing_store,
                                 const crypto::Keyring& ring);
  kube::Result<void> set_finalizer(const kube::Gvr& gvr, boost::json::object& resource, bool present);

  void remember(const std::string& key, const boost::json::object& written);

  kube::Api& api_;
  EventSink& events_;
  OwnWrites* own_writes_;
};

}  // namespace dragops::op
