#include "operator/oauth_revoker.hpp"

#include "oauth/token_items.hpp"

namespace dragops::op {

Revoker::Revoker(kube::Api& api, ProviderFactory providers, int max_attempts, std::chrono::milliseconds first_delay)
    : api_(api), providers_(std::move(providers)), max_attempts_(max_attempts), first_delay_(first_delay) {}

bool Revoker::applies(const packs::Pack& pack) {
  return pack.auth_type == packs::AuthType::oauth2 && pack.oauth && !pack.oauth->revoke_url.empty();
}

RevokeResult Revoker::failed(const std::string& uid, bool retryable, std::string message) {
  std::lock_guard lock(mutex_);
  const int attempt = ++attempts_[uid];
  if (retryable && attempt < max_attempts_) {
    auto delay = first_delay_ * (1LL << std::min(attempt - 1, 5));
    return {RevokeResult::Kind::retry, delay, "revocation at the provider failed (attempt " + std::to_string(attempt) +
                                                  " of " + std::to_string(max_attempts_) + "): " + message};
  }
  attempts_.erase(uid);
  return {RevokeResult::Kind::gave_up, {}, "revocation at the provider given up after " + std::to_string(attempt) +
                                               " attempt(s): " + message};
}

RevokeResult Revoker::revoke(const store::Owner& owner, const ConnectionSpec& spec, const packs::Pack& pack,
                             const store::Plaintexts& tokens) {
  auto refresh = tokens.find(oauth::kRefreshTokenItem);
  auto access = tokens.find(oauth::kAccessTokenItem);
  const bool has_refresh = refresh != tokens.end() && !refresh->second.empty();
  if (!has_refresh && (access == tokens.end() || access->second.empty())) return {};
  if (spec.client_ref.empty()) return failed(owner.uid, false, "spec.oauth.clientRef is not set");
  auto client_object = api_.get(kube::gvr::secrets(), owner.namespace_, spec.client_ref);
  if (!client_object) {
    if (client_object.error().not_found()) return failed(owner.uid, false, "Secret \"" + spec.client_ref + "\" not found");
    return failed(owner.uid, true, "Secret \"" + spec.client_ref + "\" could not be read");
  }
  auto data = decode_secret_data(*client_object);
  auto id = data.find("client_id");
  auto secret = data.find("client_secret");
  if (id == data.end() || secret == data.end())
    return failed(owner.uid, false, "Secret \"" + spec.client_ref + "\" needs client_id and client_secret");
  oauth::ClientCredentials client{std::string(id->second.view()), secret->second, oauth::ClientAuthMethod::client_secret_basic};
  if (auto method = data.find("token_endpoint_auth_method"); method != data.end())
    if (auto parsed = oauth::parse_client_auth_method(method->second.view())) client.method = *parsed;
  auto provider = providers_(oauth::ProviderEndpoints{pack.oauth->token_url, pack.oauth->revoke_url, ""}, std::move(client));
  auto revoked = has_refresh ? provider->revoke(refresh->second, "refresh_token") : provider->revoke(access->second, "access_token");
  if (!revoked) return failed(owner.uid, revoked.error().retryable(), revoked.error().message());
  std::lock_guard lock(mutex_);
  attempts_.erase(owner.uid);
  return {RevokeResult::Kind::done, {}, has_refresh ? "refresh token revoked at the provider" : "access token revoked at the provider"};
}

}  // namespace dragops::op
