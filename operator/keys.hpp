#pragma once
// The key manager: the root key (created if absent), one data key ring per application
// namespace (created on first use: authoritative copy sealed under the root ring in the
// operator's namespace, plaintext projection for the sidecars in the namespace), and rotation.
//
// Rotation of a namespace's ring, in steps that each keep every store openable:
//   1. add a new version (not primary) to the authoritative ring, then to the projection;
//   2. after the propagation delay (so mounted projections have it), make it primary; new seals
//      use it and the caller re-enqueues the namespace so every store is re-sealed;
//   3. retire an old version once no store of the namespace uses it (authoritative first, then
//      the projection, so the projection is always a superset of what stores need).
// Progress lives in annotations on the authoritative Secret, so a restarted operator resumes.
//
// The root key ring is plain in its Secret, or wrapped by a key held in a PKCS#11 token
// (Options::wrapper; store/root_key.hpp). Rotation of the root key (annotation
// dragops.io/rotate-root-key on its Secret; operator/root_rotation.cpp), in steps that each
// survive a restart because each is written before the next begins:
//   1. add a new version to the root ring and make it primary (new seals use it);
//   2. re-wrap every object sealed under an older version (each namespace's authoritative ring,
//      the sealing keys) under the primary;
//   3. once none is left under an older version, retire it and record the request as handled.
// Turning on PKCS#11 over a plain root key wraps it and starts such a rotation, so that the ring
// that sat in etcd in plaintext ends up opening nothing.

#include "crypto/key_wrapper.hpp"
#include "crypto/keyring.hpp"
#include "kube/api.hpp"

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dragops::op {

using RingPtr = std::shared_ptr<const crypto::Keyring>;

// Wall-clock seconds, injectable for tests.
using WallClock = std::function<std::chrono::system_clock::time_point()>;

// Opens the key that wraps the root key (a PKCS#11 token); retried by the caller until it works.
using WrapperSource = std::function<boost::system::result<std::shared_ptr<crypto::KeyWrapper>, std::string>()>;

class KeyManager {
 public:
  struct Options {
    std::string operator_namespace = "dragops-system";
    std::chrono::seconds rotation_interval{0};      // 0: no scheduled rotation
    std::chrono::seconds propagation_delay{0};      // between adding a version and making it primary
    std::chrono::seconds retire_grace{2};           // after promotion, before an old version may go
    WrapperSource wrapper{};                        // empty: the root key is plain in its Secret
  };

  KeyManager(kube::Api& api, Options options, WallClock clock);

  // Loads the root key Secret, creating it if absent (wrapped when a wrapper is configured; a
  // plain one is then wrapped and its rotation started). The error (reason RootKeyUnavailable)
  // says what failed: module, token, PIN, key, or a Secret wrapped by another key. Nothing is
  // written on an error, and there is never a fallback to a plain root key.
  kube::Result<void> ensure_root_key();
  // The last ensure_root_key error, "" once the root key is loaded.
  std::string root_key_problem() const;

  // The root ring and its Secret's UID (part of the AAD of what it seals), once loaded; for the
  // other keys sealed under it (operator/sealing/).
  struct RootKey {
    RingPtr ring;
    std::string uid;
  };
  std::optional<RootKey> root_key() const;

  // The namespace's data ring, created (authoritative + projection) on first use. Thread-safe.
  // The error says what is wrong, never key material.
  boost::system::result<RingPtr, std::string> ring(const std::string& app_namespace);

  // One pass of rotation and repair over every namespace with a ring. versions_in_use(ns) gives
  // every key version an envelope of a store in ns names (nullopt: unknown, nothing is retired). Returns the namespaces whose primary
  // changed (re-enqueue their resources).
  struct MaintenanceReport {
    std::vector<std::string> promoted;
    std::vector<std::string> retired;       // "ns/version"
    bool rotation_in_progress = false;
  };
  MaintenanceReport maintain(
      const std::function<std::optional<std::set<std::uint32_t>>(const std::string&)>& versions_in_use);

  // One pass of the root key's rotation (above); the leader calls it with maintain().
  struct RootMaintenanceReport {
    std::optional<std::uint32_t> added;     // the new primary version
    std::size_t rewrapped = 0;              // objects re-sealed under the primary this pass
    std::vector<std::uint32_t> retired;
    bool in_progress = false;               // the ring holds more than one version
  };
  RootMaintenanceReport maintain_root();
  std::size_t root_versions() const;

  // Number of key versions per namespace (for dragops_key_versions).
  std::map<std::string, std::size_t> version_counts() const;
  std::vector<std::string> namespaces() const;
  // Drops the cached ring of ns; the next ring(ns) re-reads it and repairs the projection.
  void forget(const std::string& ns);

 private:
  struct Entry {
    RingPtr ring;
    boost::json::object authoritative;   // as last read or written (resourceVersion, annotations)
  };

  boost::system::result<Entry, std::string> load_or_create(const std::string& ns);
  boost::system::result<void, std::string> write(const std::string& ns, Entry& entry, const crypto::Keyring& next,
                                                 std::map<std::string, std::string> annotations);
  boost::system::result<void, std::string> sync_projection(const std::string& ns, const crypto::Keyring& ring);
  std::string now_text() const;
  // Writes next as the root ring over current (PUT with its resourceVersion), keeping its
  // annotations but for changes ("" removes). Caller holds mutex_.
  boost::system::result<boost::json::object, std::string> write_root(const boost::json::object& current,
                                                                     const crypto::Keyring& next,
                                                                     const std::map<std::string, std::string>& changes);
  kube::Result<void> load_root_key();

  kube::Api& api_;
  Options options_;
  WallClock clock_;
  mutable std::mutex mutex_;
  std::shared_ptr<const crypto::Keyring> root_;
  std::string root_uid_;
  std::string root_resource_version_;
  std::shared_ptr<crypto::KeyWrapper> wrapper_;
  std::string root_problem_;
  std::map<std::string, Entry> entries_;
};

// RFC 3339 UTC with seconds ("2026-11-24T10:00:00Z").
std::string format_time(std::chrono::system_clock::time_point time);
// Parses what format_time writes; nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view text);

}  // namespace dragops::op
