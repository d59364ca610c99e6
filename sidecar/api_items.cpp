// The two credential routes of ApiHandler: state checks, per-request decryption and the body.
#include "api_handler.hpp"

#include "json_text.hpp"

#include "common/log.hpp"
#include "crypto/envelope.hpp"
#include "crypto/envelope_keys.hpp"
#include "oauth/refresh_policy.hpp"
#include "store/manifest.hpp"

#include <chrono>

namespace dragops::sidecar {

namespace json = boost::json;

namespace {

std::string_view string_at(const json::object& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || !it->value().is_string()) return {};
  return it->value().get_string();
}

std::string_view annotation(const json::object& store_object, std::string_view key) {
  auto metadata = store_object.find("metadata");
  if (metadata == store_object.end() || !metadata->value().is_object()) return {};
  auto annotations = metadata->value().get_object().find("annotations");
  if (annotations == metadata->value().get_object().end() || !annotations->value().is_object()) return {};
  return string_at(annotations->value().get_object(), key);
}

struct Opened {
  std::string item;
  crypto::SecretBytes value;
};

// An error answer that also records its code as the request's audit outcome.
http::Response refuse(std::string_view& outcome, int status, std::string_view code, std::string_view message, int retry = 0) {
  outcome = code;
  auto response = error_response(status, code, message);
  if (retry > 0) response.set_header("Retry-After", std::to_string(retry));
  return response;
}

}  // namespace

// Checks that the cache may answer for this item now; on failure returns the error to send.
static std::optional<http::Response> refuse_unless_servable(const std::optional<StoreEntry>& entry, Clock::time_point now,
                                                            std::chrono::milliseconds stale_after,
                                                            std::string_view& outcome) {
  auto fail = [&](int status, std::string_view code, std::string_view message, int retry) {
    return std::optional<http::Response>(refuse(outcome, status, code, message, retry));
  };
  if (!entry || entry->presence == StoreEntry::Presence::unknown) {
    return fail(503, "not_ready", "the sidecar has not synced this item yet", 1);
  }
  if (entry->unconfirmed_since && now - *entry->unconfirmed_since > stale_after) {
    return fail(503, "stale", "the Kubernetes API has been unreachable for longer than DRAGOPS_STALE_AFTER", 5);
  }
  if (entry->presence == StoreEntry::Presence::absent) return fail(404, "not_found", "no such item in this namespace", 0);
  if (annotation(*entry->object, "dragops.io/revoked") == "true") return fail(404, "revoked", "this item has been revoked", 0);
  return std::nullopt;
}

// The entry's sealed manifest, opened with the ring, and the owner it binds (the UID is the
// controller ownerReference's, never an annotation). The error is the reason, never a value.
// An opened manifest is kept per item while the cached object and the ring stay the same (it holds
// no secret: item names, times, the token field), so a request pays for one open, not two.
boost::system::result<std::shared_ptr<const Authenticated>, Unauthenticated> ApiHandler::authenticate(
    const StoreEntry& entry, const std::shared_ptr<const crypto::Keyring>& ring, Kind kind, const std::string& name) const {
  {
    std::lock_guard lock(manifests_mutex_);
    const auto it = manifests_.find({kind, name});
    if (it != manifests_.end() && it->second.object == entry.object && it->second.keyring == ring) return it->second.value;
  }
  const crypto::Keyring& keyring = *ring;
  const auto store_kind = kind == Kind::connection ? store::Kind::connection : store::Kind::secret;
  auto out = std::make_shared<Authenticated>();
  out->owner = store::Owner{store_kind, config_.pod_namespace, name, store::controller_uid(*entry.object, store_kind)};
  if (out->owner.uid.empty()) return Unauthenticated{"manifest_invalid", "the store object has no controller ownerReference"};
  const auto it = entry.envelopes->find(store::kManifestDataKey);
  if (it == entry.envelopes->end())
    return Unauthenticated{"manifest_invalid",
                           "the store object has no sealed manifest (an older operator wrote it; the operator re-seals it)"};
  auto manifest = store::open_manifest(keyring, out->owner, it->second);
  // One that does not open is answered like a value that does not open: most often the mounted
  // ring is not current yet.
  if (!manifest) return Unauthenticated{"decrypt_failed", std::move(manifest.error())};
  out->manifest = std::move(*manifest);
  std::lock_guard lock(manifests_mutex_);
  manifests_[{kind, name}] = CachedManifest{entry.object, ring, out};
  return std::shared_ptr<const Authenticated>(std::move(out));
}

// A store older than one this sidecar already served (same owner UID, smaller serial) is a
// rollback: refused. Remembers the newest serial per item.
bool ApiHandler::rolled_back(Kind kind, const std::string& name, const Authenticated& authenticated) const {
  std::lock_guard lock(manifests_mutex_);
  auto& [uid, serial] = serials_[{kind, name}];
  if (uid == authenticated.owner.uid && authenticated.manifest.serial < serial) return true;
  uid = authenticated.owner.uid;
  serial = authenticated.manifest.serial;
  return false;
}

// When a servable OAuth access token in this entry expires and when the operator is late with
// its refresh (its latest refresh time: the operator's policy without jitter); nullopt when
// there is none to hold.
std::optional<std::pair<Clock::time_point, Clock::time_point>> ApiHandler::oauth_schedule(
    const std::optional<StoreEntry>& entry, const std::string& name) const {
  if (!entry || entry->presence != StoreEntry::Presence::present || !entry->object) return std::nullopt;
  if (annotation(*entry->object, "dragops.io/revoked") == "true") return std::nullopt;
  auto keyring = cache_.keyring();
  if (!keyring) return std::nullopt;
  auto authenticated = authenticate(*entry, keyring, Kind::connection, name);
  if (!authenticated || (*authenticated)->manifest.auth_type != "oauth2") return std::nullopt;
  Clock::time_point expiry;
  if (!parse_rfc3339((*authenticated)->manifest.expires_at, expiry)) return std::nullopt;
  std::optional<Clock::time_point> obtained;
  if (Clock::time_point at; parse_rfc3339((*authenticated)->manifest.obtained_at, at)) obtained = at;
  oauth::RefreshPolicy policy;
  policy.min_skew = std::chrono::duration_cast<std::chrono::seconds>(config_.refresh_min_skew);
  policy.skew_fraction = oauth::kOperatorSkewFraction;
  const auto due = oauth::refresh_at(policy, obtained, expiry, 0.0);
  return std::make_pair(expiry, due.value_or(expiry));
}

// The cache entry to answer from. An OAuth access token that the operator is late to replace is
// held back until the watch delivers a new one (RefreshGate), for at most the gate's hold; then
// the request gets whatever the cache holds (the old token while it is valid, 503 token_expired
// after).
std::optional<StoreEntry> ApiHandler::entry_to_serve(const std::string& name, Clock::time_point& now) const {
  const auto gate_it = gates_.find(name);
  RefreshGate* gate = gate_it == gates_.end() ? nullptr : gate_it->second.get();
  std::uint64_t seen = gate ? gate->version() : 0;
  auto entry = cache_.find(Kind::connection, name);
  if (!gate) return entry;
  const auto began = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::optional<Clock::time_point> held;
  while (const auto schedule = oauth_schedule(entry, name)) {
    const auto hold = gate->hold(schedule->first, schedule->second, now, seen);
    if (!hold) break;
    const auto steady_now = std::chrono::steady_clock::now();
    const auto hold_deadline = steady_now + (hold->until - now);
    deadline = deadline ? std::min(*deadline, hold_deadline) : hold_deadline;
    if (steady_now >= *deadline) break;
    if (!held) held = schedule->first;
    gate->wait(*hold, *deadline - steady_now);
    seen = gate->version();
    entry = cache_.find(Kind::connection, name);
    now = now_();
  }
  if (held) {
    const auto after = oauth_schedule(entry, name);
    observer_.on_token_held(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(),
                            !after || after->first != *held);
  }
  return entry;
}

http::Response ApiHandler::connection(const std::string& name, bool token_only, AuditRecord& record) const {
  auto now = now_();
  auto entry = entry_to_serve(name, now);
  if (auto refused = refuse_unless_servable(entry, now, config_.stale_after, record.outcome)) return std::move(*refused);
  auto fail = [&](int status, std::string_view code, std::string_view message, int retry = 0) {
    return refuse(record.outcome, status, code, message, retry);
  };
  auto keyring = cache_.keyring();
  if (!keyring) return fail(503, "keyring_unavailable", "the namespace key ring is not loaded", 1);
  // Everything that decides what is served comes from the sealed manifest; the store's
  // annotations are informational and may have been changed by anyone who can write it.
  auto authenticated = authenticate(*entry, keyring, Kind::connection, name);
  if (!authenticated) {
    log::warn("store manifest not authenticated", {{"kind", "Connection"}, {"name", json::string_view(name)},
                                                   {"reason", json::string_view(authenticated.error().reason)}});
    if (authenticated.error().code == "decrypt_failed")
      return fail(503, "decrypt_failed", "a sealed value could not be opened (key ring not current?)", 2);
    return fail(503, "manifest_invalid", "the store has no sealed manifest (an older operator wrote it?)", 2);
  }
  if (rolled_back(Kind::connection, name, **authenticated)) {
    log::warn("store rolled back", {{"kind", "Connection"}, {"name", json::string_view(name)}});
    return fail(503, "rolled_back", "the store is older than one this sidecar has served", 2);
  }
  const store::Manifest& manifest = (*authenticated)->manifest;
  const std::string_view auth_type = manifest.auth_type;
  const std::string_view expires_at = manifest.expires_at;
  if (auth_type == "oauth2" && !expires_at.empty()) {
    Clock::time_point expiry;
    if (!parse_rfc3339(expires_at, expiry) || now >= expiry) {
      return fail(503, "token_expired", "the OAuth access token has expired and has not been refreshed yet", 5);
    }
  }
  const Envelopes& envelopes = *entry->envelopes;
  std::vector<std::string> items;
  if (token_only) {
    std::string field = token_field(manifest, envelopes);
    if (field.empty()) {
      return fail(404, "no_token_field", "this connection has no single token field; use /v1/connections/{name}", 0);
    }
    items.push_back(std::move(field));
  } else {
    // Only what the manifest says is served: never the refresh token or the sealed OAuth client.
    for (const auto& item : manifest.served)
      if (envelopes.contains("field." + item)) items.push_back(item);
  }
  if (items.empty()) return fail(404, "revoked", "this connection holds no values", 0);

  crypto::Context context{config_.pod_namespace, "Connection", name, (*authenticated)->owner.uid, {}};
  std::vector<Opened> opened;
  opened.reserve(items.size());
  const auto begin = std::chrono::steady_clock::now();
  for (auto& item : items) {
    auto envelope = envelopes.find("field." + item);
    context.item = item;
    auto value = envelope_keys_.open(keyring, context, envelope->second);
    if (!value) {
      log::warn("cannot open a sealed value", {{"kind", "Connection"}, {"name", json::string_view(name)}, {"item", json::string_view(item)},
                                                {"reason", json::string_view(crypto::to_string(value.error()))}});
      return fail(503, "decrypt_failed", "a sealed value could not be opened (key ring not current?)", 2);
    }
    opened.push_back({std::move(item), std::move(*value)});
  }
  observer_.on_decrypt(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());

  http::Response response;
  response.sensitive = true;
  response.set_header("Cache-Control", "no-store");
  if (token_only) {
    response.set_header("Content-Type", "text/plain");
    response.body.assign(opened.front().value.view());
    return response;
  }
  response.set_header("Content-Type", "application/json");
  std::string_view pack = manifest.pack;
  std::size_t capacity = 96 + json_string_capacity(name.size()) + json_string_capacity(pack.size()) +
                         json_string_capacity(auth_type.size()) + json_string_capacity(expires_at.size());
  for (const auto& o : opened) capacity += json_string_capacity(o.item.size()) + json_string_capacity(o.value.size()) + 2;
  std::string& body = response.body;
  body.reserve(capacity);   // one allocation: the plaintext is never left behind by a regrowth
  body += R"({"name":)";
  append_json_string(body, name);
  body += R"(,"pack":)";
  append_json_string(body, pack);
  body += R"(,"authType":)";
  append_json_string(body, auth_type);
  body += R"(,"fields":{)";
  for (std::size_t i = 0; i < opened.size(); ++i) {
    if (i != 0) body.push_back(',');
    append_json_string(body, opened[i].item);
    body.push_back(':');
    append_json_string(body, opened[i].value.view());
  }
  body += R"(},"expiresAt":)";
  if (expires_at.empty()) body += "null";
  else append_json_string(body, expires_at);
  body += "}";
  return response;
}

http::Response ApiHandler::secret(const std::string& name, AuditRecord& record) const {
  const auto now = now_();
  auto entry = cache_.find(Kind::secret, name);
  if (auto refused = refuse_unless_servable(entry, now, config_.stale_after, record.outcome)) return std::move(*refused);
  auto fail = [&](int status, std::string_view code, std::string_view message, int retry = 0) {
    return refuse(record.outcome, status, code, message, retry);
  };
  auto keyring = cache_.keyring();
  if (!keyring) return fail(503, "keyring_unavailable", "the namespace key ring is not loaded", 1);
  auto authenticated = authenticate(*entry, keyring, Kind::secret, name);
  if (!authenticated) {
    log::warn("store manifest not authenticated", {{"kind", "Secret"}, {"name", json::string_view(name)},
                                                   {"reason", json::string_view(authenticated.error().reason)}});
    if (authenticated.error().code == "decrypt_failed")
      return fail(503, "decrypt_failed", "a sealed value could not be opened (key ring not current?)", 2);
    return fail(503, "manifest_invalid", "the store has no sealed manifest (an older operator wrote it?)", 2);
  }
  if (rolled_back(Kind::secret, name, **authenticated)) {
    log::warn("store rolled back", {{"kind", "Secret"}, {"name", json::string_view(name)}});
    return fail(503, "rolled_back", "the store is older than one this sidecar has served", 2);
  }
  auto envelope = entry->envelopes->find("env." + config_.environment);
  if (envelope == entry->envelopes->end() || !(*authenticated)->manifest.serves(config_.environment)) {
    return fail(404, "environment_not_found", "this secret has no value for the pod's dragops.io/environment");
  }
  crypto::Context context{config_.pod_namespace, "Secret", name, (*authenticated)->owner.uid, config_.environment};
  const auto begin = std::chrono::steady_clock::now();
  auto value = envelope_keys_.open(keyring, context, envelope->second);
  if (!value) {
    log::warn("cannot open a sealed value", {{"kind", "Secret"}, {"name", json::string_view(name)}, {"item", json::string_view(config_.environment)},
                                              {"reason", json::string_view(crypto::to_string(value.error()))}});
    return fail(503, "decrypt_failed", "a sealed value could not be opened (key ring not current?)", 2);
  }
  observer_.on_decrypt(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count());

  http::Response response;
  response.sensitive = true;
  response.set_header("Cache-Control", "no-store");
  response.set_header("Content-Type", "application/json");
  std::string& body = response.body;
  body.reserve(48 + json_string_capacity(name.size()) + json_string_capacity(config_.environment.size()) +
               json_string_capacity(value->size()));
  body += R"({"name":)";
  append_json_string(body, name);
  body += R"(,"environment":)";
  append_json_string(body, config_.environment);
  body += R"(,"value":)";
  append_json_string(body, value->view());
  body += "}";
  return response;
}

}  // namespace dragops::sidecar
