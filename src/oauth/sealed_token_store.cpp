#include "oauth/sealed_token_store.hpp"

#include "common/log.hpp"
#include "oauth/time_format.hpp"
#include "oauth/token_items.hpp"
#include "store/manifest.hpp"

namespace dragops::oauth {

namespace {

StoreError from_status(const kube::Status& status) {
  if (status.not_found()) return StoreError::not_found;
  if (status.conflict()) return StoreError::conflict;
  return StoreError::unavailable;
}

std::string resource_version_of(const boost::json::object& object) {
  const auto* metadata = object.if_contains("metadata");
  const auto* rv = metadata && metadata->is_object() ? metadata->as_object().if_contains("resourceVersion") : nullptr;
  return rv && rv->is_string() ? std::string(rv->get_string()) : std::string();
}

}  // namespace

SealedTokenStore::SealedTokenStore(kube::Api& api, store::Owner owner, KeyringSource keyring)
    : api_(api), owner_(std::move(owner)), keyring_(std::move(keyring)) {}

boost::system::result<SealedTokenStore::Loaded, StoreError> SealedTokenStore::load() {
  const std::string name = store::store_name(owner_.kind, owner_.name);
  auto object = api_.get(kube::gvr::secrets(), owner_.namespace_, name);
  if (!object) return from_status(object.error());
  auto parsed = store::parse_store(*object);
  if (!parsed) {
    log::warn("oauth token store unreadable", {{"store", boost::json::value(name)},
                                               {"reason", boost::json::value(parsed.error())}});
    return StoreError::unavailable;
  }
  if (parsed->owner.uid != owner_.uid) return StoreError::not_found;
  auto keyring = keyring_();
  if (!keyring) return StoreError::unavailable;
  // The expiry, token field and serial come from the sealed manifest, not from annotations. A
  // store an older operator wrote has none: read it as it is (the reconciler re-seals it), and
  // the write below adds one.
  if (auto manifest = store::authenticate(*parsed, *keyring); !manifest && !parsed->manifest.empty()) {
    log::warn("oauth token store manifest does not open", {{"store", boost::json::value(name)},
                                                           {"reason", boost::json::value(manifest.error().message)}});
    return StoreError::unavailable;
  }
  auto items = store::open_items(*parsed, *keyring);
  if (!items) {
    log::warn("oauth token store does not open", {{"store", boost::json::value(name)},
                                                  {"item", boost::json::value(items.error().item)},
                                                  {"reason", boost::json::value(items.error().message)}});
    return StoreError::unavailable;
  }
  return Loaded{std::move(*parsed), std::move(*items), resource_version_of(*object), std::move(keyring)};
}

boost::system::result<StoredTokens, StoreError> SealedTokenStore::read() {
  auto loaded = load();
  if (!loaded) return loaded.error();
  auto tokens = token_set_from_items(loaded->items, loaded->store.expires_at);
  if (!tokens) return StoreError::not_found;  // no tokens yet: awaiting authorization
  return StoredTokens{std::move(*tokens), std::move(loaded->resource_version)};
}

boost::system::result<std::string, StoreError> SealedTokenStore::write(const TokenSet& tokens,
                                                                       std::string_view expected_resource_version) {
  auto loaded = load();
  if (!loaded) return loaded.error();
  if (loaded->resource_version != expected_resource_version) return StoreError::conflict;
  put_token_items(tokens, loaded->items);
  store::Store updated = loaded->store;
  updated.envelopes = store::seal_items(*loaded->keyring, updated.owner, loaded->items);
  updated.key_version = loaded->keyring->primary();
  updated.expires_at = expires_at_annotation(tokens);
  updated.obtained_at = tokens.obtained_at ? format_rfc3339(*tokens.obtained_at) : std::string();
  if (updated.token_field.empty()) updated.token_field = std::string(kAccessTokenItem);
  updated.serial = store::next_serial(updated.serial);
  boost::json::object object = store::build_store_object(updated, *loaded->keyring);
  object["metadata"].as_object()["resourceVersion"] = std::string(expected_resource_version);
  auto written = api_.update(kube::gvr::secrets(), owner_.namespace_, object);
  if (!written) return from_status(written.error());
  return resource_version_of(*written);
}

}  // namespace dragops::oauth
