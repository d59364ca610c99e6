#pragma once
// The sidecar's credential API (DESIGN.md "Sidecar API") as a plain function from a request to a
// response: no socket, no clock of its own, no Kubernetes client. The caller supplies what the
// sidecar knows (StoreCache), the pod token and a time source; tests drive it directly.
//
// Order of checks: Host (400 invalid_host) -> method (405) -> token (401) -> route (404) ->
// allowed by the pod's annotations (403) -> store state (503 not_ready / stale, 404) -> decrypt.

#include "config.hpp"
#include "refresh_gate.hpp"
#include "store_cache.hpp"

#include "crypto/envelope_keys.hpp"
#include "crypto/secret_bytes.hpp"
#include "http/server_types.hpp"
#include "store/manifest.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <string_view>
#include <utility>

namespace dragops::sidecar {

// One audit line per request: who, what, outcome; never the value or the token.
struct AuditRecord {
  std::string_view pod_namespace;
  std::string_view pod;
  std::string_view route;     // "connection" | "connection_token" | "secret" | "other"
  std::string_view item;      // the connection or secret name ("" when the route has none)
  int status = 0;
  std::string_view outcome;   // "ok" or the error code of the answer
};

class ApiObserver {
 public:
  virtual ~ApiObserver() = default;
  virtual void on_request(const AuditRecord& record) = 0;
  virtual void on_decrypt(double seconds) = 0;
  // A request for an OAuth token waited for a refresh (RefreshGate) this long; replaced: it then
  // got another token than the one it waited on. Default: ignored.
  virtual void on_token_held(double /*seconds*/, bool /*replaced*/) {}
};

// A store object's sealed manifest, opened, and the owner it is bound to.
struct Authenticated {
  store::Owner owner;
  store::Manifest manifest;
};

// Why a store's manifest was not accepted: code is the answer's error code ("manifest_invalid" or
// "decrypt_failed"), reason goes to the log (never a value).
struct Unauthenticated {
  std::string_view code;
  std::string reason;
};

class ApiHandler {
 public:
  // gates: per connection, lets a due OAuth refresh land before its token is served; without
  // one (refresh off, tests) the cached token is served as it is.
  ApiHandler(const Config& config, const StoreCache& cache, crypto::SecretBytes token,
             std::function<Clock::time_point()> now, ApiObserver& observer, RefreshGates gates = {});

  http::Response operator()(const http::Request& request) const;

 private:
  http::Response handle(const http::Request& request, AuditRecord& record) const;
  http::Response connection(const std::string& name, bool token_only, AuditRecord& record) const;
  std::optional<StoreEntry> entry_to_serve(const std::string& name, Clock::time_point& now) const;
  std::optional<std::pair<Clock::time_point, Clock::time_point>> oauth_schedule(const std::optional<StoreEntry>& entry,
                                                                                const std::string& name) const;
  boost::system::result<std::shared_ptr<const Authenticated>, Unauthenticated> authenticate(const StoreEntry& entry,
                                                                     const std::shared_ptr<const crypto::Keyring>& ring,
                                                                     Kind kind, const std::string& name) const;
  bool rolled_back(Kind kind, const std::string& name, const Authenticated& authenticated) const;
  http::Response secret(const std::string& name, AuditRecord& record) const;

  const Config& config_;
  const StoreCache& cache_;
  crypto::SecretBytes token_;
  std::function<Clock::time_point()> now_;
  ApiObserver& observer_;
  RefreshGates gates_;
  // Per item: the manifest last opened (for the object and ring it was opened with), and the
  // newest serial served with the owner UID it belongs to.
  struct CachedManifest {
    std::shared_ptr<const boost::json::object> object;
    std::shared_ptr<const crypto::Keyring> keyring;
    std::shared_ptr<const Authenticated> value;
  };
  mutable std::mutex manifests_mutex_;
  mutable std::map<std::pair<Kind, std::string>, CachedManifest> manifests_;
  mutable std::map<std::pair<Kind, std::string>, std::pair<std::string, std::uint64_t>> serials_;
  // Each served envelope's AES key (never its plaintext): every answer is still decrypted for
  // its request, without the HKDF derivation each time (crypto/envelope_keys.hpp).
  mutable crypto::EnvelopeKeys envelope_keys_;
};

// The error body: {"error":{"code":"...","message":"..."}} with Cache-Control: no-store.
http::Response error_response(int status, std::string_view code, std::string_view message);

// RFC 3339 ("2026-01-02T03:04:05Z", fractional seconds and offsets accepted).
bool parse_rfc3339(std::string_view text, Clock::time_point& out);
// Which field /token returns (docs/sidecar.md), among the items the sealed manifest serves and
// the store holds: the manifest's tokenField, else access_token for oauth2, else the only served
// field, else the first present of api_key, api_token, token, access_token, password, secret.
// "" if none applies.
std::string token_field(const store::Manifest& manifest, const Envelopes& envelopes);

}  // namespace dragops::sidecar
