#include "operator/decide.hpp"

#include "crypto/envelope.hpp"
#include "oauth/time_format.hpp"
#include "oauth/token_items.hpp"
#include "operator/reasons.hpp"
#include "packs/endpoints.hpp"
#include "operator/sealing/sealed_rules.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace dragops::op {
namespace {

// The values to seal, or why there are none.
struct Verdict {
  std::string_view reason;   // empty: ok
  std::string message;
  store::Plaintexts values;
  std::string pack;
  std::string auth_type;
  std::string token_field;         // the store annotation dragops.io/token-field
  std::string expires_at;          // oauth2: RFC 3339, "" : does not expire
  std::string authorization_url;   // oauth2 awaiting authorization
  std::optional<std::chrono::milliseconds> requeue_after;
  std::optional<RefreshObservation> refresh;   // oauth2 with tokens: the Refreshed condition

  bool ok() const { return reason.empty(); }
};

Verdict problem(std::string_view reason, std::string message) {
  Verdict verdict;
  verdict.reason = reason;
  verdict.message = std::move(message);
  return verdict;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool is_dns_label(std::string_view text) {
  if (text.empty() || text.size() > 63 || text.front() == '-' || text.back() == '-') return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// --- Sealed input (the rules: operator/sealing/sealed_rules.hpp) -----------------------

Verdict from(const sealing::SealedProblem& sealed) {
  Verdict verdict = problem(sealed.reason, sealed.message);
  if (sealed.retry) verdict.requeue_after = kKeyringRetry;
  return verdict;
}

// --- Connection rules -------------------------------------------------------------------

// The field /token serves: apiKey its one field, fields the first secret field, oauth2 the
// access token ("" : none, the sidecar answers 404 no_token_field).
std::string token_field_of(const packs::Pack& pack) {
  if (pack.auth_type == packs::AuthType::oauth2) return std::string(oauth::kAccessTokenItem);
  for (const auto& field : pack.fields)
    if (field.secret || pack.auth_type == packs::AuthType::api_key) return field.name;
  return {};
}

// The client a refresher outside the operator needs (the same items the callback seals; see
// operator/oauth_callback.hpp), when spec.oauth.clientRef names a complete client Secret.
void add_refresh_client(store::Plaintexts& values, const ConnectionObservation& o, const packs::Pack& pack) {
  if (o.spec.client_ref.empty() || !pack.oauth) return;
  auto it = o.secrets.find(o.spec.client_ref);
  if (it == o.secrets.end() || !it->second) return;
  auto id = it->second->find("client_id");
  auto secret = it->second->find("client_secret");
  if (id == it->second->end() || secret == it->second->end() || id->second.empty()) return;
  auto method = it->second->find("token_endpoint_auth_method");
  values.insert_or_assign("oauth_client_id", id->second);
  values.insert_or_assign("oauth_client_secret", secret->second);
  values.insert_or_assign("oauth_token_url", crypto::SecretBytes::from_string(pack.oauth->token_url));
  values.insert_or_assign("oauth_client_auth", method != it->second->end() ? method->second
                                                                            : crypto::SecretBytes::from_string("client_secret_basic"));
}

bool is_authorization_failure(const Resource& resource) {
  const auto* ready = resource.status.condition(condition::kReady);
  return ready && ready->status == "False" &&
         (ready->reason == reason::kAuthorizationDenied || ready->reason == reason::kAuthorizationFailed);
}

// oauth2: tokens from the credentialsRef Secret (bootstrap, until the store holds tokens of
// this generation), else the store's own tokens (sealed by the callback or a refresh), else
// the authorization URL to open.
Verdict oauth_values(const ConnectionObservation& o, const packs::Pack& pack) {
  Verdict verdict;
  verdict.pack = pack.name;
  verdict.auth_type = packs::to_string(pack.auth_type);
  verdict.token_field = token_field_of(pack);
  const auto& existing = o.store;
  const bool store_has_tokens = existing && existing->opened && existing->store.owner == o.resource.owner &&
                                existing->opened->contains(oauth::kAccessTokenItem);
  const bool sealed = !o.spec.sealed_credentials.empty();
  const bool bootstrap = (sealed || !o.spec.credentials_ref.empty()) &&
                         !(store_has_tokens && existing->store.generation == o.resource.generation);
  if (bootstrap) {
    // The token items come from spec.sealedCredentials or from the credentialsRef Secret.
    SecretData opened;
    const SecretData* found = nullptr;
    std::string source;
    if (sealed) {
      const std::vector<std::string> items{std::string(oauth::kAccessTokenItem), std::string(oauth::kRefreshTokenItem),
                                           "expires_at"};
      auto values = sealing::connection_values(o, items, pack.name);
      if (!values) return from(values.error());
      opened = std::move(*values);
      found = &opened;
      source = "spec.sealedCredentials";
    } else {
      auto it = o.secrets.find(o.spec.credentials_ref);
      if (it == o.secrets.end() || !it->second)
        return problem(reason::kCredentialsNotFound, "Secret " + quoted(o.spec.credentials_ref) +
                                                         " not found in namespace " + quoted(o.resource.owner.namespace_));
      found = &*it->second;
      source = "Secret " + quoted(o.spec.credentials_ref);
    }
    const auto& data = *found;
    auto access = data.find(oauth::kAccessTokenItem);
    if (access == data.end() || access->second.empty())
      return problem(reason::kInvalidCredentials, source + ": key \"access_token\" is required for oauth2");
    verdict.values.emplace(std::string(oauth::kAccessTokenItem), access->second);
    if (auto refresh = data.find(oauth::kRefreshTokenItem); refresh != data.end() && !refresh->second.empty())
      verdict.values.emplace(std::string(oauth::kRefreshTokenItem), refresh->second);
    add_refresh_client(verdict.values, o, pack);
    if (auto expires = data.find("expires_at"); expires != data.end() && !expires->second.empty()) {
      auto when = oauth::parse_rfc3339(expires->second.view());
      if (!when) return problem(reason::kInvalidCredentials, source + ": key \"expires_at\" is not an RFC 3339 time");
      verdict.expires_at = oauth::format_rfc3339(*when);
    }
    return verdict;
  }
  if (store_has_tokens) {
    // Tokens go only to the origin that issued them: a pack edited to point elsewhere is not
    // used for them (the sealed oauth_token_url stays) until the person authorizes again.
    if (auto changed = token_endpoint_change(*existing->opened, pack)) {
      Verdict moved = problem(reason::kTokenEndpointChanged, *changed);
      moved.pack = pack.name;
      moved.auth_type = verdict.auth_type;
      moved.authorization_url = o.authorization.url;
      moved.requeue_after = o.authorization.renew_after;
      return moved;
    }
    verdict.values = *existing->opened;
    // A rotated client secret (or a new pack tokenURL) reaches the refreshers with the tokens;
    // without a complete client Secret the sealed client is kept.
    add_refresh_client(verdict.values, o, pack);
    verdict.expires_at = existing->store.expires_at;
    verdict.refresh = o.refresh;
    return verdict;
  }
  const auto& offer = o.authorization;
  std::string message = offer.url.empty()
                            ? "waiting for the authorization flow; no authorization URL: " + offer.problem
                            : "open status.authorizationURL in a browser to authorize";
  Verdict waiting = problem(reason::kAwaitingAuthorization, std::move(message));
  if (is_authorization_failure(o.resource)) {   // keep the failure visible next to the new URL
    const auto* ready = o.resource.status.condition(condition::kReady);
    waiting.reason = ready->reason == reason::kAuthorizationDenied ? reason::kAuthorizationDenied
                                                                   : reason::kAuthorizationFailed;
    waiting.message = ready->message;
  }
  waiting.authorization_url = offer.url;
  waiting.requeue_after = offer.renew_after;
  return waiting;
}

Verdict connection_values(const ConnectionObservation& o) {
  if (!o.pack.pack) return problem(reason::kPackNotFound, o.pack.problem);
  const auto& pack = *o.pack.pack;
  const bool sealed = !o.spec.sealed_credentials.empty();
  if (sealed && !o.spec.credentials_ref.empty())
    return problem(reason::kInvalidCredentials, "spec.credentialsRef and spec.sealedCredentials are both set; use one of them");
  if (pack.auth_type == packs::AuthType::oauth2) return oauth_values(o, pack);
  SecretData opened;
  const SecretData* found = nullptr;
  std::string source;
  if (sealed) {
    std::vector<std::string> fields;
    for (const auto& field : pack.fields) fields.push_back(field.name);
    auto values = sealing::connection_values(o, fields, pack.name);
    if (!values) return from(values.error());
    opened = std::move(*values);
    found = &opened;
    source = "spec.sealedCredentials";
  } else {
    if (o.spec.credentials_ref.empty())
      return problem(reason::kInvalidCredentials, "spec.credentialsRef or spec.sealedCredentials is required for pack " +
                                                      quoted(pack.name) + " (authType " +
                                                      std::string(packs::to_string(pack.auth_type)) + ")");
    auto it = o.secrets.find(o.spec.credentials_ref);
    if (it == o.secrets.end() || !it->second)
      return problem(reason::kCredentialsNotFound, "Secret " + quoted(o.spec.credentials_ref) + " not found in namespace " +
                                                       quoted(o.resource.owner.namespace_));
    found = &*it->second;
    source = "Secret " + quoted(o.spec.credentials_ref);
  }
  const auto& data = *found;
  if (auto problems = packs::validate(pack, data); !problems.empty())
    return problem(reason::kInvalidCredentials, source + ": " + packs::describe(problems));
  Verdict verdict;
  for (const auto& field : pack.fields) {
    auto value = data.find(field.name);
    if (value != data.end() && !value->second.empty()) verdict.values.emplace(field.name, value->second);
  }
  verdict.pack = pack.name;
  verdict.auth_type = packs::to_string(pack.auth_type);
  verdict.token_field = token_field_of(pack);
  return verdict;
}

// --- Secret rules -----------------------------------------------------------------------

Verdict secret_values(const SecretObservation& o) {
  if (o.spec.environments.empty() && o.spec.sealed_values.empty())
    return problem(reason::kInvalidCredentials, "spec.environments is empty");
  if (!o.sealing_problem.empty()) return from(sealing::keys_unavailable(o.sealing_problem));
  Verdict verdict;
  std::vector<std::string> missing, unopened, invalid;
  std::set<std::string, std::less<>> environments;
  for (const auto& [environment, ref] : o.spec.environments) environments.insert(environment);
  for (const auto& [environment, text] : o.spec.sealed_values) environments.insert(environment);
  for (const auto& environment : environments) {
    const std::string where = "environment " + quoted(environment) + ": ";
    if (!is_dns_label(environment)) {
      invalid.push_back("environment " + quoted(environment) + " is not a DNS-1123 label");
      continue;
    }
    const auto ref_entry = o.spec.environments.find(environment);
    const bool has_ref = ref_entry != o.spec.environments.end() && !ref_entry->second.name.empty();
    if (o.spec.sealed_values.contains(environment)) {
      if (has_ref) {
        invalid.push_back(where + "secretKeyRef and sealedValue are both set; use one of them");
        continue;
      }
      auto value = sealing::environment_value(o, environment);
      if (value) verdict.values.emplace(environment, std::move(*value));
      else (value.error().reason == reason::kSealedValueInvalid ? unopened : invalid).push_back(value.error().message);
      continue;
    }
    if (!has_ref) {
      invalid.push_back(where + "secretKeyRef or sealedValue is required");
      continue;
    }
    const auto& ref = ref_entry->second;
    auto it = o.secrets.find(ref.name);
    if (it == o.secrets.end() || !it->second) {
      missing.push_back(where + "Secret " + quoted(ref.name) + " not found");
      continue;
    }
    auto value = it->second->find(ref.key);
    if (value == it->second->end()) invalid.push_back(where + "key " + quoted(ref.key) + " not found in Secret " + quoted(ref.name));
    else if (value->second.empty()) invalid.push_back(where + "key " + quoted(ref.key) + " in Secret " + quoted(ref.name) + " is empty");
    else verdict.values.emplace(environment, value->second);
  }
  if (missing.empty() && unopened.empty() && invalid.empty()) return verdict;
  std::string message;
  for (const auto* list : {&missing, &unopened, &invalid})
    for (const auto& line : *list) message += (message.empty() ? "" : "; ") + line;
  const auto reason = !missing.empty()    ? reason::kCredentialsNotFound
                      : !unopened.empty() ? reason::kSealedValueInvalid
                                          : reason::kInvalidCredentials;
  return problem(reason, std::move(message));
}

// --- Shared steps -----------------------------------------------------------------------

// Plans the store write for good values: carries over every envelope whose plaintext is
// unchanged and which is sealed under the primary; seals the rest. keep when nothing differs.
void plan_store(Decision& decision, const Resource& resource, const std::optional<ExistingStore>& existing,
                Verdict& verdict, std::uint32_t primary) {
  store::Store desired;
  desired.owner = resource.owner;
  desired.key_version = primary;
  desired.pack = verdict.pack;
  desired.auth_type = verdict.auth_type;
  desired.expires_at = verdict.expires_at;
  if (auto obtained = verdict.values.find(oauth::kObtainedAtItem); obtained != verdict.values.end())
    desired.obtained_at = std::string(obtained->second.view());
  desired.generation = resource.generation;
  decision.token_field = verdict.token_field;
  if (existing && !existing->unauthenticated) decision.previous_serial = existing->store.serial;

  const bool usable = existing && existing->opened && existing->store.owner == resource.owner;
  for (auto& [item, value] : verdict.values) {
    if (usable) {
      auto old_value = existing->opened->find(item);
      auto old_envelope = existing->store.envelopes.find(item);
      if (old_value != existing->opened->end() && old_value->second.equals(value) &&
          old_envelope != existing->store.envelopes.end()) {
        auto version = crypto::key_version_of(old_envelope->second);
        if (version && *version == primary) {
          desired.envelopes.emplace(item, old_envelope->second);
          continue;
        }
      }
    }
    decision.to_seal.emplace(item, std::move(value));
  }

  const bool unchanged = usable && !existing->unauthenticated && decision.to_seal.empty() && existing->store.key_version == primary &&
                         existing->store.pack == desired.pack && existing->store.auth_type == desired.auth_type &&
                         existing->store.generation == desired.generation &&
                         existing->store.expires_at == desired.expires_at &&
                         existing->store.obtained_at == desired.obtained_at &&
                         existing->token_field == decision.token_field &&
                         existing->store.envelopes.size() == desired.envelopes.size();
  decision.store_action = unchanged ? StoreAction::keep : StoreAction::write;
  decision.desired_store = std::move(desired);
}

std::string_view event_type(std::string_view status) { return status == "True" ? "Normal" : "Warning"; }

// Applies the new conditions and sets decision.status only if anything differs. Every
// condition whose status or reason changed is reported in ONE Event for the pass (one write,
// not one per condition): reason and type from the first changed condition (Ready comes
// first), message listing each transition.
// The oauth2 extras of status (empty for everything else).
struct StatusExtras {
  std::string expires_at;
  std::string authorization_url;
  std::string auth_type;   // "" keeps what status says (e.g. while the pack is missing)
};

void finish_status(Decision& decision, const Resource& resource, std::vector<Condition> conditions,
                   std::optional<std::int64_t> key_version, std::string_view now, StatusExtras extras = {}) {
  Status next = resource.status;
  next.observed_generation = resource.generation;
  next.key_version = key_version;
  next.expires_at = std::move(extras.expires_at);
  next.authorization_url = std::move(extras.authorization_url);
  if (!extras.auth_type.empty()) next.auth_type = std::move(extras.auth_type);
  std::optional<EventSpec> event;
  for (auto& condition : conditions) {
    const auto* before = resource.status.condition(condition.type);
    if (!before || before->status != condition.status || before->reason != condition.reason) {
      if (!event) {
        event = EventSpec{std::string(event_type(condition.status)), condition.reason,
                          condition.type + "=" + condition.status};
        event->message += ": " + condition.message;
      } else {
        const auto colon = event->message.find(": ");
        event->message.insert(colon, ", " + condition.type + "=" + condition.status);
      }
    }
    condition.observed_generation = resource.generation;
    set_condition(next.conditions, std::move(condition), now);
  }
  if (event) decision.events.push_back(std::move(*event));
  if (!(next == resource.status)) decision.status = std::move(next);
}

Condition make(std::string_view type, bool status, std::string_view reason, std::string message) {
  return Condition{std::string(type), std::string(condition_status(status)), std::string(reason), std::move(message), 0, {}};
}

// what is a plural noun ("fields", "environments"); one of them reads in the singular.
std::string sealed_message(std::int64_t version, std::size_t count, std::string_view what) {
  if (count == 1 && what.ends_with('s')) what.remove_suffix(1);
  return std::to_string(count) + " " + std::string(what) + " sealed with key version " + std::to_string(version);
}

// An oauth2 Connection, by what this pass or an earlier one saw: its tokens are revoked at the
// provider before it goes, which needs a finalizer. Everything else goes with its owner.
bool needs_finalizer(const Resource& resource, std::string_view auth_type, const std::optional<ExistingStore>& existing) {
  return auth_type == "oauth2" || resource.status.auth_type == "oauth2" || (existing && existing->store.auth_type == "oauth2");
}

Decision finalize(const Resource& resource, bool store_exists) {
  Decision decision;
  if (store_exists) decision.store_action = StoreAction::remove;
  decision.remove_finalizer = resource.has_finalizer;
  return decision;
}

Decision revoke(const Resource& resource, const std::optional<ExistingStore>& existing, std::string_view now) {
  const bool store_exists = existing.has_value();
  Decision decision;
  // Revoking at the provider (oauth2) needs the object until it is done; nothing else does.
  decision.add_finalizer = needs_finalizer(resource, {}, existing) && !resource.has_finalizer;
  if (store_exists) decision.store_action = StoreAction::remove;
  finish_status(decision, resource,
                {make(condition::kReady, false, reason::kRevoked, "spec.revoked is true: not served, store removed"),
                 make(condition::kSealed, false, reason::kRevoked, "spec.revoked is true: store removed")},
                std::nullopt, now);
  return decision;
}

// The common shape of both kinds once the values (or the problem) are known.
Decision decide_values(const Resource& resource, const std::optional<ExistingStore>& existing, const KeyState& keys,
                       Verdict verdict, std::string_view what, std::string_view now) {
  if (resource.deleting) return finalize(resource, existing.has_value());
  if (resource.revoked) return revoke(resource, existing, now);

  Decision decision;
  // The store goes with its owner (ownerReference, kube's garbage collector), so only what must
  // happen before the object is gone needs a finalizer: revoking an oauth2 Connection's tokens at
  // the provider. Others save that write (issue 14: a reconcile is a store write and a status
  // write). A finalizer already there stays until deletion removes it.
  decision.add_finalizer = needs_finalizer(resource, verdict.auth_type, existing) && !resource.has_finalizer;
  std::optional<std::int64_t> kept_version;
  if (existing) kept_version = existing->store.key_version;
  const std::string kept_message =
      existing ? "keeping the last good values sealed at generation " + std::to_string(existing->store.generation)
               : std::string("nothing sealed yet");

  if (!verdict.ok()) {
    finish_status(decision, resource,
                  {make(condition::kReady, false, verdict.reason, verdict.message),
                   make(condition::kSealed, existing.has_value(), existing ? reason::kSealed : reason::kNotSealed,
                        kept_message)},
                  kept_version, now,
                  {existing ? existing->store.expires_at : std::string(), verdict.authorization_url, verdict.auth_type});
    decision.requeue_after = verdict.requeue_after;
    return decision;
  }
  if (!keys.primary) {
    finish_status(decision, resource,
                  {make(condition::kReady, false, reason::kKeyringUnavailable, keys.problem),
                   make(condition::kSealed, existing.has_value(), existing ? reason::kSealed : reason::kNotSealed,
                        kept_message)},
                  kept_version, now, {existing ? existing->store.expires_at : std::string(), {}, verdict.auth_type});
    decision.requeue_after = kKeyringRetry;
    return decision;
  }
  const auto count = verdict.values.size();
  auto expires_at = verdict.expires_at;
  auto refresh = verdict.refresh;
  plan_store(decision, resource, existing, verdict, *keys.primary);
  const auto message = sealed_message(*keys.primary, count, what);
  std::vector<Condition> conditions{make(condition::kReady, true, reason::kSealed, message),
                                    make(condition::kSealed, true, reason::kSealed, message)};
  if (refresh) {
    conditions.push_back(make(condition::kRefreshed, refresh->ok, refresh->reason, refresh->message));
    if (refresh->next_check) decision.requeue_after = *refresh->next_check;
  }
  finish_status(decision, resource, std::move(conditions), *keys.primary, now,
                {std::move(expires_at), {}, verdict.auth_type});
  return decision;
}

}  // namespace

Decision decide_connection(const ConnectionObservation& observed) {
  Verdict verdict = observed.resource.deleting || observed.resource.revoked ? Verdict{} : connection_values(observed);
  return decide_values(observed.resource, observed.store, observed.keys, std::move(verdict), "fields", observed.now);
}

Decision decide_secret(const SecretObservation& observed) {
  Verdict verdict = observed.resource.deleting || observed.resource.revoked ? Verdict{} : secret_values(observed);
  return decide_values(observed.resource, observed.store, observed.keys, std::move(verdict), "environments", observed.now);
}

std::optional<std::string> token_endpoint_change(const store::Plaintexts& opened, const packs::Pack& pack) {
  if (!pack.oauth) return std::nullopt;
  auto sealed = opened.find("oauth_token_url");
  if (sealed == opened.end()) return std::nullopt;   // no endpoint bound yet: the first one binds
  const auto issued_by = packs::origin_of(sealed->second.view());
  const auto now = packs::origin_of(pack.oauth->token_url);
  if (issued_by == now) return std::nullopt;
  return "IntegrationPack " + quoted(pack.name) + " now names the token endpoint origin " + quoted(now) +
         ", not " + quoted(issued_by) + " that issued this connection's tokens; they are not sent there. " +
         "Authorize again (status.authorizationURL) to use the new endpoint";
}

PackDecision decide_pack(const Status& current, std::int64_t generation, const std::string& parse_problem,
                         const std::string& now) {
  PackDecision decision;
  Decision scratch;
  Resource resource;
  resource.generation = generation;
  resource.status = current;
  const bool valid = parse_problem.empty();
  finish_status(scratch, resource,
                {make(condition::kReady, valid, valid ? reason::kValid : reason::kInvalidPack,
                      valid ? std::string("pack is valid") : parse_problem)},
                std::nullopt, now);
  decision.status = std::move(scratch.status);
  decision.events = std::move(scratch.events);
  return decision;
}

}  // namespace dragops::op
