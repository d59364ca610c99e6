#pragma once
// The dashboard's request handler: the bundled UI files and a small JSON API under /api/ that
// forwards to the Kubernetes API as the signed-in user (their token, kept in the session).
//
//   POST   /api/session                       {"token"}: signs in (SelfSubjectReview checks it)
//   GET    /api/session                       who is signed in, seconds left
//   DELETE /api/session                       signs out
//   GET    /api/permissions?namespace=NS      SelfSubjectAccessReviews for the UI's actions
//   GET    /api/namespaces                    namespaces the user may list (else forbidden: true)
//   GET    /api/packs                         IntegrationPacks: display name, auth type, fields
//   GET    /api/sealing-key                   the cluster's public sealing key (ConfigMap)
//   GET    /api/connections[?namespace=NS]    summaries; all namespaces when NS is empty
//   GET    /api/connections/NS/NAME           one, with conditions, Events and allowing pods
//   POST   /api/connections/NS                {"name","pack","sealedCredentials"}
//   PATCH  /api/connections/NS/NAME           {"revoked": true} or {"sealedCredentials"}
//   DELETE /api/connections/NS/NAME
//   GET    /api/secrets[?namespace=NS], GET /api/secrets/NS/NAME
//   POST   /api/secrets/NS                    {"name","environments":{env: sealedValue}}
//   PATCH  /api/secrets/NS/NAME               {"environments":{env: sealedValue | null}}
//   DELETE /api/secrets/NS/NAME
//   POST   /api/connections/NS/NAME/authorize  an oauth2 Connection's authorization URL, bound to
//                                             this browser (cookie dragops_oauth, below)
//   GET    /api/oauth/callback-check          whether the operator's callback answers
//   GET    /oauth/callback                    the provider's redirect: forwarded to the operator's
//                                             callback only from the browser that started it
//   GET    /api/sign-in-options               {"oidc": bool}: whether OIDC sign-in is configured
//   GET    /oidc/login                        OIDC sign-in: state, nonce and PKCE verifier kept here
//                                             under a pre-session cookie (dragops_oidc), then 303 to
//                                             the issuer's authorization endpoint
//   GET    /oidc/callback                     the issuer's redirect: state checked against the
//                                             pre-session, the code exchanged, the ID token
//                                             verified and checked by the API server; a session
//                                             holds the ID token, ending no later than its exp
//
// Values reach this server only sealed (the browser seals them to the cluster's key); it never
// logs a body, a header or a token. Errors from the API server are passed on with their status.

#include "kube_call.hpp"
#include "oidc.hpp"
#include "session.hpp"

#include "http/server_types.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dragops::dashboard {

struct Asset {
  std::string_view content_type;
  std::string_view body;
};
// The bundled file at path ("/index.html", "/app.js"), or nullptr.
using AssetLookup = std::function<const Asset*(std::string_view path)>;

struct DashboardOptions {
  std::vector<std::string> allowed_origins;   // empty: the request's own origin (Host)
  bool secure_cookie = true;
  std::string operator_namespace = "dragops-system";   // where ConfigMap dragops-sealing-key is
  // The operator's OAuth callback (its --oauth-callback-addr, e.g.
  // http://dragops-oauth.dragops-system.svc:8443/oauth/callback). Set: the operator's
  // --oauth-external-url is this dashboard's URL, the provider redirects here, and the
  // dashboard forwards a callback only from the browser whose session started that flow.
  std::string oauth_callback_url;
  std::chrono::seconds oauth_binding_lifetime{600};
  // OIDC sign-in (docs/dashboard.md#oidc-sign-in); null when not configured.
  std::shared_ptr<oidc::Client> oidc;
  std::chrono::seconds oidc_login_lifetime{600};
};

// A plain GET (no credential), for the operator's callback.
using HttpGet = std::function<KubeAnswer(const std::string& url)>;

class Dashboard {
 public:
  Dashboard(DashboardOptions options, SessionStore& sessions, KubeCall kube, AssetLookup assets,
            HttpGet forward = {}, SessionStore::Now now = [] { return SteadyClock::now(); });
  http::Response operator()(const http::Request& request);

 private:
  http::Response handle(const http::Request& request);
  http::Response api(const http::Request& request, std::string_view path, std::string_view query);
  http::Response authorize(std::string_view token, std::string_view ns, std::string_view name);
  http::Response oauth_callback(const http::Request& request, std::string_view query);
  http::Response oidc_login();
  http::Response oidc_callback(const http::Request& request, std::string_view query);

  struct Binding {
    std::string cookie_hash;   // SHA-256 of the dragops_oauth cookie's value
    std::string ns, name;
    SteadyClock::time_point expires;
  };

  DashboardOptions options_;
  SessionStore& sessions_;
  KubeCall kube_;
  AssetLookup assets_;
  HttpGet forward_;
  SessionStore::Now now_;
  std::mutex bindings_mutex_;
  std::map<std::string, Binding, std::less<>> bindings_;   // by OAuth state

  struct LoginAttempt {   // an OIDC sign-in under way, keyed by SHA-256 of its cookie
    std::string state, nonce;
    crypto::SecretBytes verifier;
    SteadyClock::time_point expires;
  };
  std::mutex logins_mutex_;
  std::map<std::string, LoginAttempt, std::less<>> logins_;
};

inline constexpr std::string_view kOAuthCookie = "dragops_oauth";
inline constexpr std::string_view kOidcCookie = "dragops_oidc";

// Kubernetes names: a DNS-1123 label (namespaces) and subdomain (objects).
bool is_dns1123_label(std::string_view text);
bool is_dns1123_subdomain(std::string_view text);

}  // namespace dragops::dashboard
