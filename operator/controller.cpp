#include "operator/controller.hpp"

#include "common/log.hpp"
#include "crypto/envelope.hpp"
#include "inject/injected_pod.hpp"
#include "operator/sidecar_access/pod_informer.hpp"
#include "operator/observation.hpp"
#include "store/json_access.hpp"
#include "store/names.hpp"
#include "store/sealed_input.hpp"
#include "store/store_object.hpp"

#include <algorithm>
#include <thread>

namespace dragops::op {
namespace json = boost::json;
using namespace store::json_access;

namespace {

constexpr const char* kSecretRefIndex = "secretRef";
constexpr const char* kPackIndex = "pack";
constexpr std::string_view kConnectionPrefix = "Connection/";
constexpr std::string_view kSecretPrefix = "Secret/";
constexpr std::string_view kPackPrefix = "IntegrationPack/";
constexpr std::string_view kSidecarAccessPrefix = "SidecarAccess/";   // + namespace/serviceAccount

// User Secrets only: not our own store and key objects, not service-account tokens.
constexpr const char* kCoreSecretSelector =
    "type!=dragops.io/sealed,type!=dragops.io/keyring,type!=dragops.io/root-key,type!=dragops.io/sealing-keys,"
    "type!=kubernetes.io/service-account-token,type!=helm.sh/release.v1";

kube::IndexFunc secret_ref_index(store::Kind kind) {
  return [kind](const json::object& object) {
    std::vector<std::string> values;
    const auto ns = kube::namespace_of(object);
    for (auto& name : referenced_secrets(object, kind)) values.push_back(kube::key_of(ns, name));
    return values;
  };
}

kube::IndexFunc pack_index() {
  return [](const json::object& object) {
    auto spec = parse_connection_spec(object);
    return spec.pack.empty() ? std::vector<std::string>{} : std::vector<std::string>{spec.pack};
  };
}

kube::InformerOptions informer_options(kube::Gvr gvr, const std::string& ns) {
  kube::InformerOptions options;
  options.gvr = std::move(gvr);
  options.ns = ns;
  options.transform = kube::strip_managed_fields;   // about a third of a cached Connection on kube-apiserver
  return options;
}

// Updates that show exactly what this operator wrote (own_prefix + key at that
// resourceVersion) are not enqueued again.
kube::EventHandlers enqueue_with(std::function<void(const kube::ObjectPtr&)> enqueue, OwnWrites* own_writes = nullptr,
                                 std::string own_prefix = {}) {
  kube::EventHandlers handlers;
  handlers.on_add = enqueue;
  handlers.on_update = [enqueue, own_writes, own_prefix](const kube::ObjectPtr&, const kube::ObjectPtr& object) {
    if (own_writes && own_writes->consume(own_prefix + kube::object_key(*object), kube::resource_version_of(*object)))
      return;
    enqueue(object);
  };
  handlers.on_delete = enqueue;
  return handlers;
}

}  // namespace

Controller::Controller(kube::Api& api, KeyManager& keys, EventSink& events, Metrics& metrics, ControllerOptions options,
                       WallClock clock)
    : api_(api),
      keys_(keys),
      metrics_(metrics),
      options_(std::move(options)),
      reconciler_(api, *this, keys, events, metrics, std::move(clock), &own_writes_, options_.authorizer,
                  options_.revoker, options_.refresher, options_.sealing_keys, options_.endpoint_policy),
      sidecar_roles_(api) {
  if (options_.watch_namespaces.empty()) build_informers("");
  for (const auto& ns : options_.watch_namespaces) build_informers(ns);

  packs_ = std::make_unique<kube::Informer>(api_, informer_options(kube::gvr::integration_packs(), ""));
  packs_->add_handlers(enqueue_with([this](const kube::ObjectPtr& pack) {
    const auto name = kube::name_of(*pack);
    queue_.add(std::string(kPackPrefix) + name);
    for (auto& [ns, set] : sets_)
      for (const auto& key : set.connections->cache().keys_by_index(kPackIndex, name))
        queue_.add(std::string(kConnectionPrefix) + key);
  }));
}

Controller::~Controller() { stop_informers(); }

void Controller::build_informers(const std::string& ns) {
  InformerSet set;
  set.connections = std::make_unique<kube::Informer>(api_, informer_options(kube::gvr::connections(), ns));
  set.connections->add_index(kSecretRefIndex, secret_ref_index(store::Kind::connection));
  set.connections->add_index(kPackIndex, pack_index());
  set.connections->add_index(kube::kNamespaceIndex, kube::namespace_index());
  set.connections->add_handlers(enqueue_with(
      [this](const kube::ObjectPtr& object) { queue_.add(std::string(kConnectionPrefix) + kube::object_key(*object)); },
      &own_writes_, std::string(kConnectionPrefix)));

  set.secrets = std::make_unique<kube::Informer>(api_, informer_options(kube::gvr::dragops_secrets(), ns));
  set.secrets->add_index(kSecretRefIndex, secret_ref_index(store::Kind::secret));
  set.secrets->add_index(kube::kNamespaceIndex, kube::namespace_index());
  set.secrets->add_handlers(enqueue_with(
      [this](const kube::ObjectPtr& object) { queue_.add(std::string(kSecretPrefix) + kube::object_key(*object)); },
      &own_writes_, std::string(kSecretPrefix)));

  auto* connections = set.connections.get();
  auto* secrets = set.secrets.get();
  set.core_secrets = std::make_unique<EventWatch>(
      api_, EventWatch::Options{kube::gvr::secrets(), ns, "", kCoreSecretSelector, {}},
      [this, connections, secrets](const kube::WatchEvent& event) {
        const auto key = kube::object_key(event.object);
        for (const auto& owner : connections->cache().keys_by_index(kSecretRefIndex, key))
          queue_.add(std::string(kConnectionPrefix) + owner);
        for (const auto& owner : secrets->cache().keys_by_index(kSecretRefIndex, key))
          queue_.add(std::string(kSecretPrefix) + owner);
      },
      [this] { enqueue_all(); });
  EventWatch::Options store_options{kube::gvr::secrets(), ns,
                                    std::string(store::kManagedByLabel) + "=" + std::string(store::kManagedByValue), "", {}};
  store_options.on_listed = [this](const json::object* object) {
    std::lock_guard lock(stores_mutex_);
    if (!object) stores_.clear();
    else stores_.insert_or_assign(kube::object_key(*object), string_at(*object, "type") == store::kSealedType);
  };
  set.stores = std::make_unique<EventWatch>(
      api_, std::move(store_options),
      [this](const kube::WatchEvent& event) { on_store_event(event); }, [this] { enqueue_all(); });
  set.injected_pods = sidecar_access::make_injected_pod_informer(
      api_, ns, sidecar_access::excluded_namespaces(options_.operator_namespace),
      [this](const std::string& key) { queue_.add(std::string(kSidecarAccessPrefix) + key); });
  sets_.emplace(ns, std::move(set));
}

void Controller::on_store_event(const kube::WatchEvent& event) {
  const auto& object = event.object;
  const auto kind = label(object, store::kKindLabel);
  const auto owner = label(object, store::kNameLabel);
  const auto ns = kube::namespace_of(object);
  const bool deleted = event.type == "DELETED";
  {
    std::lock_guard lock(stores_mutex_);
    if (deleted) stores_.erase(kube::object_key(object));
    else stores_.insert_or_assign(kube::object_key(object), string_at(object, "type") == store::kSealedType);
  }
  if (!deleted && own_writes_.consume("Store/" + kube::object_key(object), kube::resource_version_of(object))) return;
  if (kind == "Connection" && !owner.empty()) queue_.add(std::string(kConnectionPrefix) + kube::key_of(ns, owner));
  else if (kind == "Secret" && !owner.empty()) queue_.add(std::string(kSecretPrefix) + kube::key_of(ns, owner));
  else if (deleted && kube::name_of(object) == store::kProjectedKeyringName) {
    keys_.forget(ns);   // re-created by the next reconcile of the namespace
    enqueue_namespace(ns);
  }
}

void Controller::enqueue_all() {
  for (const auto& key : packs_->cache().keys()) queue_.add(std::string(kPackPrefix) + key);
  for (auto& [ns, set] : sets_) {
    for (const auto& key : set.connections->cache().keys()) queue_.add(std::string(kConnectionPrefix) + key);
    for (const auto& key : set.secrets->cache().keys()) queue_.add(std::string(kSecretPrefix) + key);
  }
}

void Controller::start_informers() {
  packs_->start();
  for (auto& [ns, set] : sets_) {
    set.connections->start();
    set.secrets->start();
    set.core_secrets->start();
    set.stores->start();
    set.injected_pods->start();
  }
}

void Controller::stop_informers() {
  if (packs_) packs_->stop();
  for (auto& [ns, set] : sets_) {
    set.connections->stop();
    set.secrets->stop();
    set.core_secrets->stop();
    set.stores->stop();
    set.injected_pods->stop();
  }
}

bool Controller::wait_for_sync(std::chrono::steady_clock::time_point deadline) const {
  if (!packs_->wait_for_sync(deadline)) return false;
  for (const auto& [ns, set] : sets_)
    for (const auto* informer : {set.connections.get(), set.secrets.get(), set.injected_pods.get()})
      if (!informer->wait_for_sync(deadline)) return false;
  for (const auto& [ns, set] : sets_)
    while (!set.core_secrets->synced() || !set.stores->synced()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  return true;
}

bool Controller::synced() const {
  if (!packs_->has_synced()) return false;
  for (const auto& [ns, set] : sets_)
  {
    for (const auto* informer : {set.connections.get(), set.secrets.get(), set.injected_pods.get()})
      if (!informer->has_synced()) return false;
    if (!set.core_secrets->synced() || !set.stores->synced()) return false;
  }
  return true;
}

const Controller::InformerSet* Controller::set_for(std::string_view ns) const {
  if (auto all = sets_.find(""); all != sets_.end()) return &all->second;
  auto it = sets_.find(std::string(ns));
  return it == sets_.end() ? nullptr : &it->second;
}

ObjectPtr Controller::find(Source source, std::string_view ns, std::string_view name) const {
  if (source == Source::pack) return packs_->cache().get("", name);
  const auto* set = set_for(ns);
  if (!set) return nullptr;
  switch (source) {
    case Source::connection: return set->connections->cache().get(ns, name);
    case Source::dragops_secret: return set->secrets->cache().get(ns, name);
    case Source::core_secret:
    case Source::store:
    case Source::pack: break;
  }
  return nullptr;
}

kube::Result<ObjectPtr> Controller::fetch(Source source, std::string_view ns, std::string_view name) const {
  if (source != Source::core_secret && source != Source::store) return find(source, ns, name);
  if (source == Source::store) {
    std::lock_guard lock(stores_mutex_);
    unsure_.erase(kube::key_of(ns, name));
  }
  auto object = api_.get(kube::gvr::secrets(), ns, name);
  if (!object) {
    if (object.error().not_found()) return ObjectPtr{};
    return object.error();
  }
  return std::make_shared<const json::object>(std::move(*object));
}

bool Controller::may_exist(Source source, std::string_view ns, std::string_view name) const {
  if (source != Source::store) return true;
  const auto* set = set_for(ns);
  if (!set || !set->stores->synced()) return true;
  const auto key = kube::key_of(ns, name);
  // A store this operator wrote is known here before its watch event arrives (own_writes_ holds
  // it until on_store_event has added it to stores_), so a pass right after a create reads it.
  if (own_writes_.pending("Store/" + key)) return true;
  std::lock_guard lock(stores_mutex_);   // a relist sets listing() before it clears stores_ under this lock
  return set->stores->listing() || stores_.contains(key) || unsure_.contains(key);
}

void Controller::unsure(Source source, std::string_view ns, std::string_view name) const {
  if (source != Source::store) return;
  std::lock_guard lock(stores_mutex_);
  if (unsure_.size() >= 4096) unsure_.clear();   // bounded; a cleared entry costs one more AlreadyExists
  unsure_.insert(kube::key_of(ns, name));
}

void Controller::enqueue_namespace(const std::string& ns) {
  const auto* set = set_for(ns);
  if (!set) return;
  for (const auto& key : set->connections->cache().keys_by_index(kube::kNamespaceIndex, ns))
    queue_.add(std::string(kConnectionPrefix) + key);
  for (const auto& key : set->secrets->cache().keys_by_index(kube::kNamespaceIndex, ns))
    queue_.add(std::string(kSecretPrefix) + key);
}

void Controller::process(const std::string& key) {
  Outcome outcome;
  auto split = [](std::string_view rest, std::string& ns, std::string& name) {
    const auto slash = rest.find('/');
    ns = std::string(rest.substr(0, slash));
    name = std::string(rest.substr(slash + 1));
  };
  std::string ns, name;
  if (key.starts_with(kConnectionPrefix)) {
    split(std::string_view(key).substr(kConnectionPrefix.size()), ns, name);
    outcome = reconciler_.reconcile_connection(ns, name);
  } else if (key.starts_with(kSecretPrefix)) {
    split(std::string_view(key).substr(kSecretPrefix.size()), ns, name);
    outcome = reconciler_.reconcile_secret(ns, name);
  } else if (key.starts_with(kPackPrefix)) {
    outcome = reconciler_.reconcile_pack(key.substr(kPackPrefix.size()));
  } else if (key.starts_with(kSidecarAccessPrefix)) {
    auto [ns_, service_account] = sidecar_access::split_key(std::string_view(key).substr(kSidecarAccessPrefix.size()));
    outcome = reconcile_sidecar_access(ns_, service_account);
  }
  switch (outcome.kind) {
    case Outcome::Kind::done: queue_.forget(key); break;
    case Outcome::Kind::requeue: queue_.add_after(key, outcome.after); break;
    case Outcome::Kind::error: queue_.add_rate_limited(key); break;
  }
}

// The Role dragops-sidecar-<SA> grants what the running injected pods of SA read, nothing when
// none is left (or in an excluded namespace). Failures are retried with the queue's backoff.
Outcome Controller::reconcile_sidecar_access(const std::string& ns, const std::string& service_account) {
  std::set<std::string> names;
  const auto* set = set_for(ns);
  // An unsynced cache would read as "no pods" and delete every Role: wait for the list instead.
  if (set && !set->injected_pods->has_synced()) return Outcome{Outcome::Kind::requeue, std::chrono::seconds(1), {}};
  if (set && !sidecar_access::excluded_namespaces(options_.operator_namespace).contains(ns)) {
    names = inject::sidecar_store_names(service_account, sidecar_access::pods_of(*set->injected_pods, ns, service_account));
  }
  const bool asked = !names.empty();
  if (options_.use_check && asked) {
    // Only what the ServiceAccount may use (docs/sharing.md). No answer: the Role stays as it is.
    auto usable = inject::usable_store_names(ns, service_account, names, options_.use_check);
    if (!usable) {
      log::warn("sidecar Role not reconciled; retrying",
                {{"namespace", json::string_view(ns)}, {"service_account", json::string_view(service_account)},
                 {"reason", json::string_view(usable.error())}});
      return Outcome{Outcome::Kind::error, {}, usable.error()};
    }
    names = std::move(*usable);
  }
  auto written = sidecar_roles_.reconcile(ns, service_account, names);
  if (!written) {
    log::warn("sidecar Role not reconciled; retrying",
              {{"namespace", json::string_view(ns)}, {"service_account", json::string_view(service_account)},
               {"reason", json::string_view(written.error())}});
    return Outcome{Outcome::Kind::error, {}, written.error()};
  }
  log::debug("sidecar Role reconciled", {{"namespace", json::string_view(ns)},
                                         {"service_account", json::string_view(service_account)},
                                         {"names", names.size()}});
  // A use grant may be withdrawn without any pod changing: look again while pods ask for names.
  if (options_.use_check && asked) return Outcome{Outcome::Kind::requeue, options_.use_recheck_interval, {}};
  return {};
}

// On taking over: every ServiceAccount with an injected pod, and every one that holds a sidecar
// Role (pods may have gone while no operator led), is reconciled once.
void Controller::enqueue_granted_service_accounts() {
  for (auto& [ns, set] : sets_) {
    for (const auto& pod : set.injected_pods->cache().list()) {
      queue_.add(std::string(kSidecarAccessPrefix) + kube::key_of(kube::namespace_of(*pod), inject::service_account_of(*pod)));
    }
    auto granted = sidecar_roles_.list_granted(ns);
    if (!granted) {
      log::warn("sidecar Roles not listed; those no pod needs stay until a pod of theirs changes",
                {{"reason", json::string_view(granted.error())}});
      continue;
    }
    for (const auto& [role_ns, sa] : *granted) queue_.add(std::string(kSidecarAccessPrefix) + kube::key_of(role_ns, sa));
  }
}

void Controller::worker() {
  while (auto key = queue_.get()) {
    process(*key);
    queue_.done(*key);
    metrics_.set_queue_depth(queue_.depth());
  }
}

std::optional<std::set<std::uint32_t>> Controller::versions_in_use(const std::string& ns) const {
  std::set<std::uint32_t> versions;
  kube::ListOptions options;
  options.label_selector = std::string(store::kManagedByLabel) + "=" + std::string(store::kManagedByValue);
  options.limit = 500;
  do {
    auto page = api_.list(kube::gvr::secrets(), ns, options);
    if (!page) return std::nullopt;   // unknown: nothing is retired on this pass
    for (const auto& item : page->at("items").as_array()) {
      const auto& object = item.as_object();
      if (string_at(object, "type") != store::kSealedType) continue;
      auto parsed = store::parse_store(object);
      if (!parsed) continue;
      for (const auto& [entry, envelope] : parsed->envelopes)
        if (auto version = crypto::key_version_of(envelope)) versions.insert(*version);
    }
    const auto* metadata = object_at(*page, "metadata");
    options.continue_token = metadata ? std::string(string_at(*metadata, "continue")) : "";
  } while (!options.continue_token.empty());
  return versions;
}

// The sealing keys named by any sealed input of the resources this operator watches (from the
// caches: no API call). Costly with many resources, so asked only when an older key could go.
sealing::KeyIds Controller::sealing_key_ids_in_use() const {
  sealing::KeyIds ids;
  auto scan = [&ids](const kube::Informer& informer, store::Kind kind) {
    for (const auto& object : informer.cache().list())
      for (const auto& text : sealed_input_texts(*object, kind))
        if (auto id = store::sealed_input_key_id(text)) ids.insert(*id);
  };
  for (const auto& [ns, set] : sets_) {
    scan(*set.connections, store::Kind::connection);
    scan(*set.secrets, store::Kind::secret);
  }
  return ids;
}

void Controller::maintain_keys() {
  keys_.maintain_root();
  metrics_.set_root_key_versions(keys_.root_versions());
  auto report = keys_.maintain([this](const std::string& ns) { return versions_in_use(ns); });
  for (const auto& ns : report.promoted) enqueue_namespace(ns);
  if (options_.sealing_keys) {
    options_.sealing_keys->maintain([this] { return std::optional<sealing::KeyIds>(sealing_key_ids_in_use()); });
    metrics_.set_sealing_keys(options_.sealing_keys->key_count());
  }
  metrics_.set_key_versions(keys_.version_counts());
  {
    std::lock_guard lock(stores_mutex_);
    metrics_.set_sealed_objects(static_cast<std::size_t>(
        std::count_if(stores_.begin(), stores_.end(), [](const auto& store) { return store.second; })));
  }
  metrics_.set_queue_depth(queue_.depth());
}

void Controller::run(std::stop_token stop) {
  running_ = true;
  // Everything known is reconciled once on taking over (a restart writes only what changed).
  packs_->cache();
  for (const auto& key : packs_->cache().keys()) queue_.add(std::string(kPackPrefix) + key);
  for (auto& [ns, set] : sets_) {
    for (const auto& key : set.connections->cache().keys()) queue_.add(std::string(kConnectionPrefix) + key);
    for (const auto& key : set.secrets->cache().keys()) queue_.add(std::string(kSecretPrefix) + key);
  }
  enqueue_granted_service_accounts();
  std::vector<std::jthread> workers;
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers.emplace_back([this] { worker(); });
  std::mutex mutex;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    maintain_keys();
    std::unique_lock lock(mutex);
    cv.wait_for(lock, stop, options_.key_maintenance_period, [] { return false; });
  }
  queue_.shutdown_with_drain();   // in-flight reconciles finish; nothing new starts
  workers.clear();
  running_ = false;
}

}  // namespace dragops::op
