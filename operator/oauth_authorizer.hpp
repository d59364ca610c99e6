#pragma once
// The operator's side of the OAuth authorization-code flow before the callback: the state
// signing key (core Secret dragops-oauth-state-key in the operator namespace, created if
// absent), the record of used state nonces, and the authorization URL of an oauth2 Connection
// without tokens.
//
// The PKCE verifier is not stored anywhere: it is derived from the signing key and the state's
// nonce (oauth::derive_pkce), so the callback recomputes it from the state it receives.
//
// The URL in status is kept as long as its state is valid (bound to this UID, unused, not
// within the last tenth of its lifetime) and the URL would be built the same way; otherwise a
// new state is issued. So a reconcile pass does not rewrite status every time.

#include "kube/api.hpp"
#include "oauth/replay_cache.hpp"
#include "oauth/state.hpp"
#include "operator/keys.hpp"
#include "operator/observation.hpp"

#include <boost/system/result.hpp>

#include <mutex>
#include <set>
#include <string>

namespace dragops::op {

inline constexpr std::string_view kStateKeySecret = "dragops-oauth-state-key";
inline constexpr std::string_view kStateKeyType = "dragops.io/oauth-state-key";
inline constexpr std::string_view kCallbackPath = "/oauth/callback";

// Reads the state key from the operator namespace, creating it (32 random bytes) if absent.
// The error names the step (never the key).
boost::system::result<crypto::SecretBytes, std::string> load_state_key(kube::Api& api, const std::string& operator_namespace);

// "https://dragops.example.com" -> ".../oauth/callback"; a URL with a path is used as given.
std::string redirect_uri_from_external_url(std::string_view external_url);

// Used state nonces of this process (see docs/oauth.md: not persisted across restarts).
class UsedNonces final : public oauth::ReplayCache {
 public:
  bool try_consume(std::string_view nonce, std::chrono::system_clock::time_point expires_at,
                   std::chrono::system_clock::time_point now) override;
  bool used(std::string_view nonce) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::chrono::system_clock::time_point, std::less<>> used_;
};

struct OAuthSettings {
  std::string redirect_uri;   // "" : the flow is not configured (no --oauth-external-url)
};

class Authorizer {
 public:
  Authorizer(const oauth::StateCodec& codec, const UsedNonces& used, OAuthSettings settings, WallClock clock);

  // The URL for an oauth2 Connection without tokens (current: status.authorizationURL now).
  AuthorizationOffer offer(const Resource& resource, const ConnectionSpec& spec, const packs::Pack& pack,
                           const ReferencedSecrets& secrets) const;

  const oauth::StateCodec& codec() const { return codec_; }
  const std::string& redirect_uri() const { return settings_.redirect_uri; }

 private:
  const oauth::StateCodec& codec_;
  const UsedNonces& used_;
  OAuthSettings settings_;
  WallClock clock_;
};

// The `state` query parameter of a URL ("" if none or the URL does not parse).
std::string state_of_url(std::string_view url);

}  // namespace dragops::op
