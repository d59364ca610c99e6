#include "operator/oauth_wiring.hpp"

#include "common/log.hpp"
#include "http/client.hpp"
#include "oauth/http_client_transport.hpp"
#include "packs/endpoints.hpp"

#include <thread>

namespace dragops::op {
namespace json = boost::json;

namespace {

// A provider whose endpoint may not receive credentials (packs/endpoints.hpp): every call fails
// before anything is sent.
class RefusedEndpoint final : public oauth::OAuthProvider {
 public:
  explicit RefusedEndpoint(std::string why) : why_(std::move(why)) {}
  boost::system::result<oauth::TokenSet, oauth::OAuthError> exchange_code(std::string_view, std::string_view,
                                                                          const crypto::SecretBytes&) override {
    return error();
  }
  boost::system::result<oauth::TokenSet, oauth::OAuthError> refresh(const crypto::SecretBytes&) override { return error(); }
  boost::system::result<void, oauth::OAuthError> revoke(const crypto::SecretBytes&, std::string_view) override {
    return error();
  }
  boost::system::result<oauth::Introspection, oauth::OAuthError> introspect(const crypto::SecretBytes&,
                                                                            std::string_view) override {
    return error();
  }

 private:
  oauth::OAuthError error() const {
    oauth::OAuthError refused;
    refused.kind = oauth::ErrorKind::not_supported;
    refused.description = why_;
    return refused;
  }
  std::string why_;
};

}  // namespace

std::unique_ptr<OAuthFlow> start_oauth(const Options& options, kube::Api& api, KeyManager& keys, EventSink& events,
                                       WallClock clock) {
  if (options.oauth_external_url.empty()) {
    log::info("oauth flow off (no --oauth-external-url)");
    return nullptr;
  }
  boost::system::result<crypto::SecretBytes, std::string> key{boost::system::in_place_error, std::string("not tried")};
  for (int attempt = 0; attempt < 30; ++attempt) {
    key = load_state_key(api, options.namespace_);
    if (key) break;
    log::warn("oauth state key unavailable; retrying", {{"reason", json::value(key.error())}});
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (!key) {
    log::error("oauth flow off: the state key is unavailable", {{"reason", json::value(key.error())}});
    return nullptr;
  }
  http::ClientOptions client_options;
  client_options.tls.ca_file = options.oauth_ca_file;
  client_options.total_timeout = options.oauth_provider_timeout;
  client_options.connect_timeout = options.oauth_provider_timeout;
  auto client = http::Client::create(client_options);
  if (!client) throw std::runtime_error("oauth http client: " + client.error().message);
  std::shared_ptr<http::Client> shared_client = std::move(*client);

  auto flow = std::make_unique<OAuthFlow>();
  flow->codec.emplace(std::move(*key), std::chrono::duration_cast<std::chrono::seconds>(options.oauth_state_lifetime));
  flow->authorizer = std::make_unique<Authorizer>(*flow->codec, flow->used,
                                                  OAuthSettings{redirect_uri_from_external_url(options.oauth_external_url)},
                                                  clock);
  const auto timeout = options.oauth_provider_timeout;
  const packs::EndpointPolicy policy{options.allow_insecure_loopback_endpoints};
  ProviderFactory providers = [shared_client, timeout, policy](oauth::ProviderEndpoints endpoints,
                                                               oauth::ClientCredentials credentials) {
    static oauth::SystemClock system_clock;
    // At use, whatever was validated or sealed before: no credential goes to an endpoint that
    // is not https (or loopback http with the test flag).
    for (const std::string* url : {&endpoints.token_url, &endpoints.revocation_url}) {
      if (url->empty()) continue;
      if (auto problem = packs::endpoint_problem(*url, policy)) {
        log::warn("oauth endpoint refused", {{"origin", json::value(packs::origin_of(*url))}, {"problem", json::value(*problem)}});
        return std::unique_ptr<oauth::OAuthProvider>(
            std::make_unique<RefusedEndpoint>("the endpoint " + packs::origin_of(*url) + " " + *problem));
      }
    }
    return std::unique_ptr<oauth::OAuthProvider>(std::make_unique<oauth::HttpProvider>(
        std::move(endpoints), std::move(credentials), oauth::make_http_transport(shared_client, timeout), system_clock));
  };
  flow->revoker = std::make_unique<Revoker>(api, providers, options.oauth_revoke_attempts);
  OperatorRefreshOptions refresh_options;
  refresh_options.min_skew = std::chrono::duration_cast<std::chrono::seconds>(options.oauth_refresh_min_skew);
  refresh_options.lease_duration =
      std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(options.oauth_lease_duration));
  flow->refresher = std::make_unique<OperatorRefresher>(
      api, keys, providers, (options.identity.empty() ? std::string("dragops-operator") : options.identity) + "-refresher",
      refresh_options);
  flow->callback = std::make_unique<OAuthCallback>(api, keys, events, *flow->authorizer, flow->used, std::move(providers),
                                                   std::move(clock));
  if (!options.oauth_callback_addr.empty()) {
    http::ServerOptions server_options;
    server_options.listen = {options.oauth_callback_addr};
    server_options.threads = 2;
    auto* callback = flow->callback.get();
    flow->server = std::make_unique<http::Server>(std::move(server_options),
                                                  [callback](const http::Request& r) { return callback->handle(r); });
    if (auto started = flow->server->start(); !started) throw std::runtime_error("oauth callback: " + started.error());
    log::info("listening", {{"endpoint", "oauth-callback"},
                            {"addr", json::value(options.oauth_callback_addr)},
                            {"port", flow->server->ports().at(0)},
                            {"redirectURI", json::value(flow->authorizer->redirect_uri())}});
  }
  return flow;
}

}  // namespace dragops::op
