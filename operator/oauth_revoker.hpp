#pragma once
// Revocation at the provider (RFC 7009) when an oauth2 Connection is deleted or revoked, run
// by the reconciler before the finalizer lets go: the refresh token (else the access token) is
// revoked at the pack's revokeURL with the client from spec.oauth.clientRef. Retryable failures
// (transport, 5xx, 429) are retried with a doubling delay up to max_attempts, then given up
// with an Event, so deletion never hangs; other failures are given up at once.

#include "kube/api.hpp"
#include "operator/oauth_callback.hpp"
#include "operator/observation.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace dragops::op {

struct RevokeResult {
  enum class Kind { done, retry, gave_up } kind = Kind::done;
  std::chrono::milliseconds retry_after{0};
  std::string message;   // for the Event (no token values)
};

class Revoker {
 public:
  Revoker(kube::Api& api, ProviderFactory providers, int max_attempts = 5,
          std::chrono::milliseconds first_delay = std::chrono::seconds(1));

  // True when this pack has something to revoke against.
  static bool applies(const packs::Pack& pack);
  RevokeResult revoke(const store::Owner& owner, const ConnectionSpec& spec, const packs::Pack& pack,
                      const store::Plaintexts& tokens);

 private:
  RevokeResult failed(const std::string& uid, bool retryable, std::string message);

  kube::Api& api_;
  ProviderFactory providers_;
  int max_attempts_;
  std::chrono::milliseconds first_delay_;
  std::mutex mutex_;
  std::map<std::string, int> attempts_;   // by Connection UID
};

}  // namespace dragops::op
