#include "operator/oauth_authorizer.hpp"

#include "crypto/base64.hpp"
#include "crypto/random.hpp"
#include "oauth/authorization_url.hpp"
#include "oauth/pkce.hpp"
#include "store/json_access.hpp"
#include "store/names.hpp"

#include <boost/url/parse.hpp>

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

namespace {

constexpr std::string_view kStateKeyItem = "key";

boost::system::result<crypto::SecretBytes, std::string> key_of(const json::object& secret) {
  auto data = decode_secret_data(secret);
  auto it = data.find(kStateKeyItem);
  if (it == data.end() || it->second.size() < oauth::kStateKeyMinSize)
    return {boost::system::in_place_error, "Secret " + std::string(kStateKeySecret) + " has no usable key"};
  return std::move(it->second);
}

}  // namespace

boost::system::result<crypto::SecretBytes, std::string> load_state_key(kube::Api& api, const std::string& operator_namespace) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto found = api.get(kube::gvr::secrets(), operator_namespace, kStateKeySecret);
    if (found) return key_of(*found);
    if (!found.error().not_found())
      return {boost::system::in_place_error, "reading Secret " + std::string(kStateKeySecret) + ": " + found.error().reason};
    crypto::SecretBytes key(32);
    crypto::random_bytes(key.span());
    json::object secret{
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"type", kStateKeyType},
        {"metadata", json::object{{"name", kStateKeySecret},
                                  {"namespace", operator_namespace},
                                  {"labels", json::object{{store::kManagedByLabel, store::kManagedByValue}}}}},
        {"data", json::object{{kStateKeyItem, crypto::base64_encode(key.span())}}}};
    auto created = api.create(kube::gvr::secrets(), operator_namespace, secret);
    if (created) return key;
    if (!created.error().already_exists())   // else another replica won: read its key
      return {boost::system::in_place_error, "creating Secret " + std::string(kStateKeySecret) + ": " + created.error().reason};
  }
  return {boost::system::in_place_error, "Secret " + std::string(kStateKeySecret) + " could not be read or created"};
}

std::string redirect_uri_from_external_url(std::string_view external_url) {
  auto url = boost::urls::parse_uri(external_url);
  if (!url) return std::string(external_url);
  if (url->path().empty() || url->path() == "/") {
    std::string out(external_url);
    while (!out.empty() && out.back() == '/') out.pop_back();
    return out + std::string(kCallbackPath);
  }
  return std::string(external_url);
}

bool UsedNonces::try_consume(std::string_view nonce, std::chrono::system_clock::time_point expires_at,
                             std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::erase_if(used_, [&](const auto& entry) { return entry.second <= now; });
  return used_.emplace(std::string(nonce), expires_at).second;
}

bool UsedNonces::used(std::string_view nonce) const {
  std::lock_guard lock(mutex_);
  return used_.find(nonce) != used_.end();
}

std::string state_of_url(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return {};
  auto params = parsed->params();
  auto it = params.find("state");
  if (it == params.end()) return {};
  return std::string((*it).value);
}

Authorizer::Authorizer(const oauth::StateCodec& codec, const UsedNonces& used, OAuthSettings settings, WallClock clock)
    : codec_(codec), used_(used), settings_(std::move(settings)), clock_(std::move(clock)) {}

AuthorizationOffer Authorizer::offer(const Resource& resource, const ConnectionSpec& spec, const packs::Pack& pack,
                                     const ReferencedSecrets& secrets) const {
  AuthorizationOffer out;
  if (settings_.redirect_uri.empty()) {
    out.problem = "the operator has no --oauth-external-url (callback) configured";
    return out;
  }
  if (!pack.oauth) {
    out.problem = "pack \"" + pack.name + "\" has no oauth endpoints";
    return out;
  }
  if (spec.client_ref.empty()) {
    out.problem = "spec.oauth.clientRef is required for an oauth2 pack";
    return out;
  }
  auto client = secrets.find(spec.client_ref);
  if (client == secrets.end() || !client->second) {
    out.problem = "Secret \"" + spec.client_ref + "\" (spec.oauth.clientRef) not found";
    return out;
  }
  auto client_id = client->second->find("client_id");
  if (client_id == client->second->end() || client_id->second.empty()) {
    out.problem = "Secret \"" + spec.client_ref + "\" has no key \"client_id\"";
    return out;
  }

  oauth::AuthorizationRequest request;
  request.authorize_url = pack.oauth->authorize_url;
  request.client_id = std::string(client_id->second.view());
  request.redirect_uri = settings_.redirect_uri;
  request.scopes = spec.scopes.empty() ? pack.oauth->default_scopes : spec.scopes;
  for (const auto& [name, value] : pack.oauth->extra_authorize_params) request.extra_params.emplace_back(name, value);
  auto build = [&](const std::string& state, std::string_view nonce) {
    request.state = state;
    request.code_challenge = pack.oauth->pkce ? oauth::derive_pkce(codec_.key(), nonce).challenge : std::string();
    return oauth::build_authorization_url(request);
  };

  const auto now = clock_();
  const auto margin = codec_.lifetime() / 10;
  const auto& current = resource.status.authorization_url;
  if (const auto state = state_of_url(current); !state.empty()) {
    auto claims = codec_.verify(state, now);
    if (claims && claims->uid == resource.owner.uid && claims->namespace_ == resource.owner.namespace_ &&
        claims->name == resource.owner.name && !used_.used(claims->nonce) && claims->expires_at - margin > now) {
      auto same = build(state, claims->nonce);
      if (same && *same == current) {
        out.url = current;
        out.renew_after = std::chrono::duration_cast<std::chrono::seconds>(claims->expires_at - margin - now) +
                          std::chrono::seconds(1);
        return out;
      }
    }
  }
  auto issued = codec_.issue(resource.owner.namespace_, resource.owner.name, resource.owner.uid, now);
  auto url = build(issued.token, issued.claims.nonce);
  if (!url) {
    out.problem = "pack \"" + pack.name + "\" authorizeURL is not a usable http(s) URL";
    return out;
  }
  out.url = std::move(*url);
  out.renew_after = std::chrono::duration_cast<std::chrono::seconds>(issued.claims.expires_at - margin - now) +
                    std::chrono::seconds(1);
  return out;
}

}  // namespace dragops::op
