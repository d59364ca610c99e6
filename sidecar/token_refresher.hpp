#pragma once
// Background refresh of one oauth2 Connection's tokens in the sidecar (docs/oauth.md): a thread
// that waits until the store object is cached and opens, builds an oauth::RefreshCoordinator over
// the real store (SealedTokenStore: GET + resourceVersion-preconditioned PUT) and the provider
// named by the store's own sealed items (oauth_token_url, oauth_client_id, oauth_client_secret,
// oauth_client_auth, written by the operator), and calls refresh_if_due() whenever the last
// outcome says to. Exactly one pod refreshes at a time through the Lease
// dragops-refresh-<connection>; the others adopt the written tokens. Nothing here serves: the
// API keeps serving from the watch cache, which sees the new tokens only once they are
// persisted (a rotated refresh token is stored before the new access token is served). It
// reports each attempt to the connection's RefreshGate, which holds requests for a token that is
// due here until the refresh lands, and wakes the thread when such a request arrives.
// Needs RBAC beyond the read-only Role: update on the store Secret and get/create/update on
// Leases in the pod's namespace.

#include "kube/api.hpp"
#include "refresh_gate.hpp"
#include "store_cache.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace dragops::http {
class Client;
}

namespace dragops::sidecar {

struct RefresherOptions {
  std::chrono::seconds min_skew{60};              // DRAGOPS_REFRESH_MIN_SKEW
  std::chrono::milliseconds idle_poll{1'000};     // while the store is absent or not oauth2
  std::chrono::milliseconds max_sleep{30'000};    // re-check at least this often
  std::chrono::milliseconds provider_timeout{10'000};
};

class TokenRefresher {
 public:
  TokenRefresher(kube::Api& api, StoreCache& cache, std::shared_ptr<http::Client> client, std::string pod_namespace,
                 std::string pod_name, std::string connection, RefresherOptions options,
                 std::shared_ptr<RefreshGate> gate);
  ~TokenRefresher();
  void start();
  void stop();

 private:
  void run(std::stop_token stop);

  kube::Api& api_;
  StoreCache& cache_;
  std::shared_ptr<http::Client> client_;
  std::string namespace_;
  std::string pod_name_;
  std::string connection_;
  RefresherOptions options_;
  std::shared_ptr<RefreshGate> gate_;
  std::jthread thread_;
};

}  // namespace dragops::sidecar
