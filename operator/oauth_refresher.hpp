#pragma once
// Background refresh of OAuth tokens: the operator is the only refresher (the sidecars hold no
// write rights on stores; docs/security.md, finding 2). For every oauth2 Connection whose store
// holds tokens, the reconciler calls tend(): an oauth::RefreshCoordinator (Lease
// dragops-refresh-<connection> between operator replicas, resourceVersion-preconditioned
// writes) refreshes skew + jitter before expiry, whether or not pods read the connection. The
// provider is the one sealed in the store (items oauth_token_url, oauth_client_*); the
// reconcile is requeued for the next check.

#include "kube/api.hpp"
#include "oauth/refresh_coordinator.hpp"
#include "oauth/sealed_token_store.hpp"
#include "operator/keys.hpp"
#include "operator/oauth_callback.hpp"
#include "operator/observation.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

namespace dragops::op {

struct OperatorRefreshOptions {
  std::chrono::seconds min_skew{60};   // the sidecars' DRAGOPS_REFRESH_MIN_SKEW must match
  double skew_fraction = oauth::kOperatorSkewFraction;
  std::chrono::milliseconds lease_wait{2'000};   // another replica holds it: it is refreshing
  std::chrono::seconds lease_duration{30};       // ours; and the longest we trust anyone's
};

class OperatorRefresher {
 public:
  OperatorRefresher(kube::Api& api, KeyManager& keys, ProviderFactory providers, std::string identity,
                    OperatorRefreshOptions options = {});

  // Refreshes if due; the delay before the next check (nullopt: the tokens do not expire, or
  // the store holds no sealed OAuth client). Serialised per connection by the work queue.
  std::optional<RefreshObservation> tend(const store::Owner& owner, const store::Plaintexts& opened);
  void forget(const std::string& uid);

 private:
  struct Entry {
    std::string token_url;
    std::string client_id;
    crypto::SecretBytes client_secret;   // a rotated secret (re-sealed by decide) rebuilds the entry
    std::string client_auth;
    std::unique_ptr<oauth::SealedTokenStore> store;
    std::unique_ptr<oauth::OAuthProvider> provider;
    std::unique_ptr<oauth::RefreshCoordinator> coordinator;
  };

  kube::Api& api_;
  KeyManager& keys_;
  ProviderFactory providers_;
  std::string identity_;
  OperatorRefreshOptions options_;
  oauth::SystemClock clock_;
  std::mutex mutex_;
  std::mt19937_64 random_{std::random_device{}()};
  std::map<std::string, std::shared_ptr<Entry>> entries_;   // by Connection UID
};

}  // namespace dragops::op
