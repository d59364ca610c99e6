#include "operator/oauth_refresher.hpp"

#include "common/log.hpp"

namespace dragops::op {
namespace json = boost::json;

OperatorRefresher::OperatorRefresher(kube::Api& api, KeyManager& keys, ProviderFactory providers, std::string identity,
                                     OperatorRefreshOptions options)
    : api_(api), keys_(keys), providers_(std::move(providers)), identity_(std::move(identity)), options_(options) {}

void OperatorRefresher::forget(const std::string& uid) {
  std::lock_guard lock(mutex_);
  entries_.erase(uid);
}

std::optional<RefreshObservation> OperatorRefresher::tend(const store::Owner& owner, const store::Plaintexts& opened) {
  auto item = [&](std::string_view name) -> const crypto::SecretBytes* {
    auto it = opened.find(name);
    return it == opened.end() ? nullptr : &it->second;
  };
  const auto* token_url = item("oauth_token_url");
  const auto* client_id = item("oauth_client_id");
  const auto* client_secret = item("oauth_client_secret");
  if (!token_url || !client_id || !client_secret || !item("refresh_token")) return std::nullopt;

  std::shared_ptr<Entry> entry;
  {
    std::lock_guard lock(mutex_);
    auto& slot = entries_[owner.uid];
    const auto* client_auth = item("oauth_client_auth");
    const std::string auth = client_auth ? std::string(client_auth->view()) : std::string();
    if (!slot || slot->token_url != token_url->view() || slot->client_id != client_id->view() ||
        !slot->client_secret.equals(*client_secret) || slot->client_auth != auth) {
      slot = std::make_shared<Entry>();
      slot->token_url = std::string(token_url->view());
      slot->client_id = std::string(client_id->view());
      slot->client_secret = *client_secret;
      slot->client_auth = auth;
      oauth::ClientCredentials client{slot->client_id, *client_secret, oauth::ClientAuthMethod::client_secret_basic};
      if (client_auth)
        if (auto parsed = oauth::parse_client_auth_method(auth)) client.method = *parsed;
      const auto ns = owner.namespace_;
      slot->store = std::make_unique<oauth::SealedTokenStore>(api_, owner, [this, ns]() -> std::shared_ptr<const crypto::Keyring> {
        auto ring = keys_.ring(ns);
        return ring ? *ring : nullptr;
      });
      slot->provider = providers_(oauth::ProviderEndpoints{slot->token_url, "", ""}, std::move(client));
      oauth::CoordinatorOptions coordinator_options;
      coordinator_options.policy.min_skew = options_.min_skew;
      coordinator_options.policy.skew_fraction = options_.skew_fraction;
      coordinator_options.lease.holder_identity = identity_;
      coordinator_options.lease.lease_duration = options_.lease_duration;
      coordinator_options.lease.max_trusted_duration = options_.lease_duration;
      coordinator_options.lease_wait_timeout = options_.lease_wait;
      slot->coordinator = std::make_unique<oauth::RefreshCoordinator>(
          *slot->store, *slot->provider, api_, clock_,
          [this] {
            std::lock_guard random_lock(mutex_);
            return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
          },
          owner.namespace_, owner.name, coordinator_options);
    }
    entry = slot;
  }
  auto outcome = entry->coordinator->refresh_if_due();
  if (outcome.result == oauth::RefreshResult::refreshed)
    log::info("oauth tokens refreshed by the operator",
              {{"namespace", json::value(owner.namespace_)}, {"name", json::value(owner.name)},
               {"before_expiry_ms", outcome.lead ? json::value(outcome.lead->count()) : json::value(nullptr)}});
  else if (outcome.result == oauth::RefreshResult::failed)
    log::warn("oauth refresh failed", {{"namespace", json::value(owner.namespace_)},
                                       {"name", json::value(owner.name)},
                                       {"reason", json::value(outcome.reason)},
                                       {"message", json::value(outcome.message)}});
  RefreshObservation observed;
  if (outcome.result == oauth::RefreshResult::failed) {
    observed.ok = false;
    observed.reason = outcome.reason.empty() ? std::string(oauth::reason::kRefreshFailed) : std::string(outcome.reason);
    observed.message = outcome.message;
    if (outcome.next_check) observed.message += "; next attempt at " + format_time(*outcome.next_check);
  } else {
    observed.reason = std::string(oauth::reason::kRefreshed);
    observed.message = "tokens are refreshed before they expire";
  }
  if (outcome.next_check) {
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(*outcome.next_check - clock_.now());
    observed.next_check = std::clamp(delay, std::chrono::milliseconds(200), std::chrono::milliseconds(3'600'000));
  }
  return observed;
}

}  // namespace dragops::op
