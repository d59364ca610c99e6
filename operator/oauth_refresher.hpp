#pragma once
// The operator's share of background refresh: connections that no pod reads would otherwise
// lapse. For every oauth2 Connection whose store holds tokens, the reconciler calls tend(): the
// same oauth::RefreshCoordinator as the sidecars (Lease dragops-refresh-<connection>,
// resourceVersion-preconditioned writes), with a smaller skew than theirs, so while pods read
// a connection they refresh it and the operator finds it not due; without pods, the operator
// refreshes it shortly before expiry. The provider is the one sealed in the store (items
// oauth_token_url, oauth_client_*); the reconcile is requeued for the next check.

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
  std::chrono::seconds min_skew{30};   // half the sidecars' default
  double skew_fraction = 0.05;
  std::chrono::milliseconds lease_wait{2'000};   // a sidecar holds it: it is refreshing
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
