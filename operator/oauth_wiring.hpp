#pragma once
// Wires the OAuth authorization-code flow for the binary: loads (or creates) the state key,
// builds the Authorizer the reconciler asks for URLs, and serves the callback on
// --oauth-callback-addr. Without --oauth-external-url nothing is wired (Connections say so).

#include "http/server.hpp"
#include "oauth/state.hpp"
#include "operator/oauth_authorizer.hpp"
#include "operator/oauth_callback.hpp"
#include "operator/oauth_refresher.hpp"
#include "operator/oauth_revoker.hpp"
#include "operator/options.hpp"

#include <memory>
#include <optional>

namespace dragops::op {

struct OAuthFlow {
  std::optional<oauth::StateCodec> codec;
  UsedNonces used;
  std::unique_ptr<Authorizer> authorizer;
  std::unique_ptr<OAuthCallback> callback;
  std::unique_ptr<Revoker> revoker;
  std::unique_ptr<OperatorRefresher> refresher;
  std::unique_ptr<http::Server> server;
};

// nullptr when the flow is not configured or the state key stays unavailable (logged).
// Throws std::runtime_error when the callback listener cannot bind.
std::unique_ptr<OAuthFlow> start_oauth(const Options& options, kube::Api& api, KeyManager& keys, EventSink& events,
                                       WallClock clock);

}  // namespace dragops::op
