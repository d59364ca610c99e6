#include "operator/oauth_callback.hpp"

#include "common/log.hpp"
#include "oauth/pkce.hpp"
#include "oauth/time_format.hpp"
#include "oauth/token_items.hpp"
#include "operator/reasons.hpp"
#include "operator/status.hpp"
#include "store/json_access.hpp"
#include "store/manifest.hpp"
#include "store/store_object.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

namespace {

std::string escape_html(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Only [A-Za-z0-9_.-] of a provider's error code reaches status (it came through the browser).
std::string printable_code(std::string_view code) {
  std::string out;
  for (char c : code.substr(0, 64))
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')
      out += c;
  return out.empty() ? "unknown" : out;
}

std::string connection_label(const json::object& connection) {
  return std::string(meta_string(connection, "namespace")) + "/" + std::string(meta_string(connection, "name"));
}

}  // namespace

RefreshClient refresh_client_of(const packs::Pack& pack, const oauth::ClientCredentials& client) {
  return RefreshClient{pack.oauth ? pack.oauth->token_url : std::string(), client};
}

void put_refresh_client_items(store::Plaintexts& items, const RefreshClient& refresh_client) {
  items.insert_or_assign("oauth_client_id", crypto::SecretBytes::from_string(refresh_client.client.client_id));
  items.insert_or_assign("oauth_client_secret", refresh_client.client.client_secret);
  items.insert_or_assign("oauth_token_url", crypto::SecretBytes::from_string(refresh_client.token_url));
  items.insert_or_assign("oauth_client_auth",
                         crypto::SecretBytes::from_string(oauth::to_string(refresh_client.client.method)));
}

http::Response html_page(int status, std::string_view title, std::string_view text) {
  http::Response response;
  response.status = status;
  response.set_header("Content-Type", "text/html; charset=utf-8");
  response.set_header("Cache-Control", "no-store");
  response.set_header("Referrer-Policy", "no-referrer");
  response.body = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + escape_html(title) +
                  "</title></head>\n<body><h1>" + escape_html(title) + "</h1>\n<p>" + escape_html(text) +
                  "</p></body></html>\n";
  return response;
}

OAuthCallback::OAuthCallback(kube::Api& api, KeyManager& keys, EventSink& events, const Authorizer& authorizer,
                             UsedNonces& used, ProviderFactory providers, WallClock clock)
    : api_(api),
      keys_(keys),
      events_(events),
      authorizer_(authorizer),
      used_(used),
      providers_(std::move(providers)),
      clock_(std::move(clock)) {}

http::Response OAuthCallback::reject(const json::object& connection, std::string_view reason, const std::string& message,
                                     int http_status) {
  events_.emit(connection, EventSpec{"Warning", std::string(reason), message});
  auto status = parse_status(connection);
  const auto* ready = status.condition(condition::kReady);
  if (!(ready && ready->status == "True")) {
    std::int64_t generation = 0;
    if (const auto* metadata = object_at(connection, "metadata"))
      if (auto it = metadata->find("generation"); it != metadata->end() && it->value().is_int64())
        generation = it->value().get_int64();
    set_condition(status.conditions,
                  Condition{std::string(condition::kReady), "False", std::string(reason), message, generation, {}},
                  format_time(clock_()));
    json::object patch{{"status", to_json(status)}};
    auto patched = api_.patch(kube::gvr::connections(), meta_string(connection, "namespace"),
                              meta_string(connection, "name"), kube::PatchType::merge, json::serialize(patch), "status");
    if (!patched)
      log::warn("oauth callback: status not written",
                {{"connection", json::value(connection_label(connection))}, {"reason", json::value(patched.error().reason)}});
  }
  log::warn("oauth callback rejected", {{"connection", json::value(connection_label(connection))},
                                        {"reason", json::value(reason)},
                                        {"message", json::value(message)}});
  return html_page(http_status, reason == reason::kAuthorizationDenied ? "Authorization denied" : "Authorization failed",
                   message + " Nothing was stored.");
}

std::optional<json::object> OAuthCallback::claim(const json::object& connection, const std::string& state) {
  json::object current = connection;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (state_of_url(parse_status(current).authorization_url) != state) return std::nullopt;
    json::object patch{{"metadata", json::object{{"resourceVersion", meta_string(current, "resourceVersion")}}},
                       {"status", json::object{{"authorizationURL", nullptr}}}};
    auto patched = api_.patch(kube::gvr::connections(), meta_string(current, "namespace"), meta_string(current, "name"),
                              kube::PatchType::merge, json::serialize(patch), "status");
    if (patched) return std::move(*patched);
    if (!patched.error().conflict()) return std::nullopt;
    auto fresh = api_.get(kube::gvr::connections(), meta_string(current, "namespace"), meta_string(current, "name"));
    if (!fresh) return std::nullopt;
    current = std::move(*fresh);
  }
  return std::nullopt;
}

http::Response OAuthCallback::handle(const http::Request& request) {
  auto target = boost::urls::parse_origin_form(request.target);
  if (!target) return html_page(400, "Bad request", "The request target does not parse.");
  const auto redirect = boost::urls::parse_uri(authorizer_.redirect_uri());
  const std::string path = target->path();
  if (path != kCallbackPath && !(redirect && path == std::string(redirect->path())))
    return html_page(404, "Not found", "Nothing is served here.");
  if (request.method != "GET") return html_page(405, "Method not allowed", "Use GET.");

  std::string state, code, error, issuer;
  for (const auto& param : target->params()) {
    if (param.key == "state") state = param.value;
    else if (param.key == "code") code = param.value;
    else if (param.key == "error") error = param.value;
    else if (param.key == "iss") issuer = param.value;
  }
  // The code is a credential: wiped from our copy when we leave.
  struct Wipe {
    std::string& text;
    ~Wipe() { std::fill(text.begin(), text.end(), '\0'); }
  } wipe_code{code};

  if (state.empty()) return html_page(400, "Authorization failed", "The callback carries no state parameter.");
  const auto now = clock_();
  const auto& codec = authorizer_.codec();
  auto claims = codec.verify(state, now);
  if (!claims) {
    if (claims.error() == oauth::StateError::expired) {
      // The signature is good, so the Connection it names is known: tell it.
      if (auto stale = codec.verify(state, oauth::SystemTime{}))
        if (auto connection = api_.get(kube::gvr::connections(), stale->namespace_, stale->name))
          if (meta_string(*connection, "uid") == stale->uid)
            return reject(*connection, reason::kAuthorizationFailed,
                          "The authorization link expired; open the new status.authorizationURL.", 400);
      return html_page(400, "Authorization failed", "The authorization link expired. Nothing was stored.");
    }
    log::warn("oauth callback: state rejected", {{"error", json::value(oauth::to_string(claims.error()))}});
    return html_page(400, "Authorization failed", "The authorization link is not valid. Nothing was stored.");
  }
  auto connection = api_.get(kube::gvr::connections(), claims->namespace_, claims->name);
  if (!connection) {
    if (connection.error().not_found())
      return html_page(400, "Authorization failed", "The connection no longer exists. Nothing was stored.");
    return html_page(503, "Try again", "The Kubernetes API could not be reached. Nothing was stored.");
  }
  if (!oauth::check_bound(*claims, meta_string(*connection, "uid")))
    return html_page(400, "Authorization failed", "The link belongs to an earlier connection of that name. Nothing was stored.");
  // Used once, across restarts and replicas: the state must be the one status publishes now, and
  // taking it out of status (with a resourceVersion precondition) is what consumes it.
  auto claimed = claim(*connection, state);
  if (!claimed || !oauth::consume(*claims, used_, now))
    return reject(claimed ? *claimed : *connection, reason::kAuthorizationFailed,
                  "The authorization link was already used or replaced; open the new status.authorizationURL.", 400);
  *connection = std::move(*claimed);
  if (!error.empty()) {
    if (error == "access_denied")
      return reject(*connection, reason::kAuthorizationDenied,
                    "Consent was denied at the provider (access_denied); open status.authorizationURL to try again.", 400);
    return reject(*connection, reason::kAuthorizationFailed,
                  "The provider answered error=" + printable_code(error) + "; open status.authorizationURL to try again.", 400);
  }
  if (code.empty())
    return reject(*connection, reason::kAuthorizationFailed, "The callback carries neither code nor error.", 400);
  return complete(*connection, code, claims->nonce, issuer);
}

http::Response OAuthCallback::complete(const json::object& connection, const std::string& code, const std::string& nonce,
                                       const std::string& issuer) {
  auto resource = parse_resource(connection, store::Kind::connection);
  if (!resource) return reject(connection, reason::kAuthorizationFailed, "The connection is malformed.", 400);
  if (resource->deleting || resource->revoked)
    return reject(connection, reason::kAuthorizationFailed, "The connection is being deleted or is revoked.", 400);
  const auto& ns = resource->owner.namespace_;
  const auto spec = parse_connection_spec(connection);

  auto pack_object = api_.get(kube::gvr::integration_packs(), "", spec.pack);
  if (!pack_object)
    return reject(connection, reason::kAuthorizationFailed, "IntegrationPack \"" + spec.pack + "\" could not be read.", 400);
  auto pack = packs::parse_pack(*pack_object);
  if (!pack || !pack->oauth)
    return reject(connection, reason::kAuthorizationFailed, "IntegrationPack \"" + spec.pack + "\" is not a usable oauth2 pack.", 400);
  // RFC 9207: a response from another provider (a mix-up attack) must not have its code sent to
  // this pack's token endpoint. Checked before anything else reads the code.
  if (!pack->oauth->issuer.empty() && issuer != pack->oauth->issuer)
    return reject(connection, reason::kAuthorizationFailed,
                  issuer.empty() ? "The authorization response carries no iss parameter, but IntegrationPack \"" + spec.pack +
                                       "\" names an issuer (RFC 9207); nothing was stored."
                                 : "The authorization response names another issuer (iss) than IntegrationPack \"" + spec.pack +
                                       "\" does (RFC 9207); nothing was stored.",
                  400);
  if (spec.client_ref.empty())
    return reject(connection, reason::kAuthorizationFailed, "spec.oauth.clientRef is required.", 400);
  auto client_object = api_.get(kube::gvr::secrets(), ns, spec.client_ref);
  if (!client_object)
    return reject(connection, reason::kAuthorizationFailed, "Secret \"" + spec.client_ref + "\" could not be read.", 400);
  auto client_data = decode_secret_data(*client_object);
  auto id = client_data.find("client_id");
  auto secret = client_data.find("client_secret");
  if (id == client_data.end() || secret == client_data.end() || id->second.empty())
    return reject(connection, reason::kAuthorizationFailed,
                  "Secret \"" + spec.client_ref + "\" needs the keys client_id and client_secret.", 400);
  oauth::ClientCredentials client{std::string(id->second.view()), secret->second, oauth::ClientAuthMethod::client_secret_basic};
  if (auto method = client_data.find("token_endpoint_auth_method"); method != client_data.end()) {
    auto parsed = oauth::parse_client_auth_method(method->second.view());
    if (!parsed)
      return reject(connection, reason::kAuthorizationFailed,
                    "token_endpoint_auth_method must be client_secret_basic or client_secret_post.", 400);
    client.method = *parsed;
  }

  const auto refresh_client = refresh_client_of(*pack, client);
  const auto& codec = authorizer_.codec();
  auto provider = providers_(oauth::ProviderEndpoints{pack->oauth->token_url, pack->oauth->revoke_url, ""}, std::move(client));
  // The verifier comes from the nonce of the state this callback carried (checked by handle()).
  crypto::SecretBytes verifier;
  if (pack->oauth->pkce) verifier = oauth::derive_pkce(codec.key(), nonce).verifier;
  auto tokens = provider->exchange_code(code, authorizer_.redirect_uri(), verifier);
  if (!tokens)
    return reject(connection, reason::kAuthorizationFailed, "The token exchange failed: " + tokens.error().message(), 502);

  auto ring = keys_.ring(ns);
  if (!ring) return reject(connection, reason::kAuthorizationFailed, "The namespace's key ring is unavailable.", 503);
  store::Store sealed;
  sealed.owner = resource->owner;
  sealed.key_version = (*ring)->primary();
  sealed.pack = pack->name;
  sealed.auth_type = std::string(packs::to_string(packs::AuthType::oauth2));
  sealed.expires_at = oauth::expires_at_annotation(*tokens);
  sealed.generation = resource->generation;
  sealed.token_field = std::string(oauth::kAccessTokenItem);
  sealed.obtained_at = tokens->obtained_at ? oauth::format_rfc3339(*tokens->obtained_at) : std::string();
  sealed.serial = store::next_serial(0);   // the wall clock: above any serial written before
  oauth::TokenItems items;
  oauth::put_token_items(*tokens, items);
  put_refresh_client_items(items, refresh_client);
  sealed.envelopes = store::seal_items(**ring, sealed.owner, items);
  auto object = store::build_store_object(sealed, **ring);
  const auto name = store::store_name(store::Kind::connection, resource->owner.name);
  auto existing = api_.get(kube::gvr::secrets(), ns, name);
  kube::Result<json::object> written = existing ? [&] {
    object["metadata"].as_object()["resourceVersion"] = meta_string(*existing, "resourceVersion");
    return api_.update(kube::gvr::secrets(), ns, object);
  }()
                                                : api_.create(kube::gvr::secrets(), ns, object);
  if (!written)
    return reject(connection, reason::kAuthorizationFailed, "The tokens could not be stored: " + written.error().reason + ".", 503);
  events_.emit(connection, EventSpec{"Normal", "Authorized", "authorization completed; token set sealed"});
  log::info("oauth authorization completed", {{"connection", json::value(connection_label(connection))}});
  return html_page(200, "Connection authorized",
                   "The connection " + connection_label(connection) + " is authorized. You can close this window.");
}

}  // namespace dragops::op
