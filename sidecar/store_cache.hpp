#pragma once
// What the sidecar knows: the last seen store object for every allowed item, whether the watch
// behind it is live, and the current key ring. Written by the watchers and the key-ring reloader,
// read by the API handler; every accessor copies a shared pointer under a short lock.

#include "crypto/keyring.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <cstdint>
#include <vector>

namespace dragops::sidecar {

enum class Kind { connection, secret };
std::string_view to_string(Kind kind);   // "Connection" | "Secret"
std::string store_name(Kind kind, std::string_view name);   // dragops-conn-<name> | dragops-secret-<name>

using Clock = std::chrono::system_clock;

// The raw envelopes of a store object by data key ("field.<name>", "env.<environment>"), decoded
// from base64 once when the object arrives (ciphertext: nothing to wipe). A value that is not
// valid base64 is kept as an empty envelope, which fails to open as malformed.
using Envelopes = std::map<std::string, std::vector<std::uint8_t>, std::less<>>;

struct StoreEntry {
  enum class Presence { unknown, present, absent };
  Presence presence = Presence::unknown;
  std::shared_ptr<const boost::json::object> object;   // present only
  std::shared_ptr<const Envelopes> envelopes;          // present only
  // Set while the watch behind this entry is down: since when we could not confirm it.
  std::optional<Clock::time_point> unconfirmed_since;
  Clock::time_point updated_at{};
};

class StoreCache {
 public:
  // The allowed items; anything else is never stored.
  void track(Kind kind, const std::string& name);

  void set_present(Kind kind, const std::string& name, boost::json::object object, Clock::time_point now);
  void set_absent(Kind kind, const std::string& name, Clock::time_point now);
  // The watch for this item is down (since `now` if not already) / back (fresh list done).
  void set_unconfirmed(Kind kind, const std::string& name, Clock::time_point now);
  void set_confirmed(Kind kind, const std::string& name);

  std::optional<StoreEntry> find(Kind kind, const std::string& name) const;

  // Called (outside the lock) after an item turns present, changes or turns absent. Set it before
  // the watchers start.
  void set_listener(std::function<void(Kind, const std::string&)> listener);
  bool tracked(Kind kind, const std::string& name) const;

  // Ready once every tracked item is known present or absent.
  bool ready() const;
  // Seconds since the oldest unconfirmed item was last confirmed; 0 when every watch is live.
  double age_seconds(Clock::time_point now) const;
  bool all_confirmed() const;

  void set_keyring(std::shared_ptr<const crypto::Keyring> keyring);
  std::shared_ptr<const crypto::Keyring> keyring() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<Kind, std::string>, StoreEntry> entries_;
  std::shared_ptr<const crypto::Keyring> keyring_;
  std::function<void(Kind, const std::string&)> listener_;
};

}  // namespace dragops::sidecar
