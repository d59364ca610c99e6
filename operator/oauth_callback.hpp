#pragma once
// The OAuth redirect endpoint (GET /oauth/callback?code=..&state=..): verifies the signed
// state (signature, expiry, bound to the Connection's UID, used once), then exchanges the code
// at the pack's token URL with the client from spec.oauth.clientRef (client_id,
// client_secret, optional token_endpoint_auth_method) and the PKCE verifier derived from the
// state, seals the token set into the Connection's store and answers a plain HTML page.
//
// A state works once even across operator restarts and replicas: it is accepted only while it is
// the state of status.authorizationURL, and the callback removes it from there with a
// resourceVersion precondition before anything else (the in-memory UsedNonces is a second
// guard). A link replaced by a newer one (re-issued near expiry) is refused the same way.
//
// Every failure answers an HTML page (400 for the link, 502 for the provider), stores nothing,
// emits a Warning Event on the Connection when the state names one, and sets Ready=False with
// reason AuthorizationDenied or AuthorizationFailed unless the Connection is already Ready (a
// replayed link must not take a working connection down). The next reconcile then publishes a
// fresh authorizationURL; success makes it Ready through the store watch.

#include "http/server_types.hpp"
#include "kube/api.hpp"
#include "oauth/http_provider.hpp"
#include "operator/events.hpp"
#include "operator/keys.hpp"
#include "operator/oauth_authorizer.hpp"
#include "store/store_object.hpp"

#include <functional>
#include <memory>
#include <optional>

namespace dragops::op {

using ProviderFactory =
    std::function<std::unique_ptr<oauth::OAuthProvider>(oauth::ProviderEndpoints endpoints, oauth::ClientCredentials client)>;

class OAuthCallback {
 public:
  OAuthCallback(kube::Api& api, KeyManager& keys, EventSink& events, const Authorizer& authorizer, UsedNonces& used,
                ProviderFactory providers, WallClock clock);

  http::Response handle(const http::Request& request);

 private:
  // Takes the state out of status.authorizationURL if it is the one published there (nullopt:
  // it is not, or the claim lost a race); the Connection as patched.
  std::optional<boost::json::object> claim(const boost::json::object& connection, const std::string& state);
  // issuer: the response's RFC 9207 `iss` parameter ("" when absent).
  http::Response complete(const boost::json::object& connection, const std::string& code, const std::string& nonce,
                          const std::string& issuer);
  http::Response reject(const boost::json::object& connection, std::string_view reason, const std::string& message,
                        int http_status);

  kube::Api& api_;
  KeyManager& keys_;
  EventSink& events_;
  const Authorizer& authorizer_;
  UsedNonces& used_;
  ProviderFactory providers_;
  WallClock clock_;
};

// What a refresher outside the operator (the sidecar) needs besides the tokens, sealed into
// the store next to them: items oauth_client_id, oauth_client_secret, oauth_token_url,
// oauth_client_auth (the sidecar never serves these).
struct RefreshClient {
  std::string token_url;
  oauth::ClientCredentials client;
};
RefreshClient refresh_client_of(const packs::Pack& pack, const oauth::ClientCredentials& client);
void put_refresh_client_items(store::Plaintexts& items, const RefreshClient& refresh_client);

// The page the person sees (title and text are HTML-escaped).
http::Response html_page(int status, std::string_view title, std::string_view text);

}  // namespace dragops::op
