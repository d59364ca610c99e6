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

#include "crypto/secret_bytes.hpp"
#include "http/server_types.hpp"

#include <functional>
#include <string_view>

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
  http::Response secret(const std::string& name, AuditRecord& record) const;

  const Config& config_;
  const StoreCache& cache_;
  crypto::SecretBytes token_;
  std::function<Clock::time_point()> now_;
  ApiObserver& observer_;
  RefreshGates gates_;
};

// The error body: {"error":{"code":"...","message":"..."}} with Cache-Control: no-store.
http::Response error_response(int status, std::string_view code, std::string_view message);

// RFC 3339 ("2026-01-02T03:04:05Z", fractional seconds and offsets accepted).
bool parse_rfc3339(std::string_view text, Clock::time_point& out);
// Which field /token returns for a store object (docs/sidecar.md): the dragops.io/token-field
// annotation, else access_token for oauth2, else the only field, else the first present of
// api_key, api_token, token, access_token, password, secret. "" if none applies.
std::string token_field(const boost::json::object& store_object);

}  // namespace dragops::sidecar
