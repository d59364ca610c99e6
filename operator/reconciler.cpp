#include "operator/reconciler.hpp"

#include "common/log.hpp"
#include "kube/cache.hpp"
#include "operator/decide.hpp"
#include "operator/reasons.hpp"
#include "operator/sealing/open_inputs.hpp"
#include "store/json_access.hpp"
#include "store/manifest.hpp"

#include <boost/json/serialize.hpp>

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

namespace {

constexpr std::chrono::milliseconds kConflictRetry{50};

template <class Observation>
void observe_keys(Observation& o, KeyManager& keys, RingPtr& ring) {
  if (o.resource.deleting || o.resource.revoked) return;
  auto found = keys.ring(o.resource.owner.namespace_);
  if (!found) {
    o.keys.problem = found.error();
    return;
  }
  ring = *found;
  o.keys.primary = ring->primary();
}

// Opens the sealed input of a resource that is to be served; the plaintext stays in o.sealed
// (SecretBytes) until the pass ends.
template <class Observation>
void observe_sealed(Observation& o, const SealedTexts& texts, const sealing::SealingKeySource* source,
                    Metrics& metrics) {
  if (texts.empty() || o.resource.deleting || o.resource.revoked) return;
  const auto keys = source ? source->sealing_keys() : nullptr;
  if (!keys) {
    o.sealing_problem = "the cluster sealing key is not loaded yet";
    return;
  }
  o.sealed = sealing::open_sealed_inputs(*keys, o.resource.owner, texts);
  for (const auto& [item, opened] : o.sealed) metrics.sealed_input_opened(sealing::result_label(opened));
}

// An oauth2 Connection with neither bootstrap tokens nor tokens in its store.
bool needs_authorization(const ConnectionObservation& o) {
  if (o.resource.deleting || o.resource.revoked || !o.pack.pack) return false;
  if (o.pack.pack->auth_type != packs::AuthType::oauth2 || !o.spec.credentials_ref.empty() ||
      !o.spec.sealed_credentials.empty())
    return false;
  if (!(o.store && o.store->opened && o.store->opened->contains("access_token"))) return true;
  // The pack's token endpoint moved to another origin: only a new authorization helps.
  return token_endpoint_change(*o.store->opened, *o.pack.pack).has_value();
}

}  // namespace

Reconciler::Reconciler(kube::Api& api, const Lookup& lookup, KeyManager& keys, EventSink& events, Metrics& metrics,
                       WallClock clock, OwnWrites* own_writes, const Authorizer* authorizer, Revoker* revoker,
                       OperatorRefresher* refresher, const sealing::SealingKeySource* sealing_keys,
                       packs::EndpointPolicy endpoint_policy)
    : api_(api),
      lookup_(lookup),
      keys_(keys),
      applier_(api, events, own_writes),
      metrics_(metrics),
      clock_(std::move(clock)),
      authorizer_(authorizer),
      revoker_(revoker),
      refresher_(refresher),
      sealing_keys_(sealing_keys),
      events_(events),
      endpoint_policy_(endpoint_policy) {}

PackLookup Reconciler::find_pack(const std::string& pack_name) const {
  PackLookup out;
  if (pack_name.empty()) {
    out.problem = "spec.pack is empty";
    return out;
  }
  auto object = lookup_.find(Source::pack, "", pack_name);
  if (!object) {
    out.problem = "IntegrationPack \"" + pack_name + "\" not found";
    return out;
  }
  auto pack = packs::parse_pack(*object);
  if (!pack) out.problem = "IntegrationPack \"" + pack_name + "\" is invalid: " + pack.error();
  else if (auto endpoint = packs::endpoints_problem(*pack, endpoint_policy_))
    out.problem = "IntegrationPack \"" + pack_name + "\" is invalid: " + *endpoint;
  else out.pack = std::move(*pack);
  return out;
}

kube::Result<ReferencedSecrets> Reconciler::find_secrets(const json::object& resource, store::Kind kind,
                                                         const std::string& ns) const {
  ReferencedSecrets out;
  for (const auto& name : referenced_secrets(resource, kind)) {
    auto object = lookup_.fetch(Source::core_secret, ns, name);
    if (!object) return object.error();
    if (*object) out.emplace(name, decode_secret_data(**object));
    else out.emplace(name, std::nullopt);
  }
  return out;
}

kube::Result<std::optional<ExistingStore>> Reconciler::find_store(store::Kind kind, const std::string& ns,
                                                                  const std::string& name, const crypto::Keyring* ring,
                                                                  ObjectPtr& object) const {
  // A store the store watch has not seen is not read (a first reconcile would read a 404): if it
  // exists after all, the create answers AlreadyExists and the retry reads it (finish()).
  const auto store_name = store::store_name(kind, name);
  if (!lookup_.may_exist(Source::store, ns, store_name)) {
    object = nullptr;
    return std::optional<ExistingStore>{};
  }
  auto fetched = lookup_.fetch(Source::store, ns, store_name);
  if (!fetched) return fetched.error();
  object = *fetched;
  if (!object) return std::optional<ExistingStore>{};
  auto parsed = store::parse_store(*object);
  if (!parsed) {
    // Not ours to read (or damaged): treat as present but unopenable, so it is overwritten.
    ExistingStore broken;
    broken.store.owner.kind = kind;
    return std::optional<ExistingStore>(std::move(broken));
  }
  ExistingStore existing{std::move(*parsed), {}, std::nullopt};
  // What decides serving is read from the sealed manifest only; a store without one that opens
  // (written by an older operator, or changed by someone without the key) is re-sealed.
  existing.unauthenticated = true;
  if (ring) {
    if (auto manifest = store::authenticate(existing.store, *ring)) {
      existing.token_field = manifest->token_field;
      existing.unauthenticated = false;
    }
    if (auto opened = store::open_items(existing.store, *ring)) existing.opened = std::move(*opened);
  }
  return std::optional<ExistingStore>(std::move(existing));
}

Outcome Reconciler::read_failed(std::string_view kind, const kube::Status& error,
                                std::chrono::steady_clock::time_point started) {
  metrics_.reconciled(kind, "error", std::chrono::steady_clock::now() - started);
  return {Outcome::Kind::error, {}, "read failed: " + error.reason};
}

Outcome Reconciler::finish(const kube::Gvr& gvr, std::string_view kind, const json::object& resource,
                           const Decision& decision, const ObjectPtr& store_object, const crypto::Keyring* ring,
                           std::chrono::steady_clock::time_point started) {
  auto applied = applier_.apply(gvr, resource, decision, store_object.get(), ring);
  const auto took = std::chrono::steady_clock::now() - started;
  if (!applied) {
    const auto& error = applied.error();
    if (error.already_exists())
      lookup_.unsure(Source::store, meta_string(resource, "namespace"),
                     store::store_name(store_kind_of(gvr), meta_string(resource, "name")));
    if (error.conflict() || error.already_exists() || error.not_found()) {
      metrics_.reconciled(kind, "conflict", took);
      return {Outcome::Kind::requeue, kConflictRetry, {}};
    }
    metrics_.reconciled(kind, "error", took);
    log::warn("reconcile failed", {{"kind", json::value(kind)},
                                   {"namespace", json::value(meta_string(resource, "namespace"))},
                                   {"name", json::value(meta_string(resource, "name"))},
                                   {"code", error.code},
                                   {"reason", json::value(error.reason)}});
    return {Outcome::Kind::error, {}, error.reason + ": " + error.message};
  }
  for (int i = 0; i < applied->store_writes; ++i) metrics_.store_written();
  for (const auto& event : decision.events) metrics_.event_emitted(event.type);
  if (applied->store_writes || applied->store_deletes || applied->status_writes)
    log::info("reconciled", {{"kind", json::value(kind)},
                             {"namespace", json::value(meta_string(resource, "namespace"))},
                             {"name", json::value(meta_string(resource, "name"))},
                             {"storeWrites", applied->store_writes},
                             {"storeDeletes", applied->store_deletes},
                             {"statusWrites", applied->status_writes}});
  if (decision.requeue_after) {
    metrics_.reconciled(kind, "requeue", took);
    return {Outcome::Kind::requeue, *decision.requeue_after, {}};
  }
  metrics_.reconciled(kind, "success", took);
  return {};
}

// A Connection or Secret without a finalizer is gone at once; its store goes with it through the
// ownerReference, but kube's garbage collector may be slow (or not yet watching the kind, after
// a fresh install), and revocation should reach the sidecars now. So the store is deleted here,
// unless its owner exists after all (read from the API server, not the cache) or the store
// changed since it was read (a new object of that name wrote it).
Outcome Reconciler::remove_store_of_gone(const kube::Gvr& gvr, store::Kind kind, const std::string& ns,
                                         const std::string& name) {
  const auto store_name = store::store_name(kind, name);
  auto fetched = lookup_.fetch(Source::store, ns, store_name);
  if (!fetched) return {Outcome::Kind::error, {}, fetched.error().message};
  if (!*fetched) return {};
  const auto& stored = **fetched;
  if (label(stored, store::kManagedByLabel) != store::kManagedByValue) return {};
  auto owner = api_.get(gvr, ns, name);
  if (owner) return {};   // not gone: its own pass handles the store
  if (!owner.error().not_found()) return {Outcome::Kind::error, {}, owner.error().message};
  kube::DeleteOptions options;
  options.precondition_resource_version = kube::resource_version_of(stored);
  auto removed = api_.remove(kube::gvr::secrets(), ns, store_name, options);
  if (removed || removed.error().not_found() || removed.error().conflict()) return {};
  return {Outcome::Kind::error, {}, removed.error().message};
}

Outcome Reconciler::reconcile_connection(const std::string& ns, const std::string& name) {
  const auto started = std::chrono::steady_clock::now();
  auto object = lookup_.find(Source::connection, ns, name);
  if (!object) return remove_store_of_gone(kube::gvr::connections(), store::Kind::connection, ns, name);
  auto resource = parse_resource(*object, store::Kind::connection);
  if (!resource) return {Outcome::Kind::error, {}, resource.error()};

  ConnectionObservation o;
  o.resource = std::move(*resource);
  o.spec = parse_connection_spec(*object);
  RingPtr ring;
  observe_keys(o, keys_, ring);
  if (!o.resource.deleting && !o.resource.revoked) {
    o.pack = find_pack(o.spec.pack);
    auto secrets = find_secrets(*object, store::Kind::connection, ns);
    if (!secrets) return read_failed("Connection", secrets.error(), started);
    o.secrets = std::move(*secrets);
  }
  // Deleted or revoked oauth2: open the store so its tokens can be revoked at the provider.
  std::optional<packs::Pack> revoke_with;
  if ((o.resource.deleting || o.resource.revoked) && revoker_ && o.resource.has_finalizer) {
    auto pack = find_pack(o.spec.pack);
    if (pack.pack && Revoker::applies(*pack.pack))
      if (auto found = keys_.ring(ns)) {
        ring = *found;
        revoke_with = std::move(pack.pack);
      }
  }
  observe_sealed(o, o.spec.sealed_credentials, sealing_keys_, metrics_);
  ObjectPtr store_object;
  auto existing = find_store(store::Kind::connection, ns, name, ring.get(), store_object);
  if (!existing) return read_failed("Connection", existing.error(), started);
  o.store = std::move(*existing);
  o.now = format_time(clock_());
  if (revoke_with && o.store && o.store->opened) {
    auto revoked = revoker_->revoke(o.resource.owner, o.spec, *revoke_with, *o.store->opened);
    if (revoked.kind == RevokeResult::Kind::retry) {
      log::warn("revocation at the provider failed; retrying",
                {{"namespace", json::value(ns)}, {"name", json::value(name)}, {"message", json::value(revoked.message)}});
      return {Outcome::Kind::requeue, revoked.retry_after, {}};
    }
    if (!revoked.message.empty())
      events_.emit(*object, EventSpec{revoked.kind == RevokeResult::Kind::done ? "Normal" : "Warning",
                                      revoked.kind == RevokeResult::Kind::done ? "RevokedAtProvider" : "RevocationFailed",
                                      revoked.message});
  }
  if (needs_authorization(o)) {
    if (authorizer_) o.authorization = authorizer_->offer(o.resource, o.spec, *o.pack.pack, o.secrets);
    else o.authorization.problem = "the operator's OAuth flow is not configured";
  }
  if (refresher_) tend_tokens(o);
  auto decision = decide_connection(o);
  // Tokens sealed in this pass were not tended (the refresher looks at what the store holds):
  // a bootstrapped Connection's first pass. Come back at once so the next pass, reading the new
  // store, refreshes them if due; no watch event would (this operator's own writes are skipped).
  if (refresher_ && !o.refresh && !decision.requeue_after && decision.store_action == StoreAction::write &&
      o.pack.pack && o.pack.pack->auth_type == packs::AuthType::oauth2)
    decision.requeue_after = std::chrono::milliseconds(0);
  return finish(kube::gvr::connections(), "Connection", *object, decision, store_object, ring.get(), started);
}

// oauth2 with tokens in the store: refresh if due (the operator's smaller skew: only when no
// pod did), and come back for the next check.
void Reconciler::tend_tokens(ConnectionObservation& o) {
  if (o.resource.deleting || o.resource.revoked) {
    refresher_->forget(o.resource.owner.uid);
    return;
  }
  if (!o.pack.pack || o.pack.pack->auth_type != packs::AuthType::oauth2 || !o.store || !o.store->opened) return;
  if (!o.store->opened->contains("access_token")) return;
  // Tokens whose issuing endpoint the pack no longer names are not refreshed (decide reports
  // TokenEndpointChanged) until the Connection is authorized again.
  if (token_endpoint_change(*o.store->opened, *o.pack.pack)) return;
  o.refresh = refresher_->tend(o.resource.owner, *o.store->opened);
}

Outcome Reconciler::reconcile_secret(const std::string& ns, const std::string& name) {
  const auto started = std::chrono::steady_clock::now();
  auto object = lookup_.find(Source::dragops_secret, ns, name);
  if (!object) return remove_store_of_gone(kube::gvr::dragops_secrets(), store::Kind::secret, ns, name);
  auto resource = parse_resource(*object, store::Kind::secret);
  if (!resource) return {Outcome::Kind::error, {}, resource.error()};

  SecretObservation o;
  o.resource = std::move(*resource);
  o.spec = parse_secret_spec(*object);
  RingPtr ring;
  observe_keys(o, keys_, ring);
  if (!o.resource.deleting && !o.resource.revoked) {
    auto secrets = find_secrets(*object, store::Kind::secret, ns);
    if (!secrets) return read_failed("Secret", secrets.error(), started);
    o.secrets = std::move(*secrets);
  }
  observe_sealed(o, o.spec.sealed_values, sealing_keys_, metrics_);
  ObjectPtr store_object;
  auto existing = find_store(store::Kind::secret, ns, name, ring.get(), store_object);
  if (!existing) return read_failed("Secret", existing.error(), started);
  o.store = std::move(*existing);
  o.now = format_time(clock_());
  const auto decision = decide_secret(o);
  return finish(kube::gvr::dragops_secrets(), "Secret", *object, decision, store_object, ring.get(), started);
}

Outcome Reconciler::reconcile_pack(const std::string& name) {
  const auto started = std::chrono::steady_clock::now();
  auto object = lookup_.find(Source::pack, "", name);
  if (!object) return {};
  auto pack = packs::parse_pack(*object);
  std::int64_t generation = 0;
  if (const auto* metadata = object_at(*object, "metadata"))
    if (auto it = metadata->find("generation"); it != metadata->end() && it->value().is_int64())
      generation = it->value().get_int64();
  std::string problem = pack ? std::string() : pack.error();
  if (pack)
    if (auto endpoint = packs::endpoints_problem(*pack, endpoint_policy_)) problem = *endpoint;
  auto pack_decision = decide_pack(parse_status(*object), generation, problem, format_time(clock_()));
  Decision decision;
  decision.status = std::move(pack_decision.status);
  decision.events = std::move(pack_decision.events);
  return finish(kube::gvr::integration_packs(), "IntegrationPack", *object, decision, nullptr, nullptr, started);
}

}  // namespace dragops::op
