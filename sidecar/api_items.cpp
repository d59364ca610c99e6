// The two credential routes of ApiHandler: state checks, per-request decryption and the body.
#include "api_handler.hpp"

#include "json_text.hpp"

#include "common/log.hpp"
#include "crypto/envelope.hpp"

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

// The expiry of a servable OAuth access token in this entry; nullopt when there is none to hold.
static std::optional<Clock::time_point> oauth_expiry(const std::optional<StoreEntry>& entry) {
  if (!entry || entry->presence != StoreEntry::Presence::present || !entry->object) return std::nullopt;
  const json::object& store = *entry->object;
  if (annotation(store, "dragops.io/auth-type") != "oauth2" || annotation(store, "dragops.io/revoked") == "true") {
    return std::nullopt;
  }
  Clock::time_point expiry;
  if (!parse_rfc3339(annotation(store, "dragops.io/expires-at"), expiry)) return std::nullopt;
  return expiry;
}

// The cache entry to answer from. An OAuth access token that a refresh is about to replace is
// held back until the refresh lands (RefreshGate), for at most the gate's hold; then the request
// gets whatever the cache holds (the old token while it is valid, 503 token_expired after).
std::optional<StoreEntry> ApiHandler::entry_to_serve(const std::string& name, Clock::time_point& now) const {
  const auto gate_it = gates_.find(name);
  RefreshGate* gate = gate_it == gates_.end() ? nullptr : gate_it->second.get();
  std::uint64_t seen = gate ? gate->version() : 0;
  auto entry = cache_.find(Kind::connection, name);
  if (!gate) return entry;
  const auto began = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::optional<Clock::time_point> held;
  while (const auto expiry = oauth_expiry(entry)) {
    const auto hold = gate->hold(*expiry, now, seen);
    if (!hold) break;
    const auto steady_now = std::chrono::steady_clock::now();
    const auto hold_deadline = steady_now + (hold->until - now);
    deadline = deadline ? std::min(*deadline, hold_deadline) : hold_deadline;
    if (steady_now >= *deadline) break;
    if (!held) held = *expiry;
    gate->wait(*hold, *deadline - steady_now);
    seen = gate->version();
    entry = cache_.find(Kind::connection, name);
    now = now_();
  }
  if (held) {
    observer_.on_token_held(std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count(),
                            oauth_expiry(entry) != held);
  }
  return entry;
}

http::Response ApiHandler::connection(const std::string& name, bool token_only, AuditRecord& record) const {
  auto now = now_();
  auto entry = entry_to_serve(name, now);
  if (auto refused = refuse_unless_servable(entry, now, config_.stale_after, record.outcome)) return std::move(*refused);
  const json::object& store = *entry->object;
  auto fail = [&](int status, std::string_view code, std::string_view message, int retry = 0) {
    return refuse(record.outcome, status, code, message, retry);
  };
  auto keyring = cache_.keyring();
  if (!keyring) return fail(503, "keyring_unavailable", "the namespace key ring is not loaded", 1);

  std::string_view auth_type = annotation(store, "dragops.io/auth-type");
  std::string_view expires_at = annotation(store, "dragops.io/expires-at");
  if (auth_type == "oauth2" && !expires_at.empty()) {
    Clock::time_point expiry;
    if (!parse_rfc3339(expires_at, expiry) || now >= expiry) {
      return fail(503, "token_expired", "the OAuth access token has expired and has not been refreshed yet", 5);
    }
  }
  const Envelopes& envelopes = *entry->envelopes;
  if (envelopes.empty()) return fail(404, "revoked", "this connection holds no values", 0);

  std::vector<std::string> items;
  if (token_only) {
    std::string field = token_field(store);
    if (field.empty() || !envelopes.contains("field." + field)) {
      return fail(404, "no_token_field", "this connection has no single token field; use /v1/connections/{name}", 0);
    }
    items.push_back(std::move(field));
  } else {
    for (const auto& [key_string, envelope] : envelopes) {
      std::string_view key = key_string;
      if (key.substr(0, 6) != "field.") continue;
      // The refresh token and the sealed OAuth client are for the sidecar's refresher only.
      if (auth_type == "oauth2" && (key == "field.refresh_token" || key.substr(0, 12) == "field.oauth_")) continue;
      items.emplace_back(key.substr(6));
    }
  }

  crypto::Context context{config_.pod_namespace, "Connection", name, std::string(annotation(store, "dragops.io/uid")), {}};
  std::vector<Opened> opened;
  opened.reserve(items.size());
  const auto begin = std::chrono::steady_clock::now();
  for (auto& item : items) {
    auto envelope = envelopes.find("field." + item);
    context.item = item;
    auto value = crypto::open(*keyring, context, envelope->second);
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
  std::string_view pack = annotation(store, "dragops.io/pack");
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
  const json::object& store = *entry->object;
  auto fail = [&](int status, std::string_view code, std::string_view message, int retry = 0) {
    return refuse(record.outcome, status, code, message, retry);
  };
  auto keyring = cache_.keyring();
  if (!keyring) return fail(503, "keyring_unavailable", "the namespace key ring is not loaded", 1);
  auto envelope = entry->envelopes->find("env." + config_.environment);
  if (envelope == entry->envelopes->end()) {
    return fail(404, "environment_not_found", "this secret has no value for the pod's dragops.io/environment");
  }
  crypto::Context context{config_.pod_namespace, "Secret", name, std::string(annotation(store, "dragops.io/uid")),
                          config_.environment};
  const auto begin = std::chrono::steady_clock::now();
  auto value = crypto::open(*keyring, context, envelope->second);
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
