#pragma once
// A reconcile decision: what to write, computed by a pure function from an observation.

#include "operator/status.hpp"
#include "store/store_object.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace dragops::op {

struct EventSpec {
  std::string type;      // "Normal" | "Warning"
  std::string reason;
  std::string message;

  friend bool operator==(const EventSpec&, const EventSpec&) = default;
};

enum class StoreAction { keep, write, remove };

struct Decision {
  bool add_finalizer = false;
  bool remove_finalizer = false;     // after the store is gone

  StoreAction store_action = StoreAction::keep;
  // For write: the store's metadata (envelopes holds those carried over unchanged) and the
  // values to seal afresh under the primary.
  store::Store desired_store;
  store::Plaintexts to_seal;
  // The field the sidecar's /token serves: sealed in the store's manifest (and written as the
  // informational annotation dragops.io/token-field).
  std::string token_field;
  // The serial of the store's manifest as read (0: none); the write seals a greater one.
  std::uint64_t previous_serial = 0;

  std::optional<Status> status;      // set only when it differs from the observed status
  std::vector<EventSpec> events;     // one per condition transition
  // Milliseconds, not seconds: the operator's OAuth refresh comes back at its refresh time, and
  // rounding up would land it inside the skew and erase the jitter.
  std::optional<std::chrono::milliseconds> requeue_after;
};

}  // namespace dragops::op
